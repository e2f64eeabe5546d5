/**
 * `agentwire/ray`: a typed client for a Ray cluster's dashboard (jobs, live log tail, state,
 * Serve), spoken to directly with only the head's address (Ray 2.58's dashboard REST API).
 */
export { RayClient, DEFAULT_RAY_TIMEOUT_MS, type RayClientOptions } from './client.js';
export { RayJobs } from './jobs.js';
export { RayState, MAX_STATE_LIMIT, type ByIdOptions } from './state.js';
export { RayServe } from './serve.js';
export * from './types.js';
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
} from '../core/errors.js';
export type { RequestOptions, FetchLike } from '../core/transport.js';
export type { APIPromise, ConnectedStream, ResponseStream, WithResponse } from '../core/api-promise.js';
export type { Timeout } from '../core/timeout.js';
export type { TracingOptions, OpenTelemetryApi, TracerLike, SpanLike, Attributes, AttributeValue } from '../core/tracing.js';
