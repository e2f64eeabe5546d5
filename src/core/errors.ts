/**
 * The one error hierarchy every agentwire client throws, modelled on openai-node's `APIError`
 * family (typed by status, the API prefix dropped).
 *
 * ```
 * ClientError                      statusCode?, code?, detail?, requestId?, cause?
 * ├─ ValidationError               400 / 422 (also bad input caught before any network I/O)
 * ├─ AuthenticationError           401
 * ├─ PermissionDeniedError         403
 * ├─ NotFoundError                 404
 * ├─ RequestTimeoutError           408 (also a client-side timeout)
 * ├─ ConflictError                 409
 * ├─ RateLimitError                429, retryAfterMs?
 * ├─ StreamLimitError              429, a client-side stream limit was exceeded
 * ├─ ServerError                   5xx
 * ├─ ConnectionError               no response at all (statusCode 503, the agent API's convention)
 * ├─ StreamError                   a stream that broke its protocol (truncated, bad payload)
 * ├─ ResponseValidationError       a 2xx whose body is not the JSON the API promises
 * └─ RedirectError                 a redirect agentwire refuses to follow (another origin)
 * ```
 *
 * Messages are one line and never contain a credential: every client passes the values of
 * its tokens to the redactor, which runs over every message and string detail.
 */

export interface ClientErrorInit {
  /** HTTP status, or the agent API's conventional status for client-side failures. */
  statusCode?: number;
  /** A machine-readable code from the server (`NOT_FOUND`, `INVALID_SSE_PAYLOAD`, ...). */
  code?: string;
  /** The parsed error body (JSON) or its text, as the server sent it (secrets redacted). */
  detail?: unknown;
  /** The server's request id (`x-request-id`, `request-id`, or an envelope's `request_id`). */
  requestId?: string;
  cause?: unknown;
}

/** Base of every error agentwire throws. `instanceof ClientError` catches them all. */
export class ClientError extends Error {
  static {
    this.prototype.name = 'ClientError';
  }
  readonly statusCode: number | undefined;
  readonly code: string | undefined;
  readonly detail: unknown;
  readonly requestId: string | undefined;

  constructor(message: string, init: ClientErrorInit = {}) {
    super(message, init.cause === undefined ? undefined : { cause: init.cause });
    // Each class names itself in a static block: a minifier renames constructors (new.target.name).
    this.name = new.target.prototype.name;
    this.statusCode = init.statusCode;
    this.code = init.code;
    this.detail = init.detail;
    this.requestId = init.requestId;
  }

  /** RunAgent's Python SDK spells the machine code `details`; kept as an alias of {@link detail}. */
  get details(): unknown {
    return this.detail;
  }
}

/** 400 / 422: the request (or the input given to a method) is invalid. */
export class ValidationError extends ClientError {
  static {
    this.prototype.name = 'ValidationError';
  }
  declare readonly statusCode: number;
  constructor(message: string, init: ClientErrorInit = {}) {
    super(message, { ...init, statusCode: init.statusCode ?? 400 });
  }
}
/** 401: missing, invalid or revoked credentials. */
export class AuthenticationError extends ClientError {
  static {
    this.prototype.name = 'AuthenticationError';
  }
  declare readonly statusCode: number;
  constructor(message: string, init: ClientErrorInit = {}) {
    super(message, { ...init, statusCode: init.statusCode ?? 401 });
  }
}
/** 403: the credentials are valid but not allowed to do this. */
export class PermissionDeniedError extends ClientError {
  static {
    this.prototype.name = 'PermissionDeniedError';
  }
  declare readonly statusCode: number;
  constructor(message: string, init: ClientErrorInit = {}) {
    super(message, { ...init, statusCode: init.statusCode ?? 403 });
  }
}
/** 404: no such resource (job, run, agent, trace, ...). */
export class NotFoundError extends ClientError {
  static {
    this.prototype.name = 'NotFoundError';
  }
  declare readonly statusCode: number;
  constructor(message: string, init: ClientErrorInit = {}) {
    super(message, { ...init, statusCode: init.statusCode ?? 404 });
  }
}
/** 408: the server or the client-side timeout gave up waiting. */
export class RequestTimeoutError extends ClientError {
  static {
    this.prototype.name = 'RequestTimeoutError';
  }
  declare readonly statusCode: number;
  constructor(message: string, init: ClientErrorInit = {}) {
    super(message, { ...init, statusCode: init.statusCode ?? 408 });
  }
}
/** 409: the request conflicts with the resource's state. */
export class ConflictError extends ClientError {
  static {
    this.prototype.name = 'ConflictError';
  }
  declare readonly statusCode: number;
  constructor(message: string, init: ClientErrorInit = {}) {
    super(message, { ...init, statusCode: init.statusCode ?? 409 });
  }
}

/** 429 from the server. `retryAfterMs` is the server's `Retry-After` / `retry-after-ms`, in ms. */
export class RateLimitError extends ClientError {
  static {
    this.prototype.name = 'RateLimitError';
  }
  declare readonly statusCode: number;
  readonly retryAfterMs: number | undefined;
  constructor(message: string, init: ClientErrorInit & { retryAfterMs?: number } = {}) {
    super(message, { ...init, statusCode: init.statusCode ?? 429 });
    this.retryAfterMs = init.retryAfterMs;
  }
}

/** 429 raised by the client: a {@link StreamLimits} bound was exceeded while reading a stream. */
export class StreamLimitError extends ClientError {
  static {
    this.prototype.name = 'StreamLimitError';
  }
  declare readonly statusCode: number;
  constructor(message: string, init: ClientErrorInit = {}) {
    super(message, { ...init, statusCode: init.statusCode ?? 429 });
  }
}

