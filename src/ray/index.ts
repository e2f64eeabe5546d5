/**
 * `agentwire/ray`: a typed client for a Ray cluster's dashboard (jobs, live log tail, state,
 * Serve), spoken to directly with only the head's address (Ray 2.58's dashboard API).
 */
export { RayClient, DEFAULT_RAY_TIMEOUT_MS, defaultRayFetch, type RayClientOptions } from './client.js';
export { RayJobs } from './jobs.js';
export { RayState, MAX_STATE_LIMIT, type ByIdOptions } from './state.js';
export { RayServe } from './serve.js';
export { resolveAddress, ADDRESS_ENV } from './address.js';
export { tailJobLines, type TailContext } from './tail.js';
export * from './types.js';
/** Node's header-exact fetch (`undefined` in a browser build): see the Ray client's `fetch` option. */
export { nodeFetch } from '#platform';
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
} from '../core/errors.js';
export type { RequestOptions, FetchLike } from '../core/transport.js';
export type { Timeout } from '../core/timeout.js';
