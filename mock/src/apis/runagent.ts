/**
 * The RunAgent API's streaming route for the mock server (`/runagent/…`): the run-stream
 * WebSocket, replayed from the examples of `openapi/runagent-stream.asyncapi.yaml` (captured
 * from a RunAgent 0.1.49 local server). HTTP (`/health`,
 * `/architecture`, `/run`) is left to Prism.
 *
 * Like the real server it reads the client's one request frame and:
 * - answers a frame that is not JSON, misses `entrypoint_tag` / `input_args` / `input_kwargs`,
 *   names an entrypoint the architecture example lacks, or a non-stream entrypoint, with
 *   `{"type":"error","detail":…}` (the captured wording) then close **1003**;
 * - for more than one positional argument, replays the captured `agentRaises` run
 *   (`stream_started`, then `{"type":"error","error":…}`, then a drop: 1006);
 * - otherwise replays `stream_started`, the `data` frames and `stream_completed`, paced by the
 *   channel's `x-frame-interval-ms` (or the scenario's `delayMs`), then **drops the TCP
 *   connection without a close frame (1006)**, as the real server does.
 *
 * Scenarios (`Prefer:` header, `__mock=` query, or `setScenario`): `refuse=<status>` refuses the
 * handshake; `drop-after=<n>` drops after n frames; `truncate` closes with 1000 before
 * `stream_completed`; `invalid-payload` sends a non-JSON frame first; `delay=<ms>` paces frames.
 */
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { replayFrames } from '../pacing.js';
import type { MockApi, StreamScenario } from '../types.js';

const RUN_STREAM = /^\/api\/v1\/agents\/([^/]+)\/run-stream\/?$/;
/** How long the mock waits for the client's request frame before closing (1008), ms. */
const REQUEST_FRAME_TIMEOUT_MS = 30_000;
/** The channel's pacing when the document has no `x-frame-interval-ms` (the captured agent's 200 ms). */
const DEFAULT_INTERVAL_MS = 200;

let wss: WebSocketServer | undefined;

/** The RunAgent API's module of the mock server. */
export const runagentMock: MockApi = {
  name: 'runagent',
  async upgrade(req, socket, head, ctx) {
    if (!RUN_STREAM.test(ctx.path)) return false;
    const [doc, spec] = await Promise.all([ctx.asyncapi('runagent-stream'), ctx.spec().catch(() => undefined)]);
    const scenario = ctx.scenario;
    if (scenario.refuse !== undefined) {
      refuse(socket, scenario.refuse);
      return true;
    }
    wss ??= new WebSocketServer({ noServer: true, perMessageDeflate: false });
    wss.handleUpgrade(req, socket, head, (ws) => void serve(ws, scenario, doc, spec));
    return true;
  },
};

/** Refuses a handshake with an HTTP status and an empty body, as the real server's 403 is. */
function refuse(socket: Duplex, status: number): void {
  socket.end(`HTTP/1.1 ${status} Refused\r\nContent-Length: 0\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\n`);
}

interface Frames {
  intervalMs: number;
  started: unknown;
  data: unknown[];
  completed: unknown;
  raisesStarted: unknown;
  raisesError: unknown;
  /** The captured validation error texts, by example name. */
  detail: Record<string, string>;
}

/** The frames the document's examples hold (asserted present: the spec is ours). */
function framesFrom(doc: any): Frames {
  const messages = doc?.components?.messages ?? {};
  const example = (message: string, name?: string): unknown => {
    const examples: Array<{ name?: string; payload: unknown }> = messages[message]?.examples ?? [];
    const found = name === undefined ? examples[0] : examples.find((e) => e.name === name);
    if (!found) throw new Error(`runagent-stream.asyncapi.yaml: message ${message} has no example${name ? ` named ${name}` : ''}`);
    return found.payload;
  };
  const detail: Record<string, string> = {};
  for (const e of messages.validationError?.examples ?? []) detail[e.name] = String(e.payload?.detail ?? '');
  const interval = doc?.channels?.runStream?.['x-frame-interval-ms'];
  return {
    intervalMs: typeof interval === 'number' ? interval : DEFAULT_INTERVAL_MS,
    started: example('streamStarted', 'valid'),
    data: (messages.data?.examples ?? []).map((e: { payload: unknown }) => e.payload),
    completed: example('streamCompleted', 'valid'),
    raisesStarted: example('streamStarted', 'agentRaises'),
    raisesError: example('streamError', 'agentRaises'),
    detail,
  };
}

