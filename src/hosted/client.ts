import {
  APIPromise,
  answer,
  Secrets,
  Transport,
  ValidationError,
  inspectCustom,
  mask,
  readEnv,
  type BaseClientOptions,
  type RequestOptions,
} from '../core/index.js';
import { Agents } from './agents.js';
import { checkIdleTimeout } from './params.js';
import { Runs } from './runs.js';
import { Traces } from './traces.js';
import type { Health, HostedPaths } from './types.js';

/** The hosted worker agntz runs; used when neither `baseUrl` nor `AGNTZ_BASE_URL` is set. */
export const DEFAULT_BASE_URL = 'https://api.agntz.co';

/**
 * Default timeout, **ms**: 10 minutes, because `POST /run` answers only when the agent has
 * finished. It bounds the wait for a response's headers and then for its body; a stream's body
 * is bounded by {@link DEFAULT_IDLE_TIMEOUT_MS} instead. Override per client or per call.
 */
export const DEFAULT_TIMEOUT_MS = 600_000;

/**
 * Default idle timeout of the streams (`agents.stream`, `runs.stream`, `traces.stream`), **ms**:
 * 10 minutes. The worker sends no heartbeats, and an `llm` agent's `/run/stream` is silent from
 * `run-start` until the run ends, so a stream may rightly be quiet as long as `POST /run` may
 * take. Override per client or per call with `idleTimeoutMs`.
 */
export const DEFAULT_IDLE_TIMEOUT_MS = 600_000;

/** Options of {@link HostedClient}. Every duration is in milliseconds. */
export interface HostedClientOptions extends BaseClientOptions {
  /** An API key (`ar_live_…`), sent as `Authorization: Bearer <key>`. Default: env `AGNTZ_API_KEY`. */
  apiKey?: string;
  /** The worker's URL. Default: env `AGNTZ_BASE_URL`, then `https://api.agntz.co`. */
  baseUrl?: string;
  /**
   * Allow an `ar_live_` key in a browser, where every visitor can read it. Off by default:
   * proxy through your own backend and inject the key there (the agntz client's advice).
   */
  dangerouslyAllowBrowser?: boolean;
  /**
   * Longest wait for the worker's next bytes on an open stream, in **ms** (1 ms – 24 h); default
   * {@link DEFAULT_IDLE_TIMEOUT_MS}. Each stream call may override it. Only waits for the server
   * count. On a timeout `runs.stream` reconnects with `?since=`; `agents.stream` and
   * `traces.stream` throw `RequestTimeoutError` (408).
   */
  idleTimeoutMs?: number;
}

/** A page with `window` and `document` (a browser, or a DOM emulation) rather than a server runtime. */
function inBrowser(): boolean {
  const g = globalThis as { window?: unknown; document?: unknown };
  return typeof g.window !== 'undefined' && typeof g.document !== 'undefined';
}

function checkApiKey(apiKey: unknown, allowBrowser: boolean): string {
  if (apiKey === undefined || apiKey === '') {
    throw new ValidationError('apiKey is required: pass { apiKey } or set AGNTZ_API_KEY', { statusCode: 400, code: 'INVALID_ARGUMENT' });
  }
  if (typeof apiKey !== 'string' || !/^[\x21-\x7e]+$/.test(apiKey)) {
    throw new ValidationError('apiKey must be a string of printable characters without spaces', { statusCode: 400, code: 'INVALID_ARGUMENT' });
  }
  if (apiKey.startsWith('ar_live_') && inBrowser() && !allowBrowser) {
    throw new ValidationError(
      'Refusing to use an ar_live_ API key in a browser, where every visitor can read it: call the worker from your backend ' +
        'and inject the key there, or pass dangerouslyAllowBrowser: true if you accept the risk',
      { statusCode: 400, code: 'BROWSER_API_KEY' },
    );
  }
  return apiKey;
}

