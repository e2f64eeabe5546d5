/**
 * The hosted API's streaming routes for the mock server (`/hosted/…`): the three SSE endpoints
 * of an agntz worker (github aparry3/agntz), replayed from the `text/event-stream` examples of
 * `openapi/hosted.yaml` (parsed with eventsource-parser; copied from, or derived from, the
 * captures of a running worker). Everything else under `/hosted` is Prism's.
 *
 * | route | default example | other examples (`Prefer: example=<name>`) |
 * |---|---|---|
 * | `POST /run/stream` | `completed` | `failed`, `withReply`, `clientTool` |
 * | `GET /runs/{id}/stream?since=N` | `completed` | `cancelled`, `failed`, `snapshot`, `allEvents`, … |
 * | `GET /traces/{id}/stream` | `live` | `snapshot` |
 *
 * Like the worker: every route needs `Authorization: Bearer …` (else 401
 * `{"error":"missing authentication"}`); `POST /run/stream` without `agentId` is a 400;
 * `since` is exclusive (`since=2` replays seq 3, 4, …) and a non-integer `since` is a 400; the
 * example's root run / trace id is replaced by the id in the path, so a client following
 * `runs.stream(id)` sees its own root's terminal event. A `Prefer: code=<4xx|5xx>` token hands
 * answer that error from the spec (its example, or the one `example=<name>` names, and
 * `Retry-After` for 429) without streaming — as Prism does for the JSON routes, whatever the
 * request's `Accept`.
 *
 * `GET /runs` and `GET /traces` with a `cursor` are paged here too: the cursor of one of the
 * spec's 200 examples (`page1`) answers the next example (`page2`, which has no cursor), so
 * `for await (const run of client.runs.list())` ends against the mock. Without a cursor, or
 * with a `Prefer: code=` / `example=` token, Prism answers.
 *
 * Scenarios (`Prefer:` header, `?__mock=` or `mock.setScenario('hosted', …)`): `delay=<ms>`
 * paces frames (default: the media type's `x-frame-interval-ms`, else 20 ms);
 * `drop-after=<n>` destroys the socket after n frames; `truncate` ends the body cleanly before
 * the terminal event; `invalid-payload` first sends a frame whose data is not JSON.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createParser, type EventSourceMessage } from 'eventsource-parser';
import { replayFrames } from '../pacing.js';
import type { MockApi, MockRequestContext } from '../types.js';

/** Pacing when the media type has no `x-frame-interval-ms`, ms. */
const DEFAULT_INTERVAL_MS = 20;

type Route = {
  /** The path and method in `openapi/hosted.yaml`. */
  specPath: string;
  method: 'get' | 'post';
  defaultExample: string;
  /** The id in the request path, if any (`/runs/{id}/stream`). */
  id?: string;
  /** The id the example's frames use for the root run / trace, to be replaced by {@link id}. */
  exampleId?(events: EventSourceMessage[]): string | undefined;
  /** Is this frame the stream's normal end? (for `truncate`) */
  isTerminal(event: EventSourceMessage, id: string | undefined): boolean;
  resumable: boolean;
};

function data(event: EventSourceMessage): Record<string, any> {
  try {
    const value = JSON.parse(event.data);
    return value && typeof value === 'object' ? value : {};
  } catch {
    return {};
  }
}

