/**
 * RayClient against real loopback servers: Ray's browser-traffic block (our mutating calls must
 * pass it, Node's global fetch does not), the captured tracebacks as one-line messages, the
 * token, the address rules, exact paths and query strings, and validation before any I/O.
 */
import { readFileSync } from 'node:fs';
import { inspect } from 'node:util';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { parse } from 'yaml';
import { messageFromBody } from '../../src/core/errors.js';
import { AuthenticationError, ClientError, PermissionDeniedError, RayClient, ServerError, ValidationError, type SubmitJobParams } from '../../src/ray/index.js';
import { startServer, type TestServer } from '../support/servers.js';

const servers: TestServer[] = [];
afterEach(async () => {
  vi.unstubAllEnvs();
  await Promise.all(servers.splice(0).map((s) => s.close()));
});
async function server(handler: Parameters<typeof startServer>[0]) {
  const s = await startServer(handler);
  servers.push(s);
  return s;
}
const json = (res: import('node:http').ServerResponse, status: number, body: unknown) =>
  void res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' }).end(JSON.stringify(body));
const text = (res: import('node:http').ServerResponse, status: number, body: string) =>
  void res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' }).end(body);

/** Ray 2.58's `browser_request_middleware`: browser-looking POST/PUT/DELETE are 405. */
function looksLikeBrowser(headers: Record<string, string | string[] | undefined>): boolean {
  return Object.keys(headers).some((h) => h.startsWith('sec-fetch-') || h === 'origin' || h === 'referer') || /^Mozilla/.test(String(headers['user-agent'] ?? ''));
}
function rayLike(req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse) {
  if (req.method !== 'GET' && looksLikeBrowser(req.headers)) return text(res, 405, 'Method Not Allowed for browser traffic.');
  const url = req.url!;
  if (req.method === 'POST' && url === '/api/jobs/') return json(res, 200, { job_id: 'rayrig_tasks_1', submission_id: 'rayrig_tasks_1' });
  if (req.method === 'POST' && url === '/api/jobs/rayrig_long_1/stop') return json(res, 200, { stopped: true });
  if (req.method === 'DELETE' && url === '/api/jobs/rayrig_long_1') return json(res, 200, { deleted: true });
  if (req.method === 'PUT' && url === '/api/serve/applications/') return void res.writeHead(200).end();
  if (req.method === 'DELETE' && url === '/api/serve/applications/') return void res.writeHead(200).end();
  if (req.method === 'GET' && url === '/api/jobs/') return json(res, 200, []);
  text(res, 404, '404: Not Found');
}

describe("Ray's browser-traffic block", () => {
  it('submit, stop, delete, serve.deploy and serve.shutdown pass it (no sec-fetch-*, Origin, Referer, Mozilla UA)', async () => {
    const s = await server(rayLike);
    const ray = new RayClient({ address: s.url });
    expect(await ray.jobs.submit({ entrypoint: 'echo hi' })).toEqual({ job_id: 'rayrig_tasks_1', submission_id: 'rayrig_tasks_1' });
    expect(await ray.jobs.stop('rayrig_long_1')).toBe(true);
    expect(await ray.jobs.delete('rayrig_long_1')).toBe(true);
    await ray.serve.deploy({ applications: [{ import_path: 'hello:app' }] });
    await ray.serve.shutdown();
    expect(await ray.jobs.list()).toEqual([]);
    for (const r of s.requests) expect(looksLikeBrowser(r.headers)).toBe(r.method === 'GET'); // GETs go through fetch, which is allowed
    expect(s.requests.map((r) => `${r.method} ${r.url}`)).toEqual([
      'POST /api/jobs/',
      'POST /api/jobs/rayrig_long_1/stop',
      'DELETE /api/jobs/rayrig_long_1',
      'PUT /api/serve/applications/',
      'DELETE /api/serve/applications/',
      'GET /api/jobs/',
    ]);
    expect(JSON.parse(s.requests[0]!.body)).toEqual({ entrypoint: 'echo hi' });
    expect(s.requests[0]!.headers['content-type']).toBe('application/json');
    expect(JSON.parse(s.requests[3]!.body)).toEqual({ applications: [{ import_path: 'hello:app' }] });
  });

  it("the same calls through Node's global fetch are refused with 405 (why the client avoids it)", async () => {
    const s = await server(rayLike);
    const ray = new RayClient({ address: s.url, fetch: (input, init) => globalThis.fetch(input, init), maxRetries: 0 });
    const err = await ray.jobs.submit({ entrypoint: 'echo hi' }).catch((e) => e);
    expect(err).toBeInstanceOf(ClientError);
    expect(err.statusCode).toBe(405);
    expect(err.message).toBe('Method Not Allowed for browser traffic. (HTTP 405)');
    expect(s.requests[0]!.headers['sec-fetch-mode']).toBe('cors');
  });

  it('a user agent starting with Mozilla (given as a header) would be refused: the server is strict', async () => {
    const s = await server(rayLike);
    const ray = new RayClient({ address: s.url, headers: { 'User-Agent': 'Mozilla/5.0' }, maxRetries: 0 });
    await expect(ray.jobs.stop('rayrig_long_1')).rejects.toMatchObject({ statusCode: 405 });
  });
});

