/**
 * How the `agentwire` command ends: one exit code per error class, and the one line printed on
 * stderr for an error (`error: <message>`; the stack only with `--debug`). The classes are the
 * shared `ClientError` hierarchy; nothing here talks to a server.
 */
import { inspect } from 'node:util';
import {
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
import type { Secrets } from '../core/redact.js';

/** The exit codes of `agentwire`, by outcome, as `agentwire --help` and the CLI reference list them. */
export const EXIT = Object.freeze({
  /** The command did what it was asked. */
  ok: 0,
  /** Something unexpected (a bug, an error outside the hierarchy). */
  unexpected: 1,
  /**
   * Bad usage or input: unknown option, bad JSON, a bad id, missing configuration, HTTP 400/409/422,
   * a base URL that redirects to another origin (`RedirectError`).
   */
  usage: 2,
  /** Authentication or permission: HTTP 401/403, a refused key or token. */
  auth: 3,
  /** Not found: HTTP 404 (job, run, trace, agent, entrypoint). */
  notFound: 4,
  /** Rate limit (HTTP 429) or a client-side stream limit. */
  rateLimit: 5,
  /**
   * The server failed: HTTP 5xx (including the agent's `gpu_unavailable`, an agent that raised),
   * or a 2xx whose body is not the API's JSON — HTML from a proxy, truncated (`ResponseValidationError`).
   */
  server: 6,
  /** No answer: connection refused or dropped, DNS, TLS, or a timeout (HTTP 408). */
  connection: 7,
  /** A stream broke its protocol: truncated before its terminal event, a bad payload. */
  stream: 8,
  /** The remote job or run ended unsuccessfully (FAILED/STOPPED job, `error`/cancelled run). */
  remoteFailed: 9,
  /** Interrupted by Ctrl-C (SIGINT). */
  interrupted: 130,
  /** Terminated by SIGTERM. */
  terminated: 143,
});

/** The table shown by `agentwire --help` (and in the CLI reference). */
export const EXIT_CODES_HELP = `Exit codes:
  0    ok
  1    unexpected error
  2    usage or validation (bad option, bad JSON, bad id, missing config; HTTP 400/409/422;
       a redirect to another origin)
  3    authentication or permission (HTTP 401/403)
  4    not found (HTTP 404)
  5    rate limit (HTTP 429) or stream limit
  6    server error (HTTP 5xx; a 2xx whose body is not the API's JSON)
  7    connection failure or timeout (no answer, HTTP 408)
  8    stream error (ended before its terminal event, bad payload)
  9    the job or run itself failed, was stopped or cancelled
  130  interrupted (Ctrl-C); 143 terminated (SIGTERM)`;

/** The reason a command's signal is aborted with when the user presses Ctrl-C (or sends SIGTERM). */
export class Interrupted extends Error {
  readonly signal: string;
  constructor(signal: string) {
    super(`interrupted (${signal})`);
    this.name = 'Interrupted';
    this.signal = signal;
  }

  /** 130 for SIGINT, 143 for SIGTERM (128 + the signal's number, the shells' convention). */
  get exitCode(): number {
    return this.signal === 'SIGTERM' ? EXIT.terminated : EXIT.interrupted;
  }
}

/**
 * A job or run that ended unsuccessfully: the command worked, the remote work did not (exit 9).
 * Its message is printed whole, line breaks kept: it carries the server's own text (Ray's
 * `message` of a FAILED job ends with the job's last log lines).
 */
export class RemoteFailure extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RemoteFailure';
  }
}

/** The exit code for an error thrown by a command (see {@link EXIT}). */
export function exitCodeFor(err: unknown): number {
  if (err instanceof Interrupted) return err.exitCode;
  if (err instanceof RemoteFailure) return EXIT.remoteFailed;
  if (!(err instanceof ClientError)) return EXIT.unexpected;
  if (err instanceof ValidationError || err instanceof ConflictError || err instanceof RedirectError) return EXIT.usage;
  if (err instanceof AuthenticationError || err instanceof PermissionDeniedError) return EXIT.auth;
  if (err instanceof NotFoundError) return EXIT.notFound;
  if (err instanceof RateLimitError || err instanceof StreamLimitError) return EXIT.rateLimit;
  if (err instanceof ConnectionError || err instanceof RequestTimeoutError) return EXIT.connection;
  if (err instanceof StreamError) return EXIT.stream;
  if (err instanceof ServerError || err instanceof ResponseValidationError) return EXIT.server;
  const status = err.statusCode;
  if (status === undefined) return EXIT.unexpected;
  if (status >= 500) return EXIT.server;
  if (status >= 400) return EXIT.usage;
  return EXIT.unexpected;
}

/**
 * The text written to stderr for `err`: one line `error: <message>` (line breaks folded), or,
 * with `debug`, that line followed by the stack and causes. Everything passes through `secrets`,
 * so even a cause that echoes a header cannot print a credential.
 */
export function errorText(err: unknown, debug: boolean, secrets: Secrets): string {
  const message = err instanceof Error ? err.message : String(err);
  const fold = !(err instanceof RemoteFailure);
  let oneLine = (fold ? message.replace(/\s*\r?\n\s*/g, ' ').trim() : message.trimEnd()) || (err instanceof Error ? err.name : 'unknown error');
  if (exitCodeFor(err) === EXIT.unexpected && !(err instanceof ClientError)) {
    // Not one of ours: say what it is, and where to look.
    oneLine = `unexpected ${err instanceof Error ? err.name : typeof err}: ${oneLine}${debug ? '' : ' (--debug shows the stack)'}`;
  }
  let text = `error: ${oneLine}\n`;
  if (debug) {
    text += `${inspect(err, { depth: 4, breakLength: 120 })}\n`;
  }
  return secrets.redact(text);
}