/** The entrypoint tags of the OpenAPI architecture example (`generic`, `generic_stream`). */
function entrypointsFrom(spec: any): string[] {
  const examples = spec?.paths?.['/api/v1/agents/{agent_id}/architecture']?.get?.responses?.['200']?.content?.['application/json']?.examples ?? {};
  for (const example of Object.values<any>(examples)) {
    const tags = example?.value?.data?.entrypoints?.map((e: { tag?: unknown }) => e.tag).filter((t: unknown) => typeof t === 'string');
    if (tags?.length) return tags;
  }
  return ['generic', 'generic_stream'];
}

/**
 * The server's answer to a request frame that it refuses, or `undefined` for a valid one.
 * The wording is the captured one (validationError examples); the variable parts (the field,
 * the tag, the parser's message) follow the captured pattern.
 */
export function refusal(text: string, tags: readonly string[]): string | undefined {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (err) {
    return `Invalid JSON format: ${pythonJsonError(text, err)}`;
  }
  if (!body || typeof body !== 'object' || Array.isArray(body)) return 'Invalid JSON format: expected an object';
  const b = body as Record<string, unknown>;
  for (const field of ['entrypoint_tag', 'input_args', 'input_kwargs']) {
    if (!(field in b)) return `Missing required field: ${field}`;
  }
  const tag = String(b.entrypoint_tag);
  if (!tags.includes(tag)) return `Entrypoint ${tag} not found`;
  if (!tag.endsWith('_stream')) return `Entrypoint \`${tag}\` is not a streaming entrypoint. Use a streaming entrypoint (ending with '_stream').`;
  return undefined;
}

/** Python's `json` message for the captured case (`{not json`); JavaScript's otherwise. */
function pythonJsonError(text: string, err: unknown): string {
  if (/^\{\s*[^"\s}]/.test(text)) {
    const col = text.indexOf('{') + 2;
    return `Expecting property name enclosed in double quotes: line 1 column ${col} (char ${col - 1})`;
  }
  return (err as Error).message;
}

async function serve(ws: WebSocket, scenario: StreamScenario, doc: unknown, spec: unknown): Promise<void> {
  const frames = framesFrom(doc);
  const abort = new AbortController();
  ws.on('close', () => abort.abort());
  ws.on('error', () => abort.abort());
  const text = await firstMessage(ws, abort.signal);
  if (text === undefined) return;

  const refused = refusal(text, entrypointsFrom(spec));
  if (refused !== undefined) {
    ws.send(JSON.stringify({ type: 'error', detail: refused }));
    ws.close(1003);
    return;
  }
  const request = JSON.parse(text) as { input_args?: unknown };
  // The captured agent takes at most one positional argument: more makes it raise mid-stream.
  const raises = Array.isArray(request.input_args) && request.input_args.length > 1;
  const sequence = raises ? [frames.raisesStarted, frames.raisesError] : [frames.started, ...frames.data, frames.completed];
  let completedSent = false;
  await replayFrames<unknown>(sequence, {
    intervalMs: frames.intervalMs,
    scenario,
    signal: abort.signal,
    send: (frame) => {
      if (frame === frames.completed) completedSent = true;
      ws.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
    },
    isTerminal: (frame) => frame === frames.completed,
    invalidFrame: () => '{"type": "data", "content": "{\\"type\\": \\"string\\", ',
    drop: () => ws.terminate(),
    // After stream_completed (or the agent's error) the real server just returns: no close
    // frame, the client sees 1006. A truncated replay closes cleanly (1000) instead.
    end: () => (completedSent || raises ? ws.terminate() : ws.close(1000)),
  }).catch(() => ws.terminate());
}

/** The client's first text frame, or `undefined` when it left (or sent nothing in time). */
function firstMessage(ws: WebSocket, signal: AbortSignal): Promise<string | undefined> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      ws.close(1008, 'no request frame');
      resolve(undefined);
    }, REQUEST_FRAME_TIMEOUT_MS);
    signal.addEventListener('abort', () => (clearTimeout(timer), resolve(undefined)), { once: true });
    ws.once('message', (data) => {
      clearTimeout(timer);
      resolve(data.toString());
    });
  });
}
