/**
 * The agent API's streaming routes for the mock server (`/agent/…`, as the Synapse SDK's agent client speaks to them): the job
 * log tail over WebSocket (`/jobs/{job_id}/logs/`, upgraded) and over HTTP
 * (`GET /jobs/{job_id}/logs/stream/`). Everything else under `/agent` — including the plain
 * `GET /jobs/{job_id}/logs/` — is Prism's, from `openapi/agent.yaml`.
 *
 * **Frames.** The `log` examples of `openapi/agent-logs.asyncapi.yaml` in order (the five
 * `[live]` frames captured from a Ray 2.58 head), then its `complete` example. As a real agent
 * server does, each batch goes out as one message per log line, without a trailing newline
 * (`{"type":"log","message":"0"}`): the WebSocket sends those JSON text frames together, then
 * closes with 1000; the HTTP tail writes each as a `data: <json>` line of a chunked
 * `text/plain` body, then ends it. The
 * job `raysubmit_doesnotexist` (the id of the captured 404) gets the `error` example instead.
 *
 * **Pacing.** 300 ms between frames by default, so a tail looks live yet the six frames end
 * in ~1.5 s. (The real pace is ~1 frame a second: the channel's `x-frame-interval-ms: 1000`;
 * ask for it with `Prefer: delay=1000`.)
 *
 * **Auth.** Like Prism for the REST calls, both routes need an `Authorization` header:
 * without one, 401 with the spec's `Unauthorized` body (the handshake is refused with it).
 *
 * **Scenarios** (`Prefer:` header, `?__mock=`, or `mock.setScenario('agent', …)`; read once per
 * tail, so `{times: 1}` applies to one connection): `delay=<ms>` paces frames; `drop-after=<n>`
 * destroys the connection after n frames (a WebSocket sees 1006, an HTTP body breaks);
 * `truncate` ends cleanly (close 1000 / end of body) before `complete`; `refuse=<status>`
 * refuses the WebSocket handshake with that status and the spec's body for it (HTTP tail
 * unaffected: that is what `auto` falls back to); `invalid-payload` first sends a frame that
 * is not JSON (which a client treats as log text). On the HTTP tail, `Prefer: code=<4xx|5xx>`
 * (optionally with `example=<name>`) answers that error response of the spec instead of
 * streaming, as Prism does for the JSON routes.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { replayFrames } from '../pacing.js';
import type { MockApi, MockRequestContext, StreamScenario } from '../types.js';

/** The mock's default pace between two tail frames, ms (see the module comment). */
export const AGENT_TAIL_INTERVAL_MS = 300;
/** The job whose tail is the asyncapi `error` example (Ray's captured 404 names it). */
const MISSING_JOB = 'raysubmit_doesnotexist';

const WS_TAIL = /^\/jobs\/([^/]+)\/logs\/$/;
const HTTP_TAIL = /^\/jobs\/([^/]+)\/logs\/stream\/$/;
const STATUS_TEXT: Record<number, string> = { 400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 422: 'Unprocessable Entity', 429: 'Too Many Requests', 500: 'Internal Server Error', 501: 'Not Implemented', 502: 'Bad Gateway', 503: 'Service Unavailable', 504: 'Gateway Timeout' };
/** A frame that is not JSON (for `invalid-payload`); a client reads it as one line of log text. */
const INVALID_FRAME = '{"type": "log", "message": "not JSON: the quote is never closed\n';

let wss: WebSocketServer | undefined;

/** The agent API's module of the mock server. */
export const agentMock: MockApi = {
  name: 'agent',

  async upgrade(req, socket, head, ctx) {
    const match = WS_TAIL.exec(ctx.path);
    if (!match) return false;
    const spec = await ctx.spec();
    if (!req.headers.authorization) {
      refuse(socket, 401, errorBody(spec, 401));
      return true;
    }
    const scenario = ctx.scenario;
    if (scenario.refuse !== undefined) {
      refuse(socket, scenario.refuse, errorBody(spec, scenario.refuse));
      return true;
    }
    const frames = await tailFrames(ctx, match[1]!);
    wss ??= new WebSocketServer({ noServer: true, perMessageDeflate: false });
    wss.handleUpgrade(req, socket, head, (ws) => void serveSocket(ws, frames, scenario));
    return true;
  },

  async request(req, res, ctx) {
    const match = HTTP_TAIL.exec(ctx.path);
    if (!match || req.method !== 'GET') return false;
    const spec = await ctx.spec();
    if (!req.headers.authorization) {
      sendError(res, 401, errorBody(spec, 401));
      return true;
    }
    const prefer = preferTokens(req);
    const code = Number(prefer.get('code'));
    if (code >= 400 && code <= 599) {
      sendError(res, code, errorBody(spec, code, prefer.get('example')));
      return true;
    }
    const scenario = ctx.scenario;
    const frames = await tailFrames(ctx, match[1]!);
    await serveBody(req, res, frames, scenario);
    return true;
  },
};

