/**
 * Checks the hosted client's parameters and turns them into wire bodies and queries
 * (PROTOCOLS.md §2), before any network I/O. Every failure is a {@link ValidationError} (400).
 */
import { checkId, checkInt, checkOneOf, invalid, shown } from '../core/index.js';
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

/** ms → whole seconds on the wire, rounded up (a TTL is never shortened). */
function ttlSeconds(value: unknown, label: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) invalid(`${label} must be a number of milliseconds ≥ 0, got ${shown(value)}`);
  return Math.ceil(value / 1000);
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