/** 5xx from the server (500 when raised without a status). */
export class ServerError extends ClientError {
  static {
    this.prototype.name = 'ServerError';
  }
  declare readonly statusCode: number;
  constructor(message: string, init: ClientErrorInit = {}) {
    super(message, { ...init, statusCode: init.statusCode ?? 500 });
  }
}

/** No response was received: refused, reset, DNS failure, TLS failure, handshake failure. */
export class ConnectionError extends ClientError {
  static {
    this.prototype.name = 'ConnectionError';
  }
  declare readonly statusCode: number;
  constructor(message: string, init: ClientErrorInit = {}) {
    super(message, { ...init, statusCode: init.statusCode ?? 503 });
  }
}

/** A stream broke its protocol: it ended without its terminal event, or sent a bad payload. */
export class StreamError extends ClientError {
  static {
    this.prototype.name = 'StreamError';
  }
}

/**
 * A 2xx whose body is not what the API promises: not JSON (truncated, an HTML page from a proxy
 * or captive portal) or empty where the API's response is a record. `statusCode` is the 2xx
 * status, `code` `INVALID_JSON` or `EMPTY_BODY`, `detail` the first 500 characters of the body
 * (credentials redacted). Not retried: the server did answer.
 *
 * Named after the Stainless SDKs' `APIResponseValidationError` (openai-python,
 * anthropic-sdk-python: "data returned by API invalid for expected schema"), the API prefix
 * dropped as for every class here (openai-node's `APIConnectionError` is {@link ConnectionError});
 * it is not a {@link ValidationError}, which is about the request.
 */
export class ResponseValidationError extends ClientError {
  static {
    this.prototype.name = 'ResponseValidationError';
  }
}

/**
 * A redirect agentwire does not follow. Redirects are followed by the client itself
 * (`redirect: 'manual'`), within the request's origin only, so no credential header (the
 * token, `SYNAPSE-User`, `SYNAPSE-Tenant`, `X-Ray-Authorization`, your `headers`) ever reaches
 * another origin. `code`: `CROSS_ORIGIN_REDIRECT` (an http → https redirect is one too: use the
 * target as the base URL), `REDIRECT_HIDDEN` (a browser's `fetch` hides a redirect's target, an
 * opaque redirect, so none is followed there), `TOO_MANY_REDIRECTS` (over 20).
 * `statusCode` is the 3xx status (0 for an opaque redirect); `detail` is `{location}`.
 */
export class RedirectError extends ClientError {
  static {
    this.prototype.name = 'RedirectError';
  }
}

/** Chooses the class for an HTTP status. */
export function errorClassFor(status: number): typeof ClientError {
  if (status === 400 || status === 422) return ValidationError;
  if (status === 401) return AuthenticationError;
  if (status === 403) return PermissionDeniedError;
  if (status === 404) return NotFoundError;
  if (status === 408) return RequestTimeoutError;
  if (status === 409) return ConflictError;
  if (status === 429) return RateLimitError;
  if (status >= 500) return ServerError;
  return ClientError;
}

const TRACEBACK = /Traceback \(most recent call last\):/;
const EXCEPTION_LINE = /^[A-Za-z_][\w.]*(?:Error|Exception|Exit|Interrupt|Warning)\b.*$/;

/**
 * One line that says what went wrong, from any error body the four servers send:
 * FastAPI `{detail: string | [{loc, msg}] | {message}}`, agntz `{error, code?}`, RunAgent
 * envelopes `{error: {code, message}}`, Ray state `{msg}`, and text/plain bodies — where a
 * Python traceback becomes its exception's last line (`ValueError: Job with ... exists.`).
 */
export function messageFromBody(body: unknown): string | undefined {
  if (typeof body === 'string') return messageFromText(body);
  if (!body || typeof body !== 'object') return body == null ? undefined : String(body);
  const b = body as Record<string, unknown>;
  for (const key of ['detail', 'error', 'message', 'msg']) {
    const value = b[key];
    const text = messageFromField(value);
    if (text) return text;
  }
  return undefined;
}

function messageFromField(value: unknown): string | undefined {
  if (typeof value === 'string') return value.trim() ? messageFromText(value) : undefined;
  if (Array.isArray(value)) {
    const parts = value.map((item) => {
      if (item && typeof item === 'object' && 'msg' in item) {
        const loc = Array.isArray((item as { loc?: unknown }).loc) ? (item as { loc: unknown[] }).loc.join('.') : '';
        return loc ? `${loc}: ${String((item as { msg: unknown }).msg)}` : String((item as { msg: unknown }).msg);
      }
      return typeof item === 'string' ? item : JSON.stringify(item);
    });
    return parts.length ? parts.join('; ') : undefined;
  }
  if (value && typeof value === 'object') return messageFromBody(value);
  return undefined;
}

function messageFromText(text: string): string | undefined {
  const lines = text.split(/\r?\n/).map((l) => l.trim()).filter(Boolean);
  if (!lines.length) return undefined;
  if (TRACEBACK.test(text)) {
    for (let i = lines.length - 1; i >= 0; i--) {
      if (EXCEPTION_LINE.test(lines[i]!)) return lines[i];
    }
  }
  return lines[0];
}

/** The `code` of agntz `{code}` / RunAgent `{error: {code}}` bodies, when there is one. */
export function codeFromBody(body: unknown): string | undefined {
  if (!body || typeof body !== 'object') return undefined;
  const b = body as { code?: unknown; error?: unknown; detail?: unknown };
  if (typeof b.code === 'string') return b.code;
  const nested = (b.error ?? b.detail) as { code?: unknown; error_type?: unknown } | undefined;
  if (nested && typeof nested === 'object') {
    if (typeof nested.code === 'string') return nested.code;
    if (typeof nested.error_type === 'string') return nested.error_type;
  }
  return undefined;
}
