/**
 * Checks the hosted client's parameters and turns them into an agntz worker's wire bodies and
 * queries, before any network I/O. Every failure is a {@link ValidationError} (400).
 */
import { checkId, checkInt, checkMaxRetries, checkOneOf, invalid, resolveTimeout, shown, type RequestOptions } from '../core/index.js';
import type { StreamOptions } from './call.js';
import {
  RETENTION_MODES,
  RUN_STATUSES,
  SPAN_STATUSES,
  type Instant,
  type Retention,
  type RetentionOptions,
  type RunBody,
  type RunListParams,
  type RunParams,
  type StartRunBody,
  type StartRunParams,
  type TraceListParams,
} from './types.js';

/** Checks a free-text value sent in a body or query: a non-empty string of at most `max` characters. */
export function checkText(value: unknown, label: string, max = 1024): string {
  if (typeof value !== 'string' || value.trim() === '') invalid(`${label} must be a non-empty string`);
  if (value.length > max) invalid(`${label} too long (${value.length} > ${max} characters)`);
  return value;
}

function optional<T>(value: unknown, check: (v: unknown) => T): T | undefined {
  return value === undefined ? undefined : check(value);
}

function checkStrings(value: unknown, label: string): string[] {
  if (!Array.isArray(value)) invalid(`${label} must be an array of strings`);
  return value.map((v, i) => checkText(v, `${label}[${i}]`));
}

/** The retention TTLs the worker accepts, in seconds (1 minute … 365 days); it answers 400 otherwise. */
export const TTL_SECONDS = { min: 60, max: 31_536_000 } as const;

/**
 * ms → whole seconds on the wire, rounded up (a TTL is never shortened), checked against
 * {@link TTL_SECONDS}: 60,000 … 31,536,000,000 ms.
 */
function ttlSeconds(value: unknown, label: string): number {
  const seconds = typeof value === 'number' && Number.isFinite(value) ? Math.ceil(value / 1000) : Number.NaN;
  if (!(seconds >= TTL_SECONDS.min && seconds <= TTL_SECONDS.max)) {
    invalid(
      `${label} must be from ${TTL_SECONDS.min * 1000} to ${TTL_SECONDS.max * 1000} ms (the worker's ${label.endsWith('artifactTtlMs') ? 'artifactTtlSeconds' : 'ttlSeconds'} ` +
        `range: ${TTL_SECONDS.min} to ${TTL_SECONDS.max} seconds), got ${shown(value)}`,
    );
  }
  return seconds;
}

function retention(value: unknown): Retention {
  if (!value || typeof value !== 'object') invalid('retention must be an object {mode, ttlMs?, artifactTtlMs?}');
  const r = value as RetentionOptions & Record<string, unknown>;
  if ('ttlSeconds' in r || 'artifactTtlSeconds' in r) invalid('retention takes ttlMs / artifactTtlMs in milliseconds, not ttlSeconds');
  const out: Retention = { mode: checkOneOf(r.mode, 'retention.mode', RETENTION_MODES) };
  if (r.ttlMs !== undefined) out.ttlSeconds = ttlSeconds(r.ttlMs, 'retention.ttlMs');
  if (r.artifactTtlMs !== undefined) out.artifactTtlSeconds = ttlSeconds(r.artifactTtlMs, 'retention.artifactTtlMs');
  return out;
}

/** {@link RunParams} → the wire {@link RunBody}. Throws {@link ValidationError}. */
export function runBody(params: RunParams): RunBody {
  if (!params || typeof params !== 'object') invalid('run parameters must be an object with at least agentId');
  const { agentId, input, content, sessionId, context, clientTools } = params;
  const body: RunBody = { agentId: checkText(agentId, 'agentId', 256) };
  if (input !== undefined) body.input = input;
  if (content !== undefined) body.content = content;
  if (sessionId !== undefined) body.sessionId = checkText(sessionId, 'sessionId', 256);
  if (context !== undefined) body.context = checkStrings(context, 'context');
  if (params.retention !== undefined) body.retention = retention(params.retention);
  if (clientTools !== undefined) body.clientTools = checkStrings(clientTools, 'clientTools');
  return body;
}

/** {@link StartRunParams} → the wire {@link StartRunBody}. `webhookSecretName` is required with `callbackUrl`. */
export function startRunBody(params: StartRunParams): StartRunBody {
  const body: StartRunBody = runBody(params);
  if (params.callbackUrl !== undefined) {
    const url = checkText(params.callbackUrl, 'callbackUrl', 2048);
    if (!/^https?:\/\/[^\s]+$/i.test(url) || !URL.canParse(url)) invalid(`callbackUrl must be an http(s) URL, got ${JSON.stringify(url)}`);
    if (params.webhookSecretName === undefined) invalid('webhookSecretName is required with callbackUrl');
    body.callbackUrl = url;
  }
  if (params.webhookSecretName !== undefined) body.webhookSecretName = checkText(params.webhookSecretName, 'webhookSecretName', 256);
  return body;
}

