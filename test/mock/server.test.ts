/**
 * The shared mock server of this run (test/global-setup.ts): every prefix reaches Prism with
 * the right spec, Prism's `Prefer` handling passes through the front, bodies and queries too,
 * unclaimed WebSocket upgrades get 404. Read-only: this file never changes the shared
 * server's scenarios (other files may rely on them); scenario routes are tested on a private
 * front in front.test.ts.
 */
import { describe, expect, inject, it } from 'vitest';
import WebSocket from 'ws';
import { findPackageRoot, loadOpenApiDocs, type SpecDoc } from '../../mock/src/prism.js';
import { API_NAMES, type ApiName } from '../../mock/src/types.js';

const mock = inject('mock');
const docs = await loadOpenApiDocs(findPackageRoot());

const METHODS = ['get', 'put', 'post', 'delete', 'patch'];

/** Resolves a local `$ref` chain in `doc`. */
function deref(doc: SpecDoc, node: any): any {
  let seen = 0;
  while (node && typeof node === 'object' && typeof node.$ref === 'string' && seen++ < 20) {
    node = node.$ref
      .slice(2)
      .split('/')
      .reduce((n: any, k: string) => n?.[k.replace(/~1/g, '/').replace(/~0/g, '~')], doc);
  }
  return node;
}

interface Op {
  method: string;
  path: string;
  op: any;
}

function operations(doc: SpecDoc): Op[] {
  return Object.entries<any>(doc.paths ?? {}).flatMap(([path, item]) =>
    METHODS.filter((m) => item?.[m]).map((method) => ({ method, path, op: item[method] })),
  );
}

/** Headers (and query) that satisfy the operation's first security requirement. */
function credentials(doc: SpecDoc, op: any): { headers: Record<string, string>; query: string } {
  const requirements: Record<string, unknown>[] = op.security ?? doc.security ?? [];
  const chosen = requirements[0] ?? {};
  const headers: Record<string, string> = {};
  const query: string[] = [];
  for (const name of Object.keys(chosen)) {
    const scheme = deref(doc, doc.components?.securitySchemes?.[name]);
    if (scheme?.type === 'http' && /^bearer$/i.test(scheme.scheme)) headers.Authorization = 'Bearer test-token';
    else if (scheme?.type === 'http' && /^basic$/i.test(scheme.scheme)) headers.Authorization = 'Basic dGVzdDp0ZXN0';
    else if (scheme?.type === 'apiKey' && scheme.in === 'header') headers[scheme.name] = 'Token test-token';
    else if (scheme?.type === 'apiKey' && scheme.in === 'query') query.push(`${scheme.name}=test-token`);
    else if (scheme?.type === 'apiKey' && scheme.in === 'cookie') headers.Cookie = `${scheme.name}=test-token`;
  }
  return { headers, query: query.join('&') };
}

function requiredQuery(doc: SpecDoc, item: any, op: any): boolean {
  return [...(item?.parameters ?? []), ...(op.parameters ?? [])].some((p) => {
    const param = deref(doc, p);
    return param?.in === 'query' && param.required;
  });
}

/** A GET without path parameters or required query parameters, if the spec has one. */
function simpleGet(doc: SpecDoc, pick: (op: Op) => boolean = () => true): Op | undefined {
  return operations(doc).find(
    (o) => o.method === 'get' && !o.path.includes('{') && !requiredQuery(doc, doc.paths[o.path], o.op) && pick(o),
  );
}

function url(api: ApiName, path: string, query = ''): string {
  return `${mock.urls[api]}${path}${query ? `?${query}` : ''}`;
}

