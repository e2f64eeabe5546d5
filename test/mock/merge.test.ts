import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findPackageRoot, hasOperations, loadOpenApiDocs, mergeSpecs, rewriteRef, summarizeOutput } from '../../mock/src/prism.js';

const agentDoc = {
  openapi: '3.1.0',
  info: { title: 'agent', version: '1' },
  servers: [{ url: 'https://agent.example.com/base' }],
  security: [{ agentToken: [] }],
  tags: [{ name: 'jobs', description: 'first' }],
  paths: {
    '/jobs/{job_id}/': {
      servers: [{ url: 'https://elsewhere.example.com' }],
      parameters: [{ $ref: '#/components/parameters/JobId' }],
      get: {
        operationId: 'getJob',
        responses: {
          '200': {
            description: 'ok',
            content: {
              'application/json': {
                schema: { $ref: '#/components/schemas/Job' },
                examples: { running: { $ref: '#/components/examples/JobRunning' } },
              },
            },
          },
          '404': { $ref: '#/components/responses/NotFound' },
        },
      },
      post: {
        operationId: 'stopJob',
        security: [],
        requestBody: { $ref: '#/components/requestBodies/JobBody' },
        responses: { '204': { description: 'stopped' } },
      },
    },
    '/health/': {
      get: {
        operationId: 'healthCheck',
        security: [{ other: [] }, { agentToken: [], other: [] }],
        servers: [{ url: 'https://health.example.com' }],
        responses: { '200': { description: 'ok', 'x-sse-events': { tick: { $ref: '#/components/schemas/User' } } } },
      },
    },
  },
  components: {
    schemas: {
      Job: {
        type: 'object',
        properties: { owner: { $ref: '#/components/schemas/User' }, pet: { $ref: '#/components/schemas/Pet' } },
        example: { owner: { name: 'literal' } },
      },
      User: { type: 'object', properties: { name: { type: 'string' } } },
      Pet: {
        oneOf: [{ $ref: '#/components/schemas/Cat' }, { $ref: '#/components/schemas/Dog' }],
        discriminator: { propertyName: 'kind', mapping: { cat: '#/components/schemas/Cat', dog: 'Dog' } },
      },
      Cat: { type: 'object' },
      Dog: { type: 'object' },
    },
    parameters: { JobId: { name: 'job_id', in: 'path', required: true, schema: { type: 'string' } } },
    examples: { JobRunning: { value: { status: 'RUNNING' } } },
    responses: {
      NotFound: {
        description: 'not found',
        headers: { 'x-request-id': { $ref: '#/components/headers/RequestId' } },
        content: { 'application/json': { schema: { $ref: '#/components/schemas/User' } } },
      },
    },
    headers: { RequestId: { schema: { type: 'string' } } },
    requestBodies: { JobBody: { content: { 'application/json': { schema: { $ref: '#/components/schemas/Job' } } } } },
    securitySchemes: {
      agentToken: { type: 'apiKey', in: 'header', name: 'Authorization' },
      other: { type: 'http', scheme: 'bearer' },
    },
  },
};

const rayDoc = {
  openapi: '3.0.3',
  info: { title: 'ray', version: '1' },
  tags: [{ name: 'jobs', description: 'second' }, { name: 'state' }],
  paths: {
    '/api/jobs/': {
      get: {
        operationId: 'listJobs',
        responses: {
          '200': {
            description: 'ok',
            content: { 'application/json': { schema: { type: 'array', items: { $ref: '#/components/schemas/Job' } } } },
          },
        },
      },
    },
    '/api/jobs/{id}': {
      get: {
        operationId: 'getJob',
        responses: { '200': { $ref: '#/paths/~1api~1jobs~1/get/responses/200' } },
      },
    },
  },
  components: { schemas: { Job: { type: 'object', properties: { submission_id: { type: 'string' } } } } },
};

/** Every `$ref` string in a value, with where it is. */
function refsIn(node: unknown, at = '#'): { at: string; ref: string }[] {
  if (Array.isArray(node)) return node.flatMap((v, i) => refsIn(v, `${at}/${i}`));
  if (!node || typeof node !== 'object') return [];
  return Object.entries(node as Record<string, unknown>).flatMap(([k, v]) =>
    k === '$ref' && typeof v === 'string' ? [{ at, ref: v }] : refsIn(v, `${at}/${k.replace(/~/g, '~0').replace(/\//g, '~1')}`),
  );
}

