/**
 * The public event unions of the hosted API's three SSE streams, formed from the spec's
 * `*EventMap` schemas (`generated/hosted.ts`), and the decoders that build them from wire
 * frames of an agntz worker. Every event is its wire payload's fields plus `type` and `raw`
 * (the frame's event name, `data:` text and `id:` as received), so nothing the worker sent is lost.
 */
import { StreamError, type Secrets } from '../core/index.js';
import { decoder, type Decoder, type WireEvent } from './stream.js';
import type { AgentStreamEventMap, Run, RunStreamEventMap, TraceStreamEventMap } from './types.js';

/** One public event: the payload's fields, the public `type`, and the frame it came from. */
export type HostedEvent<Type extends string, Name extends string, Data> = Data & { type: Type; raw: WireEvent<Name> };

/**
 * Public `type` of each `POST /run/stream` event, as the agntz client names them: `run-start` →
 * `start`, `run-complete` → `complete`, `run-error` → `error`; the others keep their wire name.
 */
export const AGENT_EVENT_TYPES = {
  'run-start': 'start',
  reply: 'reply',
  'client-tool-request': 'client-tool-request',
  'run-complete': 'complete',
  'run-error': 'error',
} as const satisfies { [K in keyof AgentStreamEventMap]: string };

type AgentNames = keyof typeof AGENT_EVENT_TYPES;

/**
 * An event of `agents.stream` (`POST /run/stream`):
 * - `start` — `{agentId, kind, runId, retention, traceId?, sessionId?}`
 * - `reply` — `{runId, sessionId, text, ts, seq}`: an intermediate reply, as it is sent
 * - `client-tool-request` — `{requestId, rootRunId, runId, toolCallId, name, input, deadlineAt}`
 * - `complete` — the {@link RunResult}: `{output, state, runId, sessionId?, usage, replies?, ...}` (terminal)
 * - `error` — `{error}`: the run failed or was cancelled (terminal)
 */
export type AgentStreamEvent = { [K in AgentNames]: HostedEvent<(typeof AGENT_EVENT_TYPES)[K], K, AgentStreamEventMap[K]> }[AgentNames];

type RunNames = Exclude<keyof RunStreamEventMap, 'snapshot' | 'stream-error'>;

/**
 * An event of `runs.stream` (`GET /runs/{id}/stream`), for the root Run and its child runs
 * (compare `runId` with the root's id): `run-spawn`, `text-delta`, `tool-call-start`,
 * `tool-call-end`, `step-complete`, `draining`, `reply`, `client-tool-request`, `run-complete`,
 * `run-error`, `run-cancelled` (each with `runId` and `seq`), and `snapshot` — `{run}`, the
 * stored Run, sent instead of the events once the run was evicted (terminal). A `stream-error`
 * frame is thrown as {@link StreamError} `STREAM_ERROR`, not yielded.
 */
export type RunStreamEvent =
  | { [K in RunNames]: HostedEvent<K, K, RunStreamEventMap[K]> }[RunNames]
  | { type: 'snapshot'; run: Run; raw: WireEvent<'snapshot'> };

type TraceNames = Exclude<keyof TraceStreamEventMap, 'stream-error'>;

/**
 * An event of `traces.stream` (`GET /traces/{id}/stream`): `span-start` `{span}`, `span-end`
 * `{spanId, patch}`, `trace-done` `{summary}` (terminal), `snapshot` `{summary, spans}`
 * (terminal; a trace no longer in progress). `stream-error` is thrown as {@link StreamError}.
 */
export type TraceStreamEvent = { [K in TraceNames]: HostedEvent<K, K, TraceStreamEventMap[K]> }[TraceNames];

function payload(wire: WireEvent, data: unknown): Record<string, unknown> {
  if (!data || typeof data !== 'object' || Array.isArray(data)) {
    throw new StreamError(`The data of a "${wire.event}" event is not a JSON object`, { code: 'INVALID_SSE_PAYLOAD', detail: data });
  }
  return data as Record<string, unknown>;
}

/** The parsed payload becomes the event (it is fresh from `JSON.parse`, so no copy is made). */
function as<T>(type: string) {
  return (wire: WireEvent, data: unknown) => {
    const event = payload(wire, data);
    event.type = type;
    event.raw = wire;
    return event as T;
  };
}

function streamError(secrets: Secrets) {
  return (wire: WireEvent, data: unknown): never => {
    const message = payload(wire, data).error;
    throw new StreamError(secrets.redact(typeof message === 'string' && message ? message : 'the worker reported a stream error'), {
      code: 'STREAM_ERROR',
      detail: secrets.redactValue(data),
    });
  };
}

/** Decoder of `POST /run/stream` frames. */
export function agentDecoder(): Decoder<AgentStreamEvent> {
  const table: Record<string, (w: WireEvent, data: unknown) => AgentStreamEvent> = {};
  for (const [name, type] of Object.entries(AGENT_EVENT_TYPES)) table[name] = as<AgentStreamEvent>(type);
  return decoder(table);
}

/** Is this the end of an `agents.stream`? (`complete` or `error`) */
export function isAgentTerminal(event: AgentStreamEvent): boolean {
  return event.type === 'complete' || event.type === 'error';
}

const RUN_EVENT_NAMES: readonly RunNames[] = [
  'run-spawn', 'text-delta', 'tool-call-start', 'tool-call-end', 'step-complete', 'draining',
  'reply', 'client-tool-request', 'run-complete', 'run-error', 'run-cancelled',
];

/** Decoder of `GET /runs/{id}/stream` frames. */
export function runDecoder(secrets: Secrets): Decoder<RunStreamEvent> {
  const table: Record<string, (w: WireEvent, data: unknown) => RunStreamEvent> = {};
  for (const name of RUN_EVENT_NAMES) table[name] = as<RunStreamEvent>(name);
  table.snapshot = (wire, data) => ({ type: 'snapshot', run: payload(wire, data) as Run, raw: wire as WireEvent<'snapshot'> });
  table['stream-error'] = streamError(secrets);
  return decoder(table);
}

/**
 * Is this the end of a `runs.stream` of `rootId`? A `run-complete`, `run-error` or
 * `run-cancelled` of the root run itself (a child run's do not end it), or a `snapshot`.
 */
export function isRunTerminal(rootId: string) {
  return (event: RunStreamEvent): boolean =>
    event.type === 'snapshot' ||
    ((event.type === 'run-complete' || event.type === 'run-error' || event.type === 'run-cancelled') && event.runId === rootId);
}

/** Decoder of `GET /traces/{id}/stream` frames. */
export function traceDecoder(secrets: Secrets): Decoder<TraceStreamEvent> {
  const table: Record<string, (w: WireEvent, data: unknown) => TraceStreamEvent> = {};
  for (const name of ['span-start', 'span-end', 'trace-done', 'snapshot'] as const) table[name] = as<TraceStreamEvent>(name);
  table['stream-error'] = streamError(secrets);
  return decoder(table);
}

/** Is this the end of a `traces.stream`? (`trace-done` or `snapshot`) */
export function isTraceTerminal(event: TraceStreamEvent): boolean {
  return event.type === 'trace-done' || event.type === 'snapshot';
}

/** The identity of a trace event, so a reconnect does not yield it twice (`span-start:<spanId>`). */
export function traceEventKey(event: TraceStreamEvent): string | undefined {
  if (event.type === 'span-start') return `span-start:${event.span?.spanId}`;
  if (event.type === 'span-end') return `span-end:${event.spanId}`;
  return undefined;
}