/** A Run id that goes into a URL path (`run_…`): `[a-zA-Z0-9_-]`, at most 100 characters. */
export function checkRunId(value: unknown): string {
  return checkId(value, 'run ID');
}

/** A trace id that goes into a URL path (a root run's trace id is its run id). */
export function checkTraceId(value: unknown): string {
  return checkId(value, 'trace ID');
}

/** An {@link Instant} → ISO-8601, as the worker `Date.parse`s it. */
export function isoInstant(value: unknown, label: string): string {
  const ms = value instanceof Date ? value.getTime() : typeof value === 'number' ? value : typeof value === 'string' ? Date.parse(value) : Number.NaN;
  if (!Number.isFinite(ms)) invalid(`${label} must be a Date, epoch milliseconds or an ISO-8601 string, got ${shown(value)}`);
  return new Date(ms).toISOString();
}

/** Query of `GET /runs` / `GET /traces` without the cursor, checked. */
export interface ListQuery {
  rootsOnly?: boolean;
  agentId?: string;
  status?: string;
  startedAfter?: string;
  startedBefore?: string;
  limit?: number;
}

function listQuery(params: TraceListParams & { rootsOnly?: boolean }, statuses: readonly string[]): ListQuery {
  if (params === null || typeof params !== 'object') invalid('list filters must be an object');
  const q: ListQuery = {};
  if (params.rootsOnly !== undefined) {
    if (typeof params.rootsOnly !== 'boolean') invalid(`rootsOnly must be a boolean, got ${shown(params.rootsOnly)}`);
    q.rootsOnly = params.rootsOnly;
  }
  if (params.agentId !== undefined) q.agentId = checkText(params.agentId, 'agentId', 256);
  if (params.status !== undefined) q.status = checkOneOf(params.status, 'status', statuses);
  if (params.startedAfter !== undefined) q.startedAfter = isoInstant(params.startedAfter, 'startedAfter');
  if (params.startedBefore !== undefined) q.startedBefore = isoInstant(params.startedBefore, 'startedBefore');
  q.limit = optional(params.limit, (v) => checkInt(v, 'limit', 1, 200));
  if (q.limit === undefined) delete q.limit;
  if (params.cursor !== undefined) checkText(params.cursor, 'cursor', 4096);
  return q;
}

/** Checked query of `runs.list` (limit 1–200, status a RunStatus, instants → ISO-8601). */
export function runListQuery(params: RunListParams): ListQuery {
  return listQuery(params as TraceListParams & { rootsOnly?: boolean }, RUN_STATUSES);
}

/** Checked query of `traces.list` (no `rootsOnly`; status a SpanStatus). */
export function traceListQuery(params: TraceListParams): ListQuery {
  if (params && typeof params === 'object' && 'rootsOnly' in params) invalid('traces.list takes no rootsOnly filter');
  return listQuery(params, SPAN_STATUSES);
}

/** Checks `since` of `runs.stream`: a whole number ≥ 0. */
export function checkSince(value: unknown): number | undefined {
  return optional(value, (v) => checkInt(v, 'since', 0, Number.MAX_SAFE_INTEGER));
}

/**
 * Checks a stream's per-call options when the stream is created (before any I/O): an object,
 * `timeout` and `maxRetries` as the transport takes them, `idleTimeoutMs` 1 ms – 24 h.
 * Returns the request options without `idleTimeoutMs`, and the idle timeout (else `fallback`).
 */
export function streamOptions<O extends StreamOptions>(value: O | undefined, fallback: number): { call: Omit<O, 'idleTimeoutMs'>; idleTimeoutMs: number } {
  if (value === undefined) return { call: {} as Omit<O, 'idleTimeoutMs'>, idleTimeoutMs: fallback };
  if (value === null || typeof value !== 'object') invalid(`stream options must be an object, got ${shown(value)}`);
  const { idleTimeoutMs, ...call } = value;
  checkRequestOptions(call);
  return { call, idleTimeoutMs: checkIdleTimeout(idleTimeoutMs) ?? fallback };
}

/** Checks a client's or a call's `idleTimeoutMs`: a whole number of ms from 1 to 86,400,000 (24 h). */
export function checkIdleTimeout(value: unknown): number | undefined {
  return optional(value, (v) => checkInt(v, 'idleTimeoutMs', 1, 86_400_000));
}

/** Checks the per-call options every transport call takes (`timeout`, `maxRetries`). */
function checkRequestOptions(call: RequestOptions): void {
  if (call.timeout != null) resolveTimeout(call.timeout);
  checkMaxRetries(call.maxRetries);
}