/**
 * A client of an agntz worker's hosted-run API (the surface of the agntz client's `AgntzClient`):
 *
 * ```ts
 * const hosted = new HostedClient({ apiKey: process.env.AGNTZ_API_KEY })
 * const { output, sessionId } = await hosted.agents.run({ agentId: 'support', input: 'Hi' })
 * for await (const ev of hosted.agents.stream({ agentId: 'support', input: 'Hi' })) {
 *   if (ev.type === 'reply') console.log(ev.text)
 *   if (ev.type === 'complete') console.log(ev.output)
 * }
 * for await (const run of hosted.runs.list({ status: 'failed' })) console.log(run.id)
 * ```
 *
 * Errors are the shared hierarchy (`AuthenticationError` 401, `NotFoundError` 404,
 * `RateLimitError` 429 with `retryAfterMs`, `ServerError` 5xx, `ConnectionError`,
 * `StreamError`, `ValidationError` for bad input before any I/O). Retries back off and honour
 * `Retry-After`; `POST /run`, `/run/stream` and `/runs` are never resent once the worker may
 * have acted on them. The key never appears in an error, a log line, `JSON.stringify` or
 * `util.inspect` of the client.
 *
 * Bad arguments: a method that returns a promise (or a `PagePromise`) never throws, it rejects
 * with {@link ValidationError} before any I/O; a stream method checks its arguments when called
 * and throws `ValidationError` synchronously, before any I/O.
 *
 * Throws {@link ValidationError} from the constructor for a missing or malformed key, URL or
 * `idleTimeoutMs`, and for an `ar_live_` key in a browser unless `dangerouslyAllowBrowser` is set.
 */
export class HostedClient {
  /** One-shot runs: `run`, `stream`. */
  readonly agents: Agents;
  /** Durable Runs: `start`, `get`, `cancel`, `list`, `stream`. */
  readonly runs: Runs;
  /** Traces: `get`, `list`, `delete`, `stream`. */
  readonly traces: Traces;
  /** The worker's URL, without a trailing slash. */
  readonly baseUrl: string;
  readonly #t: Transport<HostedPaths>;

  constructor(options: HostedClientOptions = {}) {
    const apiKey = checkApiKey(options.apiKey ?? readEnv('AGNTZ_API_KEY'), options.dangerouslyAllowBrowser === true);
    const { apiKey: _key, baseUrl, dangerouslyAllowBrowser: _allow, idleTimeoutMs, ...base } = options;
    const idle = checkIdleTimeout(idleTimeoutMs) ?? DEFAULT_IDLE_TIMEOUT_MS;
    this.#t = new Transport<HostedPaths>({
      ...base,
      baseUrl: baseUrl ?? readEnv('AGNTZ_BASE_URL') ?? DEFAULT_BASE_URL,
      secrets: new Secrets().add(apiKey),
      authHeaders: { authorization: `Bearer ${apiKey}` },
      defaultTimeout: DEFAULT_TIMEOUT_MS,
    });
    this.baseUrl = this.#t.baseUrl;
    const context = { transport: this.#t, idleTimeoutMs: idle };
    this.agents = new Agents(context);
    this.runs = new Runs(context);
    this.traces = new Traces(context);
  }

  /** Is the worker up? `GET /health` → `{status: 'ok', service}` (needs no key; it is sent anyway). */
  health(options?: RequestOptions): APIPromise<Health> {
    return APIPromise.run(async () => answer(await this.#t.client.GET('/health', this.#t.init(options))));
  }

  /** `{baseUrl, apiKey: '[REDACTED]'}`: what `JSON.stringify` shows. */
  toJSON(): { baseUrl: string; apiKey: string | undefined } {
    return { baseUrl: this.baseUrl, apiKey: mask('set') };
  }

  [inspectCustom](): string {
    return `HostedClient { baseUrl: '${this.baseUrl}', apiKey: '[REDACTED]' }`;
  }
}
