/**
 * `agentwire/hosted`: the client of an agntz worker's hosted-run API —
 * agents (run, stream), runs (start, get, cancel, list, resumable stream), traces, health.
 */
export { HostedClient, DEFAULT_BASE_URL, DEFAULT_IDLE_TIMEOUT_MS, DEFAULT_TIMEOUT_MS, type HostedClientOptions } from './client.js';
export type { StreamOptions } from './call.js';
export { Agents } from './agents.js';
export { Runs, type RunStreamOptions } from './runs.js';
export { Traces } from './traces.js';
export { AGENT_EVENT_TYPES, type AgentStreamEvent, type HostedEvent, type RunStreamEvent, type TraceStreamEvent } from './events.js';
export type { WireEvent } from './stream.js';
export type * from './types.js';
export { RUN_STATUSES, SPAN_STATUSES, RETENTION_MODES } from './types.js';
export { CursorPage, PagePromise, type RequestOptions, type Timeout } from '../core/index.js';
export type { APIPromise, ConnectedStream, ResponseStream, WithResponse } from '../core/api-promise.js';
/** The agntz client's (`@agntz/client`) error names are the shared classes, so `instanceof` works with either. */
export {
  ClientError,
  ValidationError,
  AuthenticationError,
  PermissionDeniedError,
  NotFoundError,
  RequestTimeoutError,
  ConflictError,
  RateLimitError,
  ServerError,
  ConnectionError,
  StreamError,
  ResponseValidationError,
  RedirectError,
} from '../core/index.js';
export type { TracingOptions, OpenTelemetryApi, TracerLike, SpanLike, Attributes, AttributeValue } from '../core/tracing.js';
