/**
 * RunAgent's error names (its Python SDK's exceptions) as the shared agentwire
 * classes, so `instanceof` works whichever name a user learnt, and the mapping of RunAgent's
 * own error shapes (the `{success: false, error: {code, ...}}` envelope, the run-stream error
 * frames) to those classes. (RunAgent 0.1.49, as observed on the wire).
 */
import {
  AuthenticationError,
  ClientError,
  ConnectionError,
  NotFoundError,
  RateLimitError,
  RequestTimeoutError,
  ServerError,
  ValidationError,
  messageFromBody,
  type ClientErrorInit,
} from '../core/errors.js';
import type { Secrets } from '../core/redact.js';

export {
  AuthenticationError,
  ClientError,
  ConnectionError,
  NotFoundError,
  RateLimitError,
  RequestTimeoutError,
  ServerError,
  ValidationError,
};
export { StreamError, PermissionDeniedError, ResponseValidationError, RedirectError } from '../core/errors.js';

/**
 * The Python SDK's base exception: {@link ClientError} itself. `message`, `code` (the server's
 * `error.code`, e.g. `INTERNAL_ERROR`) and `details` (the server's body, secrets redacted).
 */
export const RunAgentError = ClientError;
export type RunAgentError = ClientError;
/** RunAgent's Python SDK's name of {@link NotFoundError}: unknown agent id (404) or unknown entrypoint tag (`NOT_FOUND`). */
export const AgentNotFoundError = NotFoundError;
export type AgentNotFoundError = NotFoundError;
/** RunAgent's Python SDK's name of {@link RequestTimeoutError} (408): the client-side timeout fired. */
export const TimeoutError = RequestTimeoutError;
export type TimeoutError = RequestTimeoutError;
/** RunAgent's Python SDK's name of {@link ConnectionError}: no response at all (refused, reset, DNS, TLS). */
export const NetworkError = ConnectionError;
export type NetworkError = ConnectionError;

/**
 * Envelope `error.code` → class and the status that code conventionally stands for. Known
 * codes from the server: `INTERNAL_ERROR` (sent with HTTP 200 when the agent
 * raised), `VALIDATION_ERROR` (400), `NOT_FOUND` (404). The others are the codes hosted
 * deployments use for the same statuses; an unknown code gives a plain {@link RunAgentError}.
 */
const BY_CODE: Record<string, [typeof ClientError, number]> = {
  INTERNAL_ERROR: [ServerError, 500],
  SERVER_ERROR: [ServerError, 500],
  VALIDATION_ERROR: [ValidationError, 400],
  NOT_FOUND: [NotFoundError, 404],
  AGENT_NOT_FOUND: [NotFoundError, 404],
  AUTHENTICATION_ERROR: [AuthenticationError, 401],
  UNAUTHORIZED: [AuthenticationError, 401],
  PERMISSION_DENIED: [AuthenticationError, 403],
  FORBIDDEN: [AuthenticationError, 403],
  RATE_LIMIT_EXCEEDED: [RateLimitError, 429],
  RATE_LIMITED: [RateLimitError, 429],
  TIMEOUT: [RequestTimeoutError, 408],
  TIMEOUT_ERROR: [RequestTimeoutError, 408],
};

/**
 * RunAgent maps 401 **and 403** to authentication (its Python SDK has no separate "permission"
 * error), so a RunAgent 403 is an {@link AuthenticationError}; the rest follow the shared
 * status mapping. Passed to the transport as `classify`.
 */
export function classifyStatus(status: number): typeof ClientError | undefined {
  return status === 403 ? AuthenticationError : undefined;
}

/** The `error` object of a failed envelope, as far as it can be read. */
interface EnvelopeError {
  code?: unknown;
  message?: unknown;
  details?: unknown;
  field?: unknown;
  suggestion?: unknown;
}

/**
 * The typed error for an envelope with `success: false` — on a 200 this means the agent raised
 * (observed on RunAgent 0.1.49: check `success`, not the status). The class and `statusCode` come
 * from `error.code` (`INTERNAL_ERROR` → {@link ServerError} 500, `VALIDATION_ERROR` →
 * {@link ValidationError} 400, `NOT_FOUND` → {@link AgentNotFoundError} 404, ...), **not** from
 * the HTTP status, which was 200. `detail` holds the whole envelope (redacted), `code` the
 * server's code, `requestId` the envelope's `request_id`.
 */
export function errorFromEnvelope(body: Record<string, unknown>, secrets: Secrets, what: string): ClientError {
  const error = (body.error && typeof body.error === 'object' ? body.error : {}) as EnvelopeError;
  const code = typeof error.code === 'string' ? error.code : undefined;
  const [Class, statusCode] = (code && BY_CODE[code]) || [ClientError, undefined];
  const text =
    (typeof error.message === 'string' && error.message.trim() ? error.message : undefined) ??
    messageFromBody(body.error) ??
    (typeof body.message === 'string' && body.message ? body.message : undefined) ??
    'the server reported a failure without a message';
  const init: ClientErrorInit = {
    statusCode,
    code,
    detail: secrets.redactValue(body),
    requestId: typeof body.request_id === 'string' ? body.request_id : undefined,
  };
  return new Class(secrets.redact(`${what}: ${oneLine(text)}${code ? ` (${code})` : ''}`), init);
}

/**
 * The typed error for a run-stream `{"type": "error", ...}` frame (as RunAgent 0.1.49 sends it):
 *
 * - `detail` (sent **instead of** `stream_started`, then close 1003): the server refused the
 *   request — an unknown entrypoint (`Entrypoint nope_stream not found`) is
 *   {@link AgentNotFoundError} (404), anything else (bad JSON, a missing field, a non-stream
 *   tag) {@link ValidationError} (400);
 * - `error` (sent **after** `stream_started`, then a 1006 drop): the agent raised while
 *   streaming — {@link ServerError} (500), code `STREAM_ERROR`;
 * - an `error` object `{code, message}` is read like an envelope's error.
 *
 * `detail` of the thrown error is the frame (redacted).
 */
export function errorFromFrame(frame: Record<string, unknown>, secrets: Secrets, started: boolean): ClientError {
  const detail = secrets.redactValue(frame);
  if (frame.error && typeof frame.error === 'object') {
    return errorFromEnvelope({ error: frame.error }, secrets, 'run-stream error');
  }
  const text = messageFromBody(frame) ?? 'error frame without a message';
  const refused = typeof frame.detail !== 'undefined' && !started;
  if (refused) {
    const notFound = /\bnot found\b/i.test(text);
    const Class = notFound ? NotFoundError : ValidationError;
    return new Class(secrets.redact(`run-stream refused the request: ${oneLine(text)}`), {
      statusCode: notFound ? 404 : 400,
      code: notFound ? 'NOT_FOUND' : 'VALIDATION_ERROR',
      detail,
    });
  }
  return new ServerError(secrets.redact(`run-stream failed: ${oneLine(text)}`), { statusCode: 500, code: 'STREAM_ERROR', detail });
}

function oneLine(text: string): string {
  return messageFromBody(text) ?? text;
}