describe('tracebacks and text/plain bodies → one-line messages (the captured bodies, from openapi/ray.yaml)', () => {
  const spec = parse(readFileSync(new URL('../../openapi/ray.yaml', import.meta.url), 'utf8'));
  const bodies = new Map<string, string>();
  (function walk(node: any, name = '') {
    if (!node || typeof node !== 'object') return;
    if (typeof node.value === 'string' && node.value.includes('Traceback (most recent call last):')) bodies.set(name, node.value);
    for (const [k, v] of Object.entries(node)) walk(v, k);
  })(spec);
  const expected: Record<string, string> = {
    entrypointNotString: "TypeError: entrypoint must be a string, got <class 'int'>",
    missingEntrypoint: "TypeError: JobSubmitRequest.__init__() missing 1 required positional argument: 'entrypoint'",
    unknownField: "TypeError: JobSubmitRequest.__init__() got an unexpected keyword argument 'bogus_field'",
    duplicateSubmissionId: 'ValueError: Job with submission_id rayrig_long_1 already exists. Please use a different submission_id.',
    notTerminal: "RuntimeError: Attempted to delete job 'rayrig_long_1', but it is in a non-terminal state RUNNING.",
  };

  it('every captured traceback in the spec has an expected message', () => {
    expect([...bodies.keys()].sort()).toEqual(Object.keys(expected).sort());
  });

  it.each(Object.entries(expected))("%s: core's messageFromBody gives the exception's last line", (name, message) => {
    expect(messageFromBody(bodies.get(name))).toBe(message);
  });

  it.each(Object.entries(expected))('%s: served as text/plain 500, the error has the line and keeps the body on detail', async (name, message) => {
    const body = bodies.get(name)!;
    const s = await server((_req, res) => text(res, 500, body));
    const err = await new RayClient({ address: s.url, maxRetries: 0 }).jobs.get('rayrig_long_1').catch((e) => e);
    expect(err).toBeInstanceOf(ServerError);
    expect(err.message).toBe(`${message} (HTTP 500)`);
    expect(err.detail).toBe(body);
  });

  it("aiohttp's generic 500 page and Serve's 501 sentence", async () => {
    const s = await server((req, res) =>
      req.url === '/api/serve/applications/' ? text(res, 501, 'Serve dependencies are not installed. Please run `pip install "ray[serve]"`.') : text(res, 500, '500 Internal Server Error\n\nServer got itself in trouble'),
    );
    const ray = new RayClient({ address: s.url, maxRetries: 0 });
    await expect(ray.jobs.list()).rejects.toThrow(/^500 Internal Server Error \(HTTP 500\)$/);
    const err = await ray.serve.getApplications().catch((e) => e);
    expect(err).toMatchObject({ statusCode: 501, code: 'SERVE_NOT_INSTALLED' });
    expect(err.message).toContain('pip install "ray[serve]"');
  });
});

