import type { paths } from '../../generated/ray.js';
import { nodeFetch } from '#platform';
import { inspectCustom, mask, Secrets } from '../core/redact.js';
import { APIPromise } from '../core/api-promise.js';
import { answer, Transport, type BaseClientOptions, type FetchLike, type RequestOptions } from '../core/transport.js';
import { invalid, readEnv } from '../core/validate.js';
import { resolveAddress } from './address.js';
import { RayJobs } from './jobs.js';
import { RayServe } from './serve.js';
import { RayState } from './state.js';
import type { RayVersion } from './types.js';

/** Default request timeout, ms: above the state API's own 30 s server-side default. */
export const DEFAULT_RAY_TIMEOUT_MS = 60_000;

/** Options of {@link RayClient}. Every duration is in **milliseconds**. */
export interface RayClientOptions extends BaseClientOptions {
  /**
   * The dashboard's http(s) URL, e.g. `http://127.0.0.1:8265` (a path prefix such as a proxy's
   * `https://gw.example.com/ray` is kept). Default: `RAY_DASHBOARD_ADDRESS`, else `RAY_ADDRESS`
   * when it is an http(s) URL.
   */
  address?: string;
  /**
   * Ray's auth token (Ray ≥ 2.52 with `RAY_AUTH_MODE=token`), sent as
   * `Authorization: Bearer <token>` on every request and WebSocket handshake. Default:
   * `RAY_AUTH_TOKEN`. Never shown in errors, logs, `JSON.stringify` or `util.inspect`.
   */
  token?: string;
  /**
   * The `fetch` for **every** request. Default: in Node, `undici.request` for POST/PUT/DELETE
   * (which sends only the request's own headers: Ray answers 405 to mutating requests that carry Node's
   * `sec-fetch-mode`) and the global `fetch` for GET; elsewhere the global `fetch`.
   */
  fetch?: FetchLike;
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** Header names whose values are credentials: they are redacted like the token. */
const CREDENTIAL_HEADERS = /^(authorization|x-ray-authorization|cookie|proxy-authorization|x-api-key)$/i;

/**
 * A client for a Ray cluster's dashboard (default port 8265), spoken to directly
 * (Ray 2.58's dashboard API): {@link RayJobs jobs} (submit, follow logs, stop, wait), {@link RayState
 * state} (nodes, tasks, actors, …), {@link RayServe serve} and {@link version}.
 *
 * ```ts
 * const ray = new RayClient({ address: 'http://127.0.0.1:8265' });
 * const { submission_id } = await ray.jobs.submit({ entrypoint: 'python train.py' });
 * for await (const line of ray.jobs.tail(submission_id)) console.log(line);
 * ```
 *
 * Errors come from the shared hierarchy (`agentwire`'s `ClientError` and subclasses); Ray's
 * text/plain bodies and Python tracebacks become one-line messages, the full body on `detail`.
 *
 * @throws {ValidationError} (400) at construction: no address, a `ray://` or `host:port`
 * `RAY_ADDRESS` (not a dashboard), a bad timeout, `maxRetries` or token.
 */
export class RayClient {
  /** The dashboard URL requests go to, without a trailing slash. */
  readonly address: string;
  /** Ray's Jobs API and the live log tail. */
  readonly jobs: RayJobs;
  /** Ray's state API (`/api/v0/...`). */
  readonly state: RayState;
  /** Ray Serve's REST API. */
  readonly serve: RayServe;
  readonly #transport: Transport<paths>;
  readonly #token: string | undefined;

  constructor(options: RayClientOptions = {}) {
    if (options === null || typeof options !== 'object') invalid('RayClient takes an options object {address, token?, ...}');
    this.address = resolveAddress(options.address);
    const token = options.token ?? readEnv('RAY_AUTH_TOKEN');
    if (token !== undefined && (typeof token !== 'string' || !token.trim() || /[\s\u0000-\u001f]/.test(token))) {
      invalid('token must be a non-empty string without whitespace (Ray sends it as "Authorization: Bearer <token>")');
    }
    this.#token = token;
    const secrets = new Secrets().add(token);
    for (const [name, value] of Object.entries(options.headers ?? {})) {
      if (CREDENTIAL_HEADERS.test(name)) secrets.add(value, value.replace(/^Bearer\s+/i, ''));
    }
    this.#transport = new Transport<paths>({
      ...options,
      baseUrl: this.address,
      secrets,
      authHeaders: token ? { Authorization: `Bearer ${token}` } : undefined,
      defaultTimeout: DEFAULT_RAY_TIMEOUT_MS,
      fetch: options.fetch ?? defaultRayFetch,
    });
    this.jobs = new RayJobs(this.#transport);
    this.state = new RayState(this.#transport);
    this.serve = new RayServe(this.#transport);
  }

  /** The dashboard API version, Ray release and commit, and session name (`GET /api/version`). */
  version(options: RequestOptions = {}): APIPromise<RayVersion> {
    return APIPromise.run(async () => answer(await this.#transport.client.GET('/api/version', this.#transport.init(options))));
  }

  /** `JSON.stringify(client)`: the address and whether a token is set, never the token. */
  toJSON(): { address: string; token: string | undefined } {
    return { address: this.address, token: mask(this.#token) };
  }

  [inspectCustom](): string {
    return `RayClient { address: '${this.address}', token: ${this.#token ? "'[REDACTED]'" : 'undefined'} }`;
  }
}

/**
 * The default fetch: in Node (Bun, Deno), mutating requests go through `undici.request`, which
 * sends only the request's own headers (no browser headers, so Ray does not refuse them with
 * 405); reads, and every request in a browser build, use the global `fetch`. (In a browser Ray refuses
 * POST/PUT/DELETE whatever we do: the browser adds `Origin` and `Sec-Fetch-*` itself.)
 */
export const defaultRayFetch: FetchLike = (input, init) =>
  exactFetch && !SAFE_METHODS.has(input.method.toUpperCase()) ? exactFetch(input, init) : globalThis.fetch(input, init);
const exactFetch: FetchLike | undefined = nodeFetch;