/** The route a request is for, or `undefined` (Prism answers it). */
function route(method: string | undefined, path: string): Route | undefined {
  let m: RegExpExecArray | null;
  if (method === 'POST' && /^\/run\/stream\/?$/.test(path)) {
    return {
      specPath: '/run/stream',
      method: 'post',
      defaultExample: 'completed',
      isTerminal: (e) => e.event === 'run-complete' || e.event === 'run-error',
      resumable: false,
    };
  }
  if (method === 'GET' && (m = /^\/runs\/([^/]+)\/stream\/?$/.exec(path))) {
    return {
      specPath: '/runs/{runId}/stream',
      method: 'get',
      defaultExample: 'completed',
      id: decodeURIComponent(m[1]!),
      // Every example ends on its root's terminal frame (or a snapshot of the root Run).
      exampleId: (events) => {
        const last = events.length ? data(events[events.length - 1]!) : {};
        return typeof last.runId === 'string' ? last.runId : typeof last.id === 'string' ? last.id : undefined;
      },
      isTerminal: (e, id) =>
        e.event === 'snapshot' || (['run-complete', 'run-error', 'run-cancelled'].includes(e.event ?? '') && data(e).runId === id),
      resumable: true,
    };
  }
  if (method === 'GET' && (m = /^\/traces\/([^/]+)\/stream\/?$/.exec(path))) {
    return {
      specPath: '/traces/{traceId}/stream',
      method: 'get',
      defaultExample: 'live',
      id: decodeURIComponent(m[1]!),
      exampleId: (events) => {
        const first = events[0] ? data(events[0]) : {};
        const id = first.span?.traceId ?? first.summary?.traceId;
        return typeof id === 'string' ? id : undefined;
      },
      isTerminal: (e) => e.event === 'trace-done' || e.event === 'snapshot',
      resumable: false,
    };
  }
  return undefined;
}

/** The tokens of a `Prefer` header (`code=404`, `example=failed`, `delay=10`), lower-cased names. */
function preferTokens(req: IncomingMessage): Map<string, string> {
  const out = new Map<string, string>();
  const header = req.headers.prefer;
  for (const value of Array.isArray(header) ? header : header ? [header] : []) {
    for (const raw of value.split(/[,;]/)) {
      const [name, ...rest] = raw.trim().split('=');
      if (name) out.set(name.trim().toLowerCase(), rest.join('=').trim().replace(/^"(.*)"$/, '$1'));
    }
  }
  return out;
}

/** Parses an SSE text into its events with eventsource-parser. */
export function parseSse(text: string): EventSourceMessage[] {
  const events: EventSourceMessage[] = [];
  const parser = createParser({ onEvent: (e) => events.push(e) });
  parser.feed(text);
  parser.reset({ consume: true });
  return events;
}

function resolveRef(spec: any, node: any): any {
  for (let i = 0; node?.$ref && i < 5; i++) {
    node = String(node.$ref).replace(/^#\//, '').split('/').reduce((n: any, k: string) => n?.[k], spec);
  }
  return node;
}

/**
 * The spec's answer for `status` on this route — `{body, headers}` from the response's
 * (named or first) JSON example — or `undefined` when the route declares no such status.
 */
export function specError(spec: any, r: Pick<Route, 'specPath' | 'method'>, status: number, exampleName?: string) {
  const response = resolveRef(spec, spec?.paths?.[r.specPath]?.[r.method]?.responses?.[String(status)]);
  const examples: Record<string, { value?: unknown }> = response?.content?.['application/json']?.examples ?? {};
  const example = (exampleName && examples[exampleName]) || Object.values(examples)[0];
  if (!example) return undefined;
  const headers: Record<string, string> = {};
  for (const [name, header] of Object.entries<any>(response.headers ?? {})) {
    const h = resolveRef(spec, header);
    const value = h?.example ?? h?.schema?.example;
    if (value !== undefined) headers[name.toLowerCase()] = String(value);
  }
  return { body: example.value, headers };
}

/** One event as SSE text, fields in the worker's order (`event`, `data`, `id`). */
export function formatSse(e: EventSourceMessage): string {
  const lines = e.event ? [`event: ${e.event}`] : [];
  for (const line of e.data.split('\n')) lines.push(`data: ${line}`);
  if (e.id !== undefined) lines.push(`id: ${e.id}`);
  return `${lines.join('\n')}\n\n`;
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): true {
  const text = JSON.stringify(body);
  res.writeHead(status, { ...headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) }).end(text);
  return true;
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    return undefined;
  }
}