describe('token', () => {
  const TOKEN = 'rtok_0123456789abcdef';

  it('sends Authorization: Bearer <token> on GET and POST', async () => {
    const s = await server(rayLike);
    const ray = new RayClient({ address: s.url, token: TOKEN });
    await ray.jobs.list();
    await ray.jobs.submit({ entrypoint: 'x' });
    expect(s.requests.map((r) => r.headers.authorization)).toEqual([`Bearer ${TOKEN}`, `Bearer ${TOKEN}`]);
  });

  it('defaults to RAY_AUTH_TOKEN; no token → no header', async () => {
    const s = await server(rayLike);
    vi.stubEnv('RAY_AUTH_TOKEN', TOKEN);
    await new RayClient({ address: s.url }).jobs.list();
    vi.stubEnv('RAY_AUTH_TOKEN', '');
    await new RayClient({ address: s.url }).jobs.list();
    expect(s.requests.map((r) => r.headers.authorization)).toEqual([`Bearer ${TOKEN}`, undefined]);
  });

  it('401 / 403 map to AuthenticationError / PermissionDeniedError, and an echoed token is redacted', async () => {
    const s = await server((req, res) =>
      req.headers.authorization ? text(res, 403, `Forbidden: Invalid authentication token ${req.headers.authorization}`) : text(res, 401, 'Unauthorized: Missing authentication token'),
    );
    expect(await new RayClient({ address: s.url }).version().catch((e) => e)).toBeInstanceOf(AuthenticationError);
    const ray = new RayClient({ address: s.url, token: TOKEN });
    const err = await ray.version().catch((e) => e);
    expect(err).toBeInstanceOf(PermissionDeniedError);
    expect(err.message).toBe('Forbidden: Invalid authentication token Bearer [REDACTED] (HTTP 403)');
    expect(JSON.stringify(err.detail)).not.toContain(TOKEN);
  });

  it('never shows the token in inspect or JSON of the client', () => {
    const ray = new RayClient({ address: 'http://127.0.0.1:8265', token: TOKEN, headers: { 'X-Ray-Authorization': `Bearer ${TOKEN}2` } });
    expect(inspect(ray, { depth: 10, showHidden: true })).not.toContain(TOKEN);
    expect(inspect(ray)).toBe("RayClient { address: 'http://127.0.0.1:8265', token: '[REDACTED]' }");
    expect(JSON.stringify(ray)).toBe('{"address":"http://127.0.0.1:8265","token":"[REDACTED]"}');
    expect(inspect(ray.jobs, { depth: 10, showHidden: true })).not.toContain(TOKEN);
  });

  it('rejects a token with whitespace before any I/O', () => {
    expect(() => new RayClient({ address: 'http://127.0.0.1:8265', token: 'a b' })).toThrow(ValidationError);
  });
});

