/**
 * Every client, against a small real HTTP server on 127.0.0.1: a 2xx whose body is not JSON
 * (an HTML page from a proxy, a truncated body) or is empty where the API promises a record is
 * `ResponseValidationError` with the status and a redacted excerpt, never a raw `SyntaxError`
 * or `undefined`; a 204 stays `undefined`; a redirect to another origin carries no credential;
 * a request id that echoes the key is redacted.
 */
import { inspect } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { AgentClient } from '../../src/agent/index.js';
import { RedirectError, ResponseValidationError } from '../../src/core/errors.js';
import { HostedClient } from '../../src/hosted/index.js';
import { RayClient } from '../../src/ray/index.js';
import { RunAgentClient } from '../../src/runagent/index.js';
import { startServer, type TestServer } from '../support/servers.js';

const KEY = 'secret_key_0123456789';
const AGENT_ID = '14bc8f86-c108-485b-adb7-cf06f2831091';
const HTML = `<html><head><title>502 Bad Gateway</title></head><body>proxy ${KEY}</body></html>`;

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** The calls whose 2xx the specs describe as a JSON record, one client each (maxRetries 0, short timeout). */
function calls(url: string): Record<string, () => Promise<unknown>> {
  const o = { maxRetries: 0, timeout: 3000 };
  const agent = new AgentClient({ baseUrl: url, agentToken: KEY, ...o });
  const hosted = new HostedClient({ apiKey: KEY, baseUrl: url, ...o });
  const ray = new RayClient({ address: url, token: KEY, ...o });
  const runagent = new RunAgentClient({ agentId: AGENT_ID, apiKey: KEY, baseUrl: url, ...o });
  return {
    'agent.getJob': () => agent.getJob('raysubmit_abc'),
    'agent.listJobs': () => agent.listJobs(),
    'hosted.agents.run': () => hosted.agents.run({ agentId: 'support', input: 'Hi' }),
    'hosted.runs.get': () => hosted.runs.get('run_oFo1N5pmHCM5'),
    'ray.jobs.get': () => ray.jobs.get('raysubmit_abc'),
    'ray.jobs.submit': () => ray.jobs.submit({ entrypoint: 'python x.py' }),
    'runagent.runGeneric': () => new Promise((r) => r(runagent.runGeneric({ query: 'hi' }))),
  };
}

const answering = (status: number, body: string, type = 'application/json') =>
  startServer((req, res) => void res.writeHead(status, { 'content-type': type, 'x-request-id': `req ${req.headers.authorization ?? ''}` }).end(body));

describe('a 2xx that is not the JSON the API promises, on every client', () => {
  for (const [name, status, body, type, code] of [
    ['HTML from a proxy', 200, HTML, 'text/html', 'INVALID_JSON'],
    ['a truncated body', 200, '{"submission_id":"raysubmit_abc","status":"RUN', 'application/json', 'INVALID_JSON'],
    ['an empty body', 200, '', 'application/json', 'EMPTY_BODY'],
  ] as const) {
    it(`${name} is ResponseValidationError with the status and a redacted excerpt`, async () => {
      server = await answering(status, body, type);
      for (const [method, call] of Object.entries(calls(server.url))) {
        const err = await call().then(
          (value) => ({ resolved: value }),
          (e: unknown) => e,
        );
        expect(err, method).toBeInstanceOf(ResponseValidationError);
        const e = err as ResponseValidationError;
        expect([method, e.statusCode, e.code]).toEqual([method, status, code]);
        expect(e.detail, method).toBe(body.replace(KEY, '[REDACTED]'));
        for (const shown of [e.message, JSON.stringify(e), inspect(e, { depth: 10 })]) expect(shown, method).not.toContain(KEY);
      }
    });
  }

  it('a 204 stays undefined (agent deleteServeApplication, hosted traces.delete)', async () => {
    server = await answering(204, '');
    const agent = new AgentClient({ baseUrl: server.url, agentToken: KEY, maxRetries: 0 });
    const hosted = new HostedClient({ apiKey: KEY, baseUrl: server.url, maxRetries: 0 });
    await expect(agent.deleteServeApplication('app')).resolves.toBeUndefined();
    await expect(hosted.traces.delete('run_oFo1N5pmHCM5')).resolves.toBeUndefined();
  });

  it("Ray Serve's PUT and DELETE, whose 200 has no body, resolve", async () => {
    server = await answering(200, '', 'text/plain');
    const ray = new RayClient({ address: server.url, maxRetries: 0 });
    await expect(ray.serve.deploy({ applications: [] })).resolves.toBeUndefined();
    await expect(ray.serve.shutdown()).resolves.toBeUndefined();
  });
});

describe('credentials and origins, on every client', () => {
  it('a redirect to another origin is RedirectError and the other origin sees no request', async () => {
    const other = await startServer((_req, res) => void res.writeHead(200, { 'content-type': 'application/json' }).end('{}'));
    try {
      server = await startServer((_req, res) => void res.writeHead(307, { location: `${other.url}/elsewhere` }).end());
      for (const [method, call] of Object.entries(calls(server.url))) {
        const err = await call().catch((e: unknown) => e);
        expect(err, method).toBeInstanceOf(RedirectError);
        expect((err as RedirectError).code, method).toBe('CROSS_ORIGIN_REDIRECT');
      }
      expect(other.requests).toHaveLength(0);
    } finally {
      await other.close();
    }
  });

  it('a request id that echoes the key is redacted (JSON.stringify, util.inspect)', async () => {
    server = await answering(404, '{"detail":"no such thing"}');
    for (const [method, call] of Object.entries(calls(server.url))) {
      const err = (await call().catch((e: unknown) => e)) as Error & { requestId?: string };
      expect(err.requestId, method).toMatch(/^req .*\[REDACTED\]$/);
      expect(JSON.stringify(err), method).not.toContain(KEY);
      expect(inspect(err, { depth: 10, showHidden: true }), method).not.toContain(KEY);
    }
  });
});
