/**
 * The agent API's errors: agentwire's one hierarchy plus
 * {@link GpuUnavailableError}, and the Synapse SDK's names (`synapse-sdk` `exceptions.py`) exported as
 * the **same classes**, so `instanceof` works whichever name a user learnt.
 *
 * | Synapse SDK name            | agentwire class                      | status |
 * |-----------------------------|--------------------------------------|--------|
 * | `ClientError`               | {@link ClientError}                  | any    |
 * | `HTTPError`                 | {@link ClientError} (no separate HTTP layer) | any |
 * | `ClientConnectionError`     | {@link ConnectionError}              | 503    |
 * | `ClientTimeoutError`        | {@link RequestTimeoutError}          | 408    |
 * | `AuthenticationError`       | {@link AuthenticationError}          | 401    |
 * | `AuthorizationError`        | {@link PermissionDeniedError}        | 403    |
 * | `NotFoundError`             | {@link NotFoundError}                | 404    |
 * | `ValidationError`           | {@link ValidationError}              | 400 / 422 |
 * | `RateLimitError`            | {@link RateLimitError}               | 429    |
 * | `ServerError`               | {@link ServerError}                  | 5xx    |
 * | `GpuUnavailableError`       | {@link GpuUnavailableError}          | 503    |
 * | `StreamError`               | {@link StreamError}                  | —      |
 * | `StreamLimitExceededError`  | {@link StreamLimitError}             | 429    |
 * | `WebSocketError`            | {@link ConnectionError}              | 503    |
 */
import {
  ClientError,
  ConnectionError,
  PermissionDeniedError,
  RequestTimeoutError,
  ServerError,
  StreamLimitError,
} from '../core/errors.js';

export {
  AuthenticationError,
  ClientError,
  ConflictError,
  ConnectionError,
  NotFoundError,
  PermissionDeniedError,
  RateLimitError,
  RedirectError,
  RequestTimeoutError,
  ResponseValidationError,
  ServerError,
  StreamError,
  StreamLimitError,
  ValidationError,
} from '../core/errors.js';

/**
 * 503 with `detail.error_type == "gpu_unavailable"`: the cluster has no usable GPU for the
 * request. A {@link ServerError}, so code that handles 5xx handles it too.
 * `detail` is the parsed body (`{"detail": {"error_type", "message", ...}}`).
 */
export class GpuUnavailableError extends ServerError {
  /**
   * The extra context the agent sent with the error (e.g. `max_utilization`, `threshold`):
   * the `detail` object without `message` and `error_type`. `{}` when there is none.
   */
  get errorDetails(): Record<string, unknown> {
    const inner = gpuDetail(this.detail);
    if (!inner) return {};
    const { message: _m, error_type: _t, ...rest } = inner;
    return rest;
  }
}

function gpuDetail(body: unknown): Record<string, unknown> | undefined {
  if (!body || typeof body !== 'object') return undefined;
  const b = body as { detail?: unknown; error_type?: unknown };
  if (b.error_type === 'gpu_unavailable') return b as Record<string, unknown>;
  const d = b.detail;
  if (d && typeof d === 'object' && (d as { error_type?: unknown }).error_type === 'gpu_unavailable') {
    return d as Record<string, unknown>;
  }
  return undefined;
}

/**
 * The agent API's refinement of the status → class mapping, for the transport's `classify`:
 * a 503 whose body is `{"detail": {"error_type": "gpu_unavailable", ...}}` (or the unwrapped
 * `{"error_type": "gpu_unavailable"}`) is a {@link GpuUnavailableError}.
 */
export function classifyAgentError(status: number, body: unknown): typeof ClientError | undefined {
  return status === 503 && gpuDetail(body) ? GpuUnavailableError : undefined;
}

/** The Synapse SDK's (`synapse-sdk`, Python) name of {@link PermissionDeniedError}: 403. */
export const AuthorizationError = PermissionDeniedError;
export type AuthorizationError = PermissionDeniedError;
/** The Synapse SDK's name of {@link ConnectionError}: no response (503). */
export const ClientConnectionError = ConnectionError;
export type ClientConnectionError = ConnectionError;
/** The Synapse SDK's name of {@link RequestTimeoutError}: 408. */
export const ClientTimeoutError = RequestTimeoutError;
export type ClientTimeoutError = RequestTimeoutError;
/** The Synapse SDK's name of {@link StreamLimitError}: a stream limit was exceeded (429). */
export const StreamLimitExceededError = StreamLimitError;
export type StreamLimitExceededError = StreamLimitError;
/** The Synapse SDK's name for WebSocket connection failures; agentwire raises {@link ConnectionError} (503). */
export const WebSocketError = ConnectionError;
export type WebSocketError = ConnectionError;
/**
 * The Synapse SDK's name of the HTTP-status layer. agentwire has no separate layer, so it is
 * {@link ClientError} itself (it also catches connection errors and timeouts).
 */
export const HTTPError = ClientError;
export type HTTPError = ClientError;