describe('the shared mock server', () => {
  it('is healthy and serves every spec present', async () => {
    const res = await fetch(`${mock.url}/__mock/health`);
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body.status).toBe('ok');
    expect([...body.specs].sort()).toEqual(Object.keys(docs).sort());
    expect(body.prism).toBe(Object.keys(docs).length > 0);
    expect(mock.urls).toEqual(Object.fromEntries(API_NAMES.map((api) => [api, `${mock.url}/${api}`])));
  });

  for (const api of API_NAMES) {
    const doc = docs[api];
    const get = doc && simpleGet(doc);

    it.skipIf(!get)(`routes /${api}/… to Prism with the ${api} spec`, async () => {
      const { headers, query } = credentials(doc!, get!.op);
      const res = await fetch(url(api, get!.path, query), { headers });
      expect(Object.keys(get!.op.responses)).toContain(String(res.status));
      expect(res.status).toBeLessThan(300);
      expect(res.headers.get('access-control-allow-origin')).toBe('*'); // Prism's CORS: it was Prism
      const unknown = await fetch(url(api, '/definitely/not/in/the/spec'), { headers });
      expect(unknown.status).toBe(404);
      expect(JSON.stringify(await unknown.json())).toMatch(/NO_PATH_MATCHED/);
    });

    const withError = doc && simpleGet(doc, (o) => Object.keys(o.op.responses).some((c) => /^[45]\d\d$/.test(c)));
    it.skipIf(!withError)(`passes Prefer: code=… through to Prism for /${api}, mixed with scenario tokens`, async () => {
      const code = Object.keys(withError!.op.responses).find((c) => /^[45]\d\d$/.test(c))!;
      const { headers, query } = credentials(doc!, withError!.op);
      const res = await fetch(url(api, withError!.path, query), {
        headers: { ...headers, Prefer: `delay=5, code=${code}, drop-after=1, truncate` },
      });
      expect(res.status).toBe(Number(code));
      await res.arrayBuffer();
    });
  }

  // Prefer: example=<name> picks a named example: find an operation with two or more.
  const named = Object.entries(docs)
    .map(([api, doc]) => {
      const found = simpleGet(doc!, (o) => Object.keys(deref(doc!, o.op.responses['200'])?.content?.['application/json']?.examples ?? {}).length >= 2);
      return found && { api: api as ApiName, doc: doc!, op: found };
    })
    .find(Boolean);
  it.skipIf(!named)('passes Prefer: example=<name> through to Prism', async () => {
    const { api, doc, op } = named!;
    const examples = deref(doc, op.op.responses['200']).content['application/json'].examples;
    const [first, second] = Object.keys(examples);
    const { headers, query } = credentials(doc, op.op);
    const a = await fetch(url(api, op.path, query), { headers: { ...headers, Prefer: `example=${second}` } });
    expect(await a.json()).toEqual(deref(doc, examples[second!]).value);
    const b = await fetch(url(api, op.path, query), { headers });
    expect(await b.json()).toEqual(deref(doc, examples[first!]).value);
  });

  // A request body reaches Prism: a POST with a required JSON body, with and without it.
  // Not Ray: Node's fetch sends `sec-fetch-mode`, which Ray (and so the mock) refuses on a POST (405).
  const post = Object.entries(docs)
    .filter(([api]) => api !== 'ray')
    .flatMap(([api, doc]) =>
      operations(doc!)
        .filter((o) => o.method === 'post' && !o.path.includes('{') && !requiredQuery(doc!, doc!.paths[o.path], o.op))
        .map((o) => ({ api: api as ApiName, doc: doc!, op: o, body: deref(doc!, o.op.requestBody) })),
    )
    .map((c) => {
      const media = c.body?.content?.['application/json'];
      const ex = media?.example ?? deref(c.doc, Object.values<any>(media?.examples ?? {})[0])?.value;
      return c.body?.required && ex !== undefined ? { ...c, example: ex } : undefined;
    })
    .find(Boolean);
  it.skipIf(!post)('forwards the request body to Prism', async () => {
    const { api, doc, op, example } = post!;
    const { headers, query } = credentials(doc, op.op);
    const good = await fetch(url(api, op.path, query), {
      method: 'POST',
      headers: { ...headers, 'Content-Type': 'application/json' },
      body: JSON.stringify(example),
    });
    expect(good.status, await good.text()).toBeLessThan(300);
    const bad = await fetch(url(api, op.path, query), {
      method: 'POST',
      headers: { ...headers, 'Content-Type': 'application/json' },
      body: '[]',
    });
    expect(bad.status).toBeGreaterThanOrEqual(400);
    expect(bad.status).toBeLessThan(500);
  });

  const anyGet = Object.entries(docs)
    .map(([api, doc]) => {
      const found = simpleGet(doc!);
      return found && { api: api as ApiName, doc: doc!, op: found };
    })
    .find(Boolean);
  it.skipIf(!anyGet)('strips __mock from the query before Prism sees it, keeping the rest', async () => {
    const { api, doc, op } = anyGet!;
    const { headers, query } = credentials(doc, op.op);
    const q = [query, '__mock=drop-after%3D1,truncate'].filter(Boolean).join('&');
    const res = await fetch(url(api, op.path, q), { headers });
    expect(res.status).toBeLessThan(300);
  });

  it('answers an upgrade nobody claims with 404 and closes it', async () => {
    for (const path of ['/agent/definitely-not-a-websocket-route', '/nowhere', '/__mock/health']) {
      const status = await new Promise<number>((resolve, reject) => {
        const ws = new WebSocket(`${mock.url.replace('http', 'ws')}${path}`);
        ws.once('unexpected-response', (_req, res) => {
          resolve(res.statusCode ?? 0);
          ws.terminate();
        });
        ws.once('open', () => reject(new Error(`${path} was upgraded`)));
        ws.once('error', () => {});
      });
      expect(status, path).toBe(404);
    }
  });
});