async function serve(req: IncomingMessage, res: ServerResponse, ctx: MockRequestContext, r: Route, prefer: Map<string, string>): Promise<true> {
  const spec = await ctx.spec();
  const code = Number(prefer.get('code'));
  if (code >= 300) {
    req.resume();
    const answer = specError(spec, r, code, prefer.get('example'));
    if (!answer) return sendJson(res, 404, { error: `the mock has no ${code} example for ${r.specPath}` });
    return sendJson(res, code, answer.body, answer.headers);
  }
  const auth = req.headers.authorization;
  if (!auth || !/^Bearer \S+/.test(auth)) {
    req.resume();
    return sendJson(res, 401, { error: 'missing authentication' });
  }
  if (r.method === 'post') {
    const body = (await readJson(req)) as { agentId?: unknown } | undefined;
    if (!body || typeof body.agentId !== 'string' || !body.agentId) return sendJson(res, 400, { error: 'Missing required field: agentId' });
  } else {
    req.resume();
  }
  const sinceText = ctx.url.searchParams.get('since');
  const since = sinceText === null ? undefined : /^\d+$/.test(sinceText) ? Number(sinceText) : Number.NaN;
  if (r.resumable && Number.isNaN(since)) return sendJson(res, 400, { error: 'Invalid `since` query param' });

  const media = spec.paths?.[r.specPath]?.[r.method]?.responses?.['200']?.content?.['text/event-stream'];
  const examples: Record<string, { value?: unknown }> = media?.examples ?? {};
  const name = prefer.get('example') ?? r.defaultExample;
  const example = examples[name]?.value;
  if (typeof example !== 'string') {
    return sendJson(res, 404, { error: `the mock has no example "${name}" for ${r.specPath}; try ${Object.keys(examples).join(', ')}` });
  }
  let events = parseSse(example);
  const exampleId = r.exampleId?.(events);
  if (r.id && exampleId && r.id !== exampleId) {
    const from = JSON.stringify(exampleId);
    const to = JSON.stringify(r.id);
    events = events.map((e) => ({ ...e, data: e.data.split(from).join(to) }));
  }
  if (r.resumable && since !== undefined) events = events.filter((e) => e.id === undefined || !/^\d+$/.test(e.id) || Number(e.id) > since);

  const scenario = ctx.scenario;
  const interval = typeof media?.['x-frame-interval-ms'] === 'number' ? media['x-frame-interval-ms'] : DEFAULT_INTERVAL_MS;
  const closed = new AbortController();
  res.on('close', () => closed.abort());
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
  res.flushHeaders();
  const first = events[0]?.event ?? 'message';
  await replayFrames(events, {
    intervalMs: interval,
    scenario,
    signal: closed.signal,
    isTerminal: (e) => r.isTerminal(e, r.id),
    invalidFrame: () => ({ event: first, data: '{"this is": not JSON', id: undefined }),
    // Resolves once the frame is handed to the socket, so a drop right after loses nothing sent.
    send: (e) => new Promise<void>((resolve) => void res.write(formatSse(e), () => resolve())),
    drop: () => res.socket?.destroy(),
    end: () => void res.end(),
  });
  return true;
}

/**
 * The page after `cursor` among the 200 examples of a list route: the example that follows the
 * one whose `cursor` it is. `undefined` when no example has that cursor.
 */
export function nextPage(spec: any, specPath: string, cursor: string): unknown {
  const examples = Object.values<{ value?: { cursor?: unknown } }>(spec?.paths?.[specPath]?.get?.responses?.['200']?.content?.['application/json']?.examples ?? {});
  const i = examples.findIndex((e) => e.value?.cursor === cursor);
  return i >= 0 ? examples[i + 1]?.value : undefined;
}

async function listPage(req: IncomingMessage, res: ServerResponse, ctx: MockRequestContext): Promise<boolean> {
  const specPath = ctx.path.replace(/\/$/, '');
  const cursor = ctx.url.searchParams.get('cursor');
  const prefer = preferTokens(req);
  if (req.method !== 'GET' || (specPath !== '/runs' && specPath !== '/traces') || !cursor || prefer.has('code') || prefer.has('example')) return false;
  const page = nextPage(await ctx.spec(), specPath, cursor);
  if (page === undefined) return false;
  req.resume();
  if (!/^Bearer \S+/.test(req.headers.authorization ?? '')) return sendJson(res, 401, { error: 'missing authentication' });
  return sendJson(res, 200, page);
}

/** The hosted API's module of the mock server. */
export const hostedMock: MockApi = {
  name: 'hosted',
  request(req, res, ctx) {
    const r = route(req.method, ctx.path);
    if (!r) return listPage(req, res, ctx);
    if (!r) return false;
    return serve(req, res, ctx, r, preferTokens(req));
  },
};