/** Follows a local JSON pointer (`#/a/b~1c`) in `doc`; `undefined` if it leads nowhere. */
function resolvePointer(doc: unknown, ref: string): unknown {
  if (!ref.startsWith('#')) return undefined;
  let node: unknown = doc;
  for (const raw of ref.slice(2).split('/')) {
    if (raw === '') continue;
    const key = decodeURIComponent(raw).replace(/~1/g, '/').replace(/~0/g, '~');
    if (!node || typeof node !== 'object' || !(key in (node as object))) return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  return node;
}

describe('mergeSpecs', () => {
  const before = structuredClone({ agentDoc, rayDoc });
  const merged = mergeSpecs({ agent: agentDoc, ray: rayDoc });

  it('prefixes every path with /<api> and drops servers', () => {
    expect(Object.keys(merged.paths).sort()).toEqual(['/agent/health/', '/agent/jobs/{job_id}/', '/ray/api/jobs/', '/ray/api/jobs/{id}']);
    expect(merged.servers).toBeUndefined();
    expect(merged.paths['/agent/jobs/{job_id}/'].servers).toBeUndefined();
    expect(merged.paths['/agent/health/'].get.servers).toBeUndefined();
  });

  it('namespaces every kind of component, so equal names do not collide', () => {
    expect(Object.keys(merged.components.schemas).sort()).toEqual(
      ['agent_Cat', 'agent_Dog', 'agent_Job', 'agent_Pet', 'agent_User', 'ray_Job'].sort(),
    );
    expect(merged.components.schemas.ray_Job.properties.submission_id).toEqual({ type: 'string' });
    expect(Object.keys(merged.components.parameters)).toEqual(['agent_JobId']);
    expect(Object.keys(merged.components.examples)).toEqual(['agent_JobRunning']);
    expect(Object.keys(merged.components.responses)).toEqual(['agent_NotFound']);
    expect(Object.keys(merged.components.headers)).toEqual(['agent_RequestId']);
    expect(Object.keys(merged.components.requestBodies)).toEqual(['agent_JobBody']);
    expect(Object.keys(merged.components.securitySchemes).sort()).toEqual(['agent_agentToken', 'agent_other']);
  });

  it('rewrites every $ref (extensions included) and every one resolves in the merged document', () => {
    const refs = refsIn(merged);
    expect(refs.length).toBeGreaterThanOrEqual(14);
    for (const { at, ref } of refs) {
      expect(ref, at).toMatch(/^#\/(components\/[a-zA-Z]+\/(agent|ray)_|paths\/~1(agent|ray)~1)/);
      expect(resolvePointer(merged, ref), `${at} → ${ref}`).toBeDefined();
    }
    expect(merged.paths['/agent/health/'].get.responses['200']['x-sse-events'].tick.$ref).toBe('#/components/schemas/agent_User');
    expect(merged.paths['/ray/api/jobs/{id}'].get.responses['200'].$ref).toBe('#/paths/~1ray~1api~1jobs~1/get/responses/200');
    expect(merged.components.schemas.agent_Job.example).toEqual({ owner: { name: 'literal' } });
  });

  it('rewrites discriminator mappings, pointer and bare-name forms', () => {
    expect(merged.components.schemas.agent_Pet.discriminator.mapping).toEqual({
      cat: '#/components/schemas/agent_Cat',
      dog: 'agent_Dog',
    });
  });

  it('copies a file’s global security onto operations without their own, renaming schemes', () => {
    const jobs = merged.paths['/agent/jobs/{job_id}/'];
    expect(jobs.get.security).toEqual([{ agent_agentToken: [] }]);
    expect(jobs.post.security).toEqual([]); // explicitly public stays public
    expect(merged.paths['/agent/health/'].get.security).toEqual([{ agent_other: [] }, { agent_agentToken: [], agent_other: [] }]);
    expect(merged.paths['/ray/api/jobs/'].get.security).toBeUndefined(); // ray has no global security
    expect(merged.security).toBeUndefined();
  });

  it('keeps operationIds unique by prefixing them', () => {
    expect(merged.paths['/agent/jobs/{job_id}/'].get.operationId).toBe('agent_getJob');
    expect(merged.paths['/ray/api/jobs/{id}'].get.operationId).toBe('ray_getJob');
  });

  it('takes the highest openapi version and merges tags by name', () => {
    expect(merged.openapi).toBe('3.1.0');
    expect(merged.tags).toEqual([{ name: 'jobs', description: 'first' }, { name: 'state' }]);
  });

  it('does not modify its inputs', () => {
    expect({ agentDoc, rayDoc }).toEqual(before);
  });

  it('merges nothing into a document without operations', () => {
    const empty = mergeSpecs({});
    expect(empty.paths).toEqual({});
    expect(hasOperations(empty)).toBe(false);
    expect(hasOperations(merged)).toBe(true);
  });
});

describe('rewriteRef', () => {
  it('namespaces component refs, prefixes path refs, leaves the rest', () => {
    expect(rewriteRef('#/components/schemas/Job', 'hosted')).toBe('#/components/schemas/hosted_Job');
    expect(rewriteRef('#/components/schemas/Job/properties/id', 'hosted')).toBe('#/components/schemas/hosted_Job/properties/id');
    expect(rewriteRef('#/paths/~1runs/get', 'hosted')).toBe('#/paths/~1hosted~1runs/get');
    expect(rewriteRef('common.yaml#/components/schemas/Job', 'hosted')).toBe('common.yaml#/components/schemas/Job');
  });
});

describe('summarizeOutput', () => {
  it('picks Prism’s fatal line out of its output', () => {
    const out = '[4:56:24 AM] › [CLI] …  awaiting  Starting Prism…\n[4:56:24 AM] › [CLI] ✖  fatal     token "X" does not exist\nprism mock <document>\n';
    expect(summarizeOutput(out)).toBe('token "X" does not exist');
    expect(summarizeOutput('a\nb\n')).toBe('a | b');
  });
});

describe('the real specs', () => {
  const root = findPackageRoot();
  const present = ['agent', 'hosted', 'runagent', 'ray'].filter((api) => existsSync(join(root, 'openapi', `${api}.yaml`)));

  it.skipIf(present.length === 0)('merge into one document whose every $ref resolves', async () => {
    const docs = await loadOpenApiDocs(root);
    expect(Object.keys(docs).sort()).toEqual([...present].sort());
    const merged = mergeSpecs(docs);
    for (const api of present) {
      expect(Object.keys(merged.paths).some((p) => p.startsWith(`/${api}/`)), api).toBe(true);
    }
    const broken = refsIn(merged).filter(({ ref }) => ref.startsWith('#') && resolvePointer(merged, ref) === undefined);
    expect(broken).toEqual([]);
  });
});