describe('address', () => {
  it('defaults to RAY_DASHBOARD_ADDRESS, then an http(s) RAY_ADDRESS', () => {
    vi.stubEnv('RAY_DASHBOARD_ADDRESS', 'http://10.0.0.1:8265/');
    vi.stubEnv('RAY_ADDRESS', 'http://10.0.0.2:8265');
    expect(new RayClient().address).toBe('http://10.0.0.1:8265');
    vi.stubEnv('RAY_DASHBOARD_ADDRESS', '');
    expect(new RayClient().address).toBe('http://10.0.0.2:8265');
    expect(new RayClient({ address: 'https://gw.example.com/ray/' }).address).toBe('https://gw.example.com/ray');
  });

  it('a ray:// or host:port RAY_ADDRESS is not a dashboard, and says so', () => {
    vi.stubEnv('RAY_DASHBOARD_ADDRESS', '');
    vi.stubEnv('RAY_ADDRESS', 'ray://10.0.0.1:10001');
    expect(() => new RayClient()).toThrow('RAY_ADDRESS=ray://10.0.0.1:10001 is not a dashboard address (ray:// is the Ray Client protocol); set RAY_DASHBOARD_ADDRESS=http://<head>:8265 or pass {address}');
    vi.stubEnv('RAY_ADDRESS', '10.0.0.1:6379');
    expect(() => new RayClient()).toThrow(/RAY_ADDRESS=10.0.0.1:6379 is not a dashboard address \(not an http\(s\) URL; a host:port RAY_ADDRESS is the GCS/);
    vi.stubEnv('RAY_ADDRESS', '');
    expect(() => new RayClient()).toThrow(/No Ray dashboard address/);
  });

  it('rejects bad addresses and options before any I/O', () => {
    vi.stubEnv('RAY_DASHBOARD_ADDRESS', '');
    vi.stubEnv('RAY_ADDRESS', '');
    for (const address of ['127.0.0.1:8265', 'ws://127.0.0.1:8265', 'http://user:pw@host:8265', 'http://h:8265/?x=1', '']) {
      expect(() => new RayClient({ address })).toThrow(ValidationError);
    }
    expect(() => new RayClient({ address: 'http://user:secretpw@host:8265' })).toThrow(/must not carry credentials/);
    expect(() => new RayClient({ address: 'http://127.0.0.1:8265', timeout: 0 })).toThrow(ValidationError);
    expect(() => new RayClient({ address: 'http://127.0.0.1:8265', maxRetries: -1 })).toThrow(ValidationError);
  });

  it('keeps a path prefix on every request', async () => {
    const s = await server((req, res) => (req.url === '/proxy/ray/api/version' ? json(res, 200, { version: '5' }) : text(res, 404, '404: Not Found')));
    expect(await new RayClient({ address: `${s.url}/proxy/ray` }).version()).toEqual({ version: '5' });
  });
});

describe('exact paths and query strings', () => {
  it('trailing slashes exactly as Ray wants them', async () => {
    const s = await server((req, res) => {
      const u = req.url!.split('?')[0];
      if (u === '/api/jobs/rayrig_long_1/logs') return json(res, 200, { logs: 'a\n' });
      if (u!.startsWith('/api/v0/')) return json(res, 200, { result: true, msg: '', data: { result: { total: 0, num_after_truncation: 0, num_filtered: 0, result: [], partial_failure_warning: '', warnings: null } } });
      if (u === '/api/serve/applications/') return json(res, 200, { applications: {} });
      if (u === '/api/jobs/rayrig_long_1') return json(res, 200, { status: 'RUNNING' });
      if (u === '/api/version') return json(res, 200, {});
      rayLike(req, res);
    });
    const ray = new RayClient({ address: s.url });
    await ray.version();
    await ray.jobs.list();
    await ray.jobs.get('rayrig_long_1');
    await ray.jobs.logs('rayrig_long_1');
    await ray.state.nodes();
    await ray.state.tasks();
    await ray.state.actors();
    await ray.state.jobs();
    await ray.state.placementGroups();
    await ray.state.workers();
    await ray.serve.getApplications();
    expect(s.requests.map((r) => r.url)).toEqual([
      '/api/version',
      '/api/jobs/',
      '/api/jobs/rayrig_long_1',
      '/api/jobs/rayrig_long_1/logs',
      '/api/v0/nodes',
      '/api/v0/tasks',
      '/api/v0/actors',
      '/api/v0/jobs',
      '/api/v0/placement_groups',
      '/api/v0/workers',
      '/api/serve/applications/',
    ]);
  });

  it('state filters, limit, detail and timeout (ms → whole seconds)', async () => {
    const envelope = (rows: unknown[]) => ({ result: true, msg: '', data: { result: { total: 7, num_after_truncation: 6, num_filtered: 5, result: rows, partial_failure_warning: 'raylet 2 timed out', warnings: ['w1'] } } });
    const s = await server((_req, res) => json(res, 200, envelope([{ task_id: 't1', attempt_number: 0 }, { task_id: 't1', attempt_number: 2 }, { task_id: 't1', attempt_number: 1 }])));
    const ray = new RayClient({ address: s.url });
    const list = await ray.state.tasks({ filters: [['state', '=', 'FINISHED'], ['name', '!=', 'sq']], limit: 2, detail: true, timeout: 2500 });
    expect(list).toMatchObject({ total: 7, numAfterTruncation: 6, numFiltered: 5, partialFailureWarning: 'raylet 2 timed out', warnings: ['w1'] });
    await ray.state.actors({ filters: { state: 'ALIVE', pid: 16636 } });
    const task = await ray.state.getTask('t1');
    expect(task.attempt_number).toBe(2); // the latest attempt
    const queries = s.requests.map((r) => r.url);
    expect(queries[0]).toBe('/api/v0/tasks?limit=2&detail=true&timeout=3&filter_keys=state&filter_keys=name&filter_predicates=%3D&filter_predicates=!%3D&filter_values=FINISHED&filter_values=sq');
    expect(queries[1]).toBe('/api/v0/actors?filter_keys=state&filter_keys=pid&filter_predicates=%3D&filter_predicates=%3D&filter_values=ALIVE&filter_values=16636');
    expect(queries[2]).toBe('/api/v0/tasks?detail=true&filter_keys=task_id&filter_predicates=%3D&filter_values=t1');
  });

  it('a 2xx state envelope with result:false is a ServerError with its msg', async () => {
    const s = await server((_req, res) => json(res, 200, { result: false, msg: 'Failed to get the data from GCS', data: { result: null } }));
    const err = await new RayClient({ address: s.url }).state.nodes().catch((e) => e);
    expect(err).toBeInstanceOf(ServerError);
    expect(err.message).toBe('/api/v0/nodes: Failed to get the data from GCS');
  });

  it('submit sends camelCase parameters as Ray snake_case', async () => {
    const s = await server(rayLike);
    await new RayClient({ address: s.url }).jobs.submit({
      entrypoint: 'python train.py',
      submissionId: 'my_job-1',
      runtimeEnv: { pip: ['requests'], env_vars: { A: '1' } },
      metadata: { owner: 'me' },
      entrypointNumCpus: 0.5,
      entrypointNumGpus: 1,
      entrypointMemory: 1_000_000,
      entrypointResources: { custom: 2 },
      entrypointLabelSelector: { zone: 'a' },
    });
    expect(JSON.parse(s.requests[0]!.body)).toEqual({
      entrypoint: 'python train.py',
      submission_id: 'my_job-1',
      runtime_env: { pip: ['requests'], env_vars: { A: '1' } },
      metadata: { owner: 'me' },
      entrypoint_num_cpus: 0.5,
      entrypoint_num_gpus: 1,
      entrypoint_memory: 1_000_000,
      entrypoint_resources: { custom: 2 },
      entrypoint_label_selector: { zone: 'a' },
    });
  });

  it('submit is not retried after a 500 or 502 (it could start the job twice); a 503 is', async () => {
    let n = 0;
    const s = await server((_req, res) => (n++ === 0 ? text(res, 502, 'Bad Gateway') : json(res, 200, { job_id: 'j', submission_id: 'j' })));
    await expect(new RayClient({ address: s.url }).jobs.submit({ entrypoint: 'x' })).rejects.toMatchObject({ statusCode: 502 });
    expect(s.requests).toHaveLength(1);
    let m = 0;
    const s2 = await server((_req, res) => (m++ === 0 ? text(res, 503, 'busy') : json(res, 200, { job_id: 'j', submission_id: 'j' })));
    await expect(new RayClient({ address: s2.url }).jobs.submit({ entrypoint: 'x' })).resolves.toEqual({ job_id: 'j', submission_id: 'j' });
    expect(s2.requests).toHaveLength(2);
  });
});

describe('validation before any I/O', () => {
  it('bad ids, submit parameters, state options and serve configs reach no server', async () => {
    const s = await server(rayLike);
    const ray = new RayClient({ address: s.url });
    const bad: Array<[() => Promise<unknown>, RegExp]> = [
      [() => ray.jobs.get(''), /job ID cannot be empty/],
      [() => ray.jobs.get('../etc'), /Invalid job ID format/],
      [() => ray.jobs.stop('a'.repeat(101)), /job ID too long/],
      [() => ray.jobs.delete('a b'), /Invalid job ID format/],
      [() => ray.jobs.logs(undefined as never), /job ID cannot be empty/],
      [() => ray.jobs.submit({} as SubmitJobParams), /entrypoint must be a non-empty string/],
      [() => ray.jobs.submit({ entrypoint: 5 } as never), /entrypoint must be a non-empty string/],
      [() => ray.jobs.submit({ entrypoint: 'x', submissionId: 'a/b' }), /Invalid submission ID format/],
      [() => ray.jobs.submit({ entrypoint: 'x', metadata: { k: 1 } } as never), /metadata.k must be a string/],
      [() => ray.jobs.submit({ entrypoint: 'x', entrypointNumCpus: -1 }), /entrypointNumCpus must be a number ≥ 0/],
      [() => ray.jobs.submit({ entrypoint: 'x', entrypointMemory: 1.5 }), /entrypointMemory/],
      [() => ray.jobs.submit({ entrypoint: 'x', entrypointResources: { gpu: Number.NaN } }), /entrypointResources.gpu/],
      [() => ray.jobs.submit({ entrypoint: 'x', bogusField: 1 } as never), /Unknown submit parameter\(s\): bogusField/],
      [() => ray.state.tasks({ limit: 10_001 }), /limit must be a whole number from 1 to 10000/],
      [() => ray.state.tasks({ limit: 0 }), /limit must be a whole number from 1 to 10000/],
      [() => ray.state.nodes({ filters: [['state', '>', 'x']] as never }), /filter predicate must be "=" or "!="/],
      [() => ray.state.nodes({ filters: [['state; drop', '=', 'x']] }), /filter key must be a column name/],
      [() => ray.state.nodes({ filters: [['state', '=']] as never }), /a filter must be \[key, "=" \| "!=", value\]/],
      [() => ray.state.nodes({ detail: 'yes' as never }), /detail must be a boolean/],
      [() => ray.state.nodes({ timeout: -1 }), /timeout \(ms\)/],
      [() => ray.state.getNode(''), /node ID cannot be empty/],
      [() => ray.serve.deploy({} as never), /deploy\(\) takes a Serve config/],
    ];
    for (const [call, message] of bad) {
      const err = (await call().catch((e: unknown) => e)) as ValidationError;
      expect(err, String(message)).toBeInstanceOf(ValidationError);
      expect(err.message).toMatch(message);
      expect(err.statusCode).toBe(400);
    }
    expect(s.requests).toHaveLength(0);
  });
});