/** One paced step of a tail: its messages' JSON texts, and whether it ends the tail (`complete`, `error`). */
interface Frame {
  texts: string[];
  terminal: boolean;
  invalid?: boolean;
}

/** The frames of one tail: the `log` examples then `complete`, or the `error` example. */
async function tailFrames(ctx: MockRequestContext, jobId: string): Promise<Frame[]> {
  const doc = await ctx.asyncapi('agent-logs');
  const messages = doc?.components?.messages ?? {};
  const frames = (name: string, terminal: boolean): Frame[] =>
    (messages[name]?.examples ?? []).map((e: { payload: { message?: unknown } }) => ({ texts: perLine(e.payload), terminal }));
  if (jobId === MISSING_JOB) return frames('error', true).slice(0, 1);
  return [...frames('log', false), ...frames('complete', true).slice(0, 1)];
}

const isTerminal = (frame: Frame) => frame.terminal;
const invalidFrame = (): Frame => ({ texts: [INVALID_FRAME], terminal: false, invalid: true });

/** A captured batch as an agent server sends it: one `log` message per line, no trailing newline. */
function perLine(payload: { message?: unknown }): string[] {
  if (typeof payload.message !== 'string' || !payload.message.includes('\n')) return [JSON.stringify(payload)];
  return payload.message
    .split('\n')
    .filter((line) => line !== '')
    .map((message) => JSON.stringify({ ...payload, message }));
}

async function serveSocket(ws: WebSocket, frames: Frame[], scenario: StreamScenario): Promise<void> {
  const abort = new AbortController();
  ws.on('close', () => abort.abort());
  ws.on('error', () => abort.abort());
  await replayFrames(frames, {
    intervalMs: AGENT_TAIL_INTERVAL_MS,
    scenario,
    signal: abort.signal,
    send: (frame) => frame.texts.forEach((text) => ws.send(text)),
    isTerminal,
    invalidFrame,
    drop: () => ws.terminate(),
    end: () => ws.close(1000),
  }).catch(() => ws.terminate());
}

async function serveBody(req: IncomingMessage, res: ServerResponse, frames: Frame[], scenario: StreamScenario): Promise<void> {
  const abort = new AbortController();
  res.on('close', () => abort.abort());
  res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-cache' });
  res.flushHeaders();
  await replayFrames(frames, {
    intervalMs: AGENT_TAIL_INTERVAL_MS,
    scenario,
    signal: abort.signal,
    send: (frame) => void res.write(frame.invalid ? frame.texts[0] : frame.texts.map((text) => `data: ${text}\n`).join('')),
    isTerminal,
    invalidFrame,
    drop: () => req.socket.destroy(),
    end: () => void res.end(),
  }).catch(() => req.socket.destroy());
}

/** Refuses a WebSocket handshake with an HTTP status and a JSON body. */
function refuse(socket: Duplex, status: number, body: string): void {
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_TEXT[status] ?? 'Refused'}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}

function sendError(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, { 'content-type': 'application/json', ...(status === 429 || status === 503 ? { 'retry-after': '2' } : {}) }).end(body);
}

/**
 * The body of the spec's response for `status` on the HTTP tail route (its named example, or
 * the first), JSON; a bare `{"detail": <reason>}` when the spec has none for that status.
 */
function errorBody(spec: any, status: number, exampleName?: string): string {
  let response = spec?.paths?.['/jobs/{job_id}/logs/stream/']?.get?.responses?.[String(status)];
  const ref: unknown = response?.$ref;
  if (typeof ref === 'string' && ref.startsWith('#/components/responses/')) response = spec.components?.responses?.[ref.slice(23)];
  const examples: Record<string, { value?: unknown }> = response?.content?.['application/json']?.examples ?? {};
  const example = (exampleName && examples[exampleName]) || Object.values(examples)[0];
  return JSON.stringify(example?.value ?? { detail: STATUS_TEXT[status] ?? `HTTP ${status}` });
}

/** The `name=value` tokens of the request's `Prefer` header(s) (Prism's syntax). */
function preferTokens(req: IncomingMessage): Map<string, string> {
  const out = new Map<string, string>();
  const raw = req.headers.prefer;
  for (const value of Array.isArray(raw) ? raw : raw ? [raw] : []) {
    for (const token of value.split(/[,;]/)) {
      const [name, v] = token.split('=').map((s) => s.trim());
      if (name && v !== undefined) out.set(name.toLowerCase(), v.replace(/^"|"$/g, ''));
    }
  }
  return out;
}
