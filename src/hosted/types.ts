/**
 * The hosted API's wire types, taken from `generated/hosted.ts` (generated from
 * `openapi/hosted.yaml`, which describes an agntz worker). Nothing here is typed by hand except the public
 * parameter shapes, which differ from the wire only where agentwire's conventions ask
 * (durations in milliseconds, times as `Date | epoch ms | ISO string`).
 */
import type { components, paths } from '../../generated/hosted.js';

type Schemas = components['schemas'];

/** The generated `paths` of the hosted API (for the typed transport). */
export type HostedPaths = paths;

/** `GET /health` answer: `{status: 'ok', service}`. */
export type Health = Schemas['Health'];
/** Body of `POST /run` and `POST /run/stream` as sent on the wire (retention TTLs in seconds). */
export type RunBody = Schemas['RunBody'];
/** Body of `POST /runs`: a {@link RunBody} plus `callbackUrl?`, `webhookSecretName?`. */
export type StartRunBody = Schemas['StartRunBody'];
/** What the worker keeps after a run, as on the wire (`ttlSeconds`, `artifactTtlSeconds`: seconds). */
export type Retention = Schemas['Retention'];
/** `POST /run` answer and `run-complete` payload: `{output, state, runId, status, model, usage, sessionId?, replies?, ...}`. */
export type RunResult = Schemas['RunResult'];
/** An intermediate reply (`{text, ts, sessionId, runId}`). */
export type Reply = Schemas['Reply'];
/** A durable Run: `{id, rootId, parentId?, agentId, status, input, result?, error?, startedAt, endedAt?, depth, ...}`; times epoch ms. */
export type Run = Schemas['Run'];
/** `pending | running | draining | completed | failed | cancelled`. */
export type RunStatus = Schemas['RunStatus'];
/** `Run.result`: the finished invocation (usage as `{promptTokens, completionTokens, totalTokens}`). */
export type RunOutcome = Schemas['RunOutcome'];
/** One page of `GET /runs` (`{rows, cursor?}`). */
export type RunPage = Schemas['RunPage'];
/** Roll-up of one trace; times are ISO-8601 strings. */
export type TraceSummary = Schemas['TraceSummary'];
/** `GET /traces/{id}` answer: `{summary, spans}`. */
export type TraceDetail = Schemas['TraceDetail'];
/** One page of `GET /traces` (`{rows, cursor?}`). */
export type TracePage = Schemas['TracePage'];
/** One span of a trace. */
export type Span = Schemas['Span'];
/** `running | ok | error | cancelled` (a span's or a whole trace's status). */
export type SpanStatus = Schemas['SpanStatus'];
/** Fields of a span that changed when it ended (`span-end`). */
export type SpanPatch = Schemas['SpanPatch'];

/** SSE event name → `data` schema of `POST /run/stream`. */
export type AgentStreamEventMap = Schemas['AgentStreamEventMap'];
/** SSE event name → `data` schema of `GET /runs/{id}/stream`. */
export type RunStreamEventMap = Schemas['RunStreamEventMap'];
/** SSE event name → `data` schema of `GET /traces/{id}/stream`. */
export type TraceStreamEventMap = Schemas['TraceStreamEventMap'];

/** The Run statuses, for validation before any I/O. */
export const RUN_STATUSES: readonly RunStatus[] = ['pending', 'running', 'draining', 'completed', 'failed', 'cancelled'];
/** The span / trace statuses, for validation before any I/O. */
export const SPAN_STATUSES: readonly SpanStatus[] = ['running', 'ok', 'error', 'cancelled'];
/** The retention modes, for validation before any I/O. */
export const RETENTION_MODES: readonly Retention['mode'][] = ['none', 'result', 'session'];

/**
 * Retention as agentwire takes it: the wire's `ttlSeconds` / `artifactTtlSeconds` become
 * `ttlMs` / `artifactTtlMs` in **milliseconds** (sent as whole seconds, rounded up).
 */
export interface RetentionOptions {
  /** `none` keeps nothing, `result` the Run and its result, `session` also the conversation. */
  mode: Retention['mode'];
  /**
   * Expiry of the durable result / session records, in ms (whole seconds on the wire): 60,000
   * (1 minute) to 31,536,000,000 (365 days), the range the worker accepts; anything else is a
   * `ValidationError` before any I/O.
   */
  ttlMs?: number;
  /** Expiry of uploaded or generated artifacts, in ms (whole seconds on the wire); the same range as `ttlMs`. */
  artifactTtlMs?: number;
}

/**
 * Parameters of `agents.run` / `agents.stream` (a {@link RunBody} with retention in ms), plus the
 * `signal` the agntz client takes. `agentId` is required; `input` is any JSON (a string for most LLM agents);
 * `sessionId` continues a conversation (a new run on a session with an active run cancels the
 * old one); `context` lists namespace grants such as `app/user/u_123`; `clientTools` names the
 * tools this caller answers (`client-tool-request` events).
 */
export type RunParams = Omit<RunBody, 'retention'> & {
  retention?: RetentionOptions;
  /** Cancels the call (for a stream: closes the connection, which cancels the run on the worker). */
  signal?: AbortSignal;
};

/** Parameters of `runs.start`: {@link RunParams} plus a signed webhook (`webhookSecretName` is required with `callbackUrl`). */
export type StartRunParams = RunParams & Pick<StartRunBody, 'callbackUrl' | 'webhookSecretName'>;

/** An instant for list filters: a `Date`, epoch **ms**, or an ISO-8601 string (sent as ISO-8601). */
export type Instant = Date | number | string;

/** Filters of `runs.list`. */
export interface RunListParams {
  /** Only root Runs (default `true` on the worker); `false` includes child runs. */
  rootsOnly?: boolean;
  agentId?: string;
  status?: RunStatus;
  /** Only Runs started at or after this instant. */
  startedAfter?: Instant;
  /** Only Runs started at or before this instant. */
  startedBefore?: Instant;
  /** Page size, 1–200 (worker default 50). Checked before any I/O. */
  limit?: number;
  /** Start from this opaque cursor (a previous page's `cursor`). */
  cursor?: string;
}

/** Filters of `traces.list`: like {@link RunListParams} without `rootsOnly`, `status` a {@link SpanStatus}. */
export interface TraceListParams {
  agentId?: string;
  status?: SpanStatus;
  startedAfter?: Instant;
  startedBefore?: Instant;
  /** Page size, 1–200 (worker default 50). Checked before any I/O. */
  limit?: number;
  cursor?: string;
}
