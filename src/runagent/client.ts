/**
 * `RunAgentClient`: the surface of RunAgent's Python SDK (`run_generic`, `run_generic_stream`,
 * configuration, exceptions) over the protocol RunAgent servers speak (`runagent` 0.1.49
 * `local_server.py`): `POST /api/v1/agents/{id}/run` and the `run-stream` WebSocket.
 *
 * Browser-safe: the config file and the `ws` socket are Node pieces behind the package's
 * `#platform` import.
 */
import type { components, paths } from '../../generated/runagent.js';
import { ClientError, StreamError } from '../core/errors.js';
import { isLogLevel } from '../core/log.js';
import { inspectCustom, mask, Secrets } from '../core/redact.js';
import { RETRYABLE_STATUSES, sleep } from '../core/retry.js';
import { resolveTimeout } from '../core/timeout.js';
import type { StreamSpan } from '../core/tracing.js';
import { APIPromise, type ConnectedStream } from '../core/api-promise.js';
import { answer, checkMaxRetries, Transport, type BaseClientOptions, type RequestOptions } from '../core/transport.js';
import { checkName, invalid } from '../core/validate.js';
import { openWebSocket, type WebSocketConnection } from '../core/websocket.js';
import { SOCKET_SENDS_HEADERS } from '#platform';
import { baseUrlFrom, loadRunAgentConfig, resolveRunAgentSettings, type RunAgentSettings } from './config.js';

import { classifyStatus, errorFromEnvelope, errorFromFrame, RateLimitError } from './errors.js';
import { isStreamEntrypoint, parseRunStreamFrame, buildRunRequest, runStreamUrl } from './frames.js';
import { decodeStructuredPayload } from './payload.js';

/** The agent's architecture: its id and entrypoints (`GET /architecture`'s `data`). */
export type RunAgentArchitecture = components['schemas']['ArchitectureData'];
/** One entrypoint: `tag` is what {@link RunAgentClient.run} / `runStream` take. */
export type RunAgentEntrypoint = components['schemas']['Entrypoint'];
/** `GET /api/v1/health`'s body (not the envelope; every field optional). */
export type RunAgentHealth = components['schemas']['HealthResponse'];

/**
 * Options of {@link RunAgentClient}. Durations in **milliseconds**. Every value left out falls
 * back to the environment, then `~/.runagent/config.json`, then the defaults (see `config.ts`).
 */
export interface RunAgentClientOptions extends BaseClientOptions {
  /** The deployed agent's id (a UUID for RunAgent agents). Required. */
  agentId: string;
  /** API key, sent as `Authorization: Bearer <key>`. Else `RUNAGENT_API_KEY`, else the file's `api_key`. */
  apiKey?: string;
  /**
   * The server root, e.g. `https://api.run-agent.ai` or `http://127.0.0.1:8450` (a trailing
   * `/api/v1` is dropped: the paths add it). Else `RUNAGENT_BASE_URL`, `RUNAGENT_API_URL`, the
   * file's `api_url`, then `https://api.run-agent.ai`.
   */
  baseUrl?: string;
}

/** Per-call options of {@link RunAgentClient.run} and {@link RunAgentClient.runStream}. */
export interface RunAgentRunOptions extends RequestOptions {
  /** Positional arguments for the entrypoint (`input_args`). Default `[]`. */
  inputArgs?: unknown[];
}

/** How a stream ended, from its `stream_completed` frame. */
export interface RunStreamCompletion {
  /** The server's count of data frames. */
  totalChunks: number | undefined;
  /** The run's duration, ms (the wire's `execution_time` is seconds). */
  executionTimeMs: number | undefined;
}

/**
 * `timeout_seconds` of the run-stream frame: RunAgent's default (300 s). The server ignores
 * it over the WebSocket; the client's own timeout there bounds the silence between frames.
 */
const STREAM_RUN_TIMEOUT_MS = 300_000;

interface Ready {
  settings: RunAgentSettings;
  transport: Transport<paths>;
}

/**
 * A client for one deployed RunAgent agent. One promise-based client replaces the Python SDK's
 * `RunAgentClient` / `AsyncRunAgentClient` pair.
 *
 * ```ts
 * const ra = new RunAgentClient({ agentId: 'agent-123' });
 * const answer = await ra.runGeneric({ query: 'Hello' });
 * for await (const chunk of ra.runGenericStream({ query: 'Tell a story' })) process.stdout.write(chunk);
 * ```
 *
 * The constructor checks its options (a {@link ValidationError} before any I/O); the
 * environment and the config file are read on the first call, so a malformed file surfaces
 * there, as a {@link ValidationError} naming the file and the field.
 *
 * Errors (the shared classes, the Python SDK's names in brackets): `ValidationError`, `AuthenticationError`
 * (401/403), `NotFoundError` [`AgentNotFoundError`], `RateLimitError`, `RequestTimeoutError`
 * [`TimeoutError`], `ConnectionError` [`NetworkError`], `ServerError` (5xx, or an agent that
 * raised), `StreamError` (a stream cut before `stream_completed`, a bad payload); all are
 * `ClientError` [`RunAgentError`]. No message, log line or inspect output shows the API key.
 */
export class RunAgentClient {
  /** The agent this client runs. */
  readonly agentId: string;
  readonly #options: RunAgentClientOptions;
  readonly #secrets = new Secrets();
  #ready: Promise<Ready> | undefined;
  #baseUrl: string | undefined;

  /** Throws {@link ValidationError} for a missing or malformed option. */
  constructor(options: RunAgentClientOptions) {
    if (!options || typeof options !== 'object') invalid('RunAgentClient options are required ({ agentId, ... })');
    this.agentId = checkName(options.agentId, 'agent ID');
    if (options.apiKey !== undefined && (typeof options.apiKey !== 'string' || !options.apiKey)) invalid('apiKey must be a non-empty string');
    if (options.timeout !== undefined) resolveTimeout(options.timeout);
    if (options.headers !== undefined) {
      if (!options.headers || typeof options.headers !== 'object' || Object.values(options.headers).some((v) => typeof v !== 'string')) {
        invalid('headers must be an object of string values');
      }
    }
    if (options.baseUrl !== undefined) baseUrlFrom(options.baseUrl, 'baseUrl');
    checkMaxRetries(options.maxRetries);
    if (options.logLevel !== undefined && !isLogLevel(options.logLevel)) invalid(`logLevel must be one of debug, info, warn, error, off; got ${JSON.stringify(options.logLevel)}`);
    this.#secrets.add(options.apiKey);
    this.#options = { ...options };
  }

  /**
   * The merged configuration and where each value came from (`options`, `env:RUNAGENT_…`,
   * `file:<path>`, `default`), the API key masked. Reads the environment and the config file
   * on first use (see `config.ts`). Throws {@link ValidationError} for a malformed file or variable.
   */
  async settings(): Promise<RunAgentSettings> {
    const { settings } = await this.#state();
    return { ...settings, apiKey: mask(settings.apiKey), sources: { ...settings.sources } };
  }

  /** `GET /api/v1/health`: the server's liveness body. Retried like any safe GET. */
  health(options: RequestOptions = {}): APIPromise<RunAgentHealth> {
    return APIPromise.run(async () => {
      const { transport: t } = await this.#state();
      return answer(await t.client.GET('/api/v1/health', t.init(options)));
    });
  }

  /**
   * `GET /api/v1/agents/{id}/architecture`: the agent's entrypoints (tags ending in `_stream`
   * run with {@link runStream}, the others with {@link run}). Throws `AgentNotFoundError` for a
   * wrong agent id, the mapped error for an envelope with `success: false`.
   */
  architecture(options: RequestOptions = {}): APIPromise<RunAgentArchitecture> {
    return APIPromise.run(async () => {
      const { transport: t } = await this.#state();
      const { data: body, response } = answer(await t.client.GET('/api/v1/agents/{agent_id}/architecture', { params: { path: { agent_id: this.agentId } }, ...t.init(options) }));
      this.#checkEnvelope(body, 'GET architecture');
      if (!body.data) throw new StreamError('GET architecture: the envelope has no data', { code: 'INVALID_PAYLOAD', detail: this.#secrets.redactValue(body) });
      return { data: body.data, response };
    });
  }

  /**
   * Runs a non-streaming entrypoint (`POST /api/v1/agents/{id}/run`) and resolves to its
   * fully decoded value: `data` is decoded twice (`{type, payload}`, then `payload`), for every
   * `type` (object, string, array, number, boolean, null).
   *
   * `options.timeout` (ms) bounds the wait and is sent as `timeout_seconds` (rounded up).
   * POST `/run` may start work twice, so it is retried only after a refused connection, 429 or
   * 503, where the server cannot have started it.
   *
   * Throws, before any I/O, {@link ValidationError} for an empty tag, a streaming (`_stream`)
   * tag — use {@link runStream} — or `inputKwargs` that is not a JSON object. A 200 with
   * `success: false` is an error: `INTERNAL_ERROR` (the agent raised) → `ServerError`,
   * `VALIDATION_ERROR` → `ValidationError`, `NOT_FOUND` (unknown tag) → `AgentNotFoundError`.
   */
  run<T = unknown>(entrypointTag: string, inputKwargs: Record<string, unknown> = {}, options: RunAgentRunOptions = {}): APIPromise<T> {
    return APIPromise.run(async () => {
      checkRun(entrypointTag, inputKwargs, options, false);
      const { transport: t } = await this.#state();
      const { headersMs } = t.deadlines(options);
      const { data: body, response } = answer(
        await t.client.POST('/api/v1/agents/{agent_id}/run', {
          params: { path: { agent_id: this.agentId } },
          body: buildRunRequest(entrypointTag, inputKwargs, options.inputArgs ?? [], headersMs),
          ...t.init({ ...options, unsafe: true }),
        }),
      );
      this.#checkEnvelope(body, `run ${entrypointTag}`);
      return { data: this.#guard(() => decodeStructuredPayload(body.data, `run ${entrypointTag}: data`)) as T, response };
    });
  }

  /**
   * The Python SDK's `run_generic(input_data, timeout?, headers?)`: {@link run} of the `generic`
   * entrypoint with `inputData` as its keyword arguments. Resolves to the decoded output
   * (e.g. `{answer: 'echo: hello', kwargs_seen: ['extra']}`).
   */
  runGeneric<T = unknown>(inputData: Record<string, unknown>, options: RequestOptions = {}): APIPromise<T> {
    return this.run<T>('generic', inputData, options);
  }

  /**
   * Runs a streaming entrypoint over the `run-stream` WebSocket and yields each chunk, decoded
   * (as {@link run} decodes), as it arrives. Node sends the key as `Authorization: Bearer`; a
   * browser, which cannot set WebSocket headers, sends it as `?token=` (redacted everywhere).
   *
   * The stream ends normally only on `stream_completed` (RunAgent's `socket_utils.py`): a close
   * before it (1006, 1003, 1000 …) throws {@link StreamError} (`STREAM_TRUNCATED`), never a
   * silent end. An error frame throws the mapped error: a refused request (`detail`, close 1003)
   * → `ValidationError` or `AgentNotFoundError` (unknown tag); the agent raising (`error`) →
   * `ServerError`. `options.timeout` (ms; default the client's `timeout`, 30,000) bounds the
   * handshake and then every wait for the next frame: a server silent that long (a stalled
   * run) ends the stream with `RequestTimeoutError` (408). Time the caller spends on a chunk
   * does not count. A refused handshake says `run-stream of agent <id> refused: <status>`; a
   * redirect is never followed. A failed handshake (refused connection, 408/429/502/503/504, timeout) is retried:
   * no work starts before the request frame. Nothing is retried once the frame is sent.
   * `break` closes the connection.
   *
   * Throws {@link ValidationError} synchronously, before any I/O, for a tag that does not end
   * in `_stream` (use {@link run}), or `inputKwargs` that is not a JSON object.
   */
  runStream<T = unknown>(entrypointTag: string, inputKwargs: Record<string, unknown> = {}, options: RunAgentRunOptions = {}): RunAgentStream<T> {
    checkRun(entrypointTag, inputKwargs, options, true);
    return new RunAgentStream<T>((info) => this.#stream(info, entrypointTag, inputKwargs, options));
  }

  /**
   * The Python SDK's `run_generic_stream(input_data, timeout?, headers?)`: {@link runStream} of the
   * `generic_stream` entrypoint, each chunk as a string (a chunk that decodes to a non-string
   * value is given as its JSON text).
   */
  runGenericStream(inputData: Record<string, unknown>, options: RequestOptions = {}): RunAgentStream<string> {
    const inner = this.runStream('generic_stream', inputData, options);
    return inner.map((value) => (typeof value === 'string' ? value : JSON.stringify(value)));
  }

  async *#stream(info: RunStreamInfo, tag: string, inputKwargs: Record<string, unknown>, options: RunAgentRunOptions): AsyncGenerator<unknown> {
    const { transport: t, settings } = await this.#state();
    const { headersMs, readMs } = t.deadlines(options);
    const url = runStreamUrl(t.baseUrl, this.agentId, SOCKET_SENDS_HEADERS ? undefined : settings.apiKey);
    const trace = t.tracer?.stream('run-stream /api/v1/agents/{agent_id}/run-stream', { 'agentwire.agent.id': this.agentId, 'agentwire.entrypoint': tag });
    let conn: WebSocketConnection;
    try {
      conn = await this.#connect(t, url, headersMs, readMs, options, trace);
    } catch (err) {
      trace?.end(err);
      throw err;
    }
    info.headers = conn.headers;
    let started = false;
    let chunks = 0;
    try {
      t.logger.debug(`run-stream ${tag}: connected to ${url.replace(/\?.*$/, '')}`);
      conn.send(JSON.stringify(buildRunRequest(tag, inputKwargs, options.inputArgs ?? [], STREAM_RUN_TIMEOUT_MS)));
      for await (const text of conn) {
        const frame = this.#guard(() => parseRunStreamFrame(text, chunks + 1));
        switch (frame.kind) {
          case 'started':
            started = true;
            info.invocationId = frame.invocationId;
            break;
          case 'data':
            chunks++;
            trace?.item();
            yield frame.value;
            break;
          case 'completed':
            info.invocationId ??= frame.invocationId;
            info.completion = { totalChunks: frame.totalChunks, executionTimeMs: frame.executionTimeMs };
            t.logger.debug(`run-stream ${tag}: completed after ${chunks} chunk(s)`);
            return;
          case 'error':
            throw errorFromFrame(frame.frame, this.#secrets, started);
          case 'unknown':
            t.logger.debug(`run-stream ${tag}: ignored a frame of type ${JSON.stringify(frame.frame.type)}`);
            break;
        }
      }
      const close = conn.closeInfo;
      throw new StreamError(
        `run-stream ${tag} closed${close ? ` with code ${close.code}` : ''} before stream_completed, after ${chunks} chunk(s)${started ? '' : ' and before stream_started'}`,
        { code: 'STREAM_TRUNCATED', detail: { closeCode: close?.code, closeReason: close?.reason, chunks, started } },
      );
    } catch (err) {
      trace?.end(err);
      throw err;
    } finally {
      trace?.end();
      conn.close();
    }
  }

  /** Opens the run-stream WebSocket, retrying handshakes that failed transiently. */
  async #connect(t: Transport<paths>, url: string, handshakeTimeoutMs: number, idleTimeoutMs: number, options: RunAgentRunOptions, trace: StreamSpan | undefined): Promise<WebSocketConnection> {
    const headers = t.headers(options.headers);
    trace?.inject(headers);
    for (let retry = 0; ; retry++) {
      try {
        return await openWebSocket(url, {
          label: `run-stream of agent ${this.agentId}`,
          headers,
          handshakeTimeoutMs,
          idleTimeoutMs,
          signal: options.signal,
          secrets: this.#secrets,
          refused: (status, body, headers) => t.errorFromBody(status, body, headers, status === 403 ? 'WebSocket refused: wrong agent id or API key' : ''),
        });
      } catch (err) {
        const retryable = err instanceof ClientError && err.statusCode !== undefined && RETRYABLE_STATUSES.has(err.statusCode);
        const wait = retryable ? t.retryDelay(retry, options, err instanceof RateLimitError ? err.retryAfterMs : undefined) : undefined;
        if (wait === undefined) throw err;
        t.logger.debug(`run-stream handshake: ${(err as Error).message}; retry ${retry + 1} in ${Math.round(wait)} ms`);
        trace?.event('reconnect', { 'error.type': (err as ClientError).code ?? String((err as ClientError).statusCode), 'http.request.resend_count': retry + 1, 'agentwire.stream.delay_ms': Math.round(wait) });
        await sleep(wait, options.signal);
      }
    }
  }

  /** Throws the mapped error for an envelope with `success: false` (even on a 200). */
  #checkEnvelope(body: unknown, what: string): asserts body is { success: true; data: any } {
    if (!body || typeof body !== 'object') {
      throw new StreamError(`${what}: the answer is not a JSON object`, { code: 'INVALID_PAYLOAD', detail: this.#secrets.redactValue(body) });
    }
    if ((body as { success?: unknown }).success === false) throw errorFromEnvelope(body as Record<string, unknown>, this.#secrets, what);
  }

  /** Runs `fn`, redacting the message and detail of a {@link StreamError} it throws. */
  #guard<T>(fn: () => T): T {
    try {
      return fn();
    } catch (err) {
      if (err instanceof StreamError) throw new StreamError(this.#secrets.redact(err.message), { code: err.code, detail: this.#secrets.redactValue(err.detail) });
      throw err;
    }
  }

  #state(): Promise<Ready> {
    if (!this.#ready) {
      const ready = (async (): Promise<Ready> => {
        const o = this.#options;
        const { files, notes } = await loadRunAgentConfig(o);
        const settings = resolveRunAgentSettings(o, files);
        this.#secrets.add(settings.apiKey);
        const transport = new Transport<paths>({
          baseUrl: settings.baseUrl,
          secrets: this.#secrets,
          authHeaders: settings.apiKey ? { Authorization: `Bearer ${settings.apiKey}` } : undefined,
          headers: o.headers,
          timeout: settings.timeout,
          defaultTimeout: settings.timeout,
          maxRetries: settings.maxRetries,
          retryPolicy: { initialDelayMs: settings.retryDelayMs, backoff: settings.retryBackoff, maxDelayMs: 60_000 },
          fetch: o.fetch,
          logger: o.logger,
          logLevel: settings.logLevel,
          tracing: o.tracing,
          classify: classifyStatus,
        });
        this.#baseUrl = settings.baseUrl;
        for (const note of notes) transport.logger.debug(note);
        return { settings, transport };
      })();
      this.#ready = ready;
      // A failed resolution (say, a malformed file) is not cached: the next call reads again.
      ready.catch(() => {
        if (this.#ready === ready) this.#ready = undefined;
      });
    }
    return this.#ready;
  }

  /** What `JSON.stringify(client)` shows: no credential. */
  toJSON(): Record<string, unknown> {
    return { agentId: this.agentId, baseUrl: this.#baseUrl ?? this.#options.baseUrl, apiKey: mask(this.#options.apiKey) };
  }

  /** What `util.inspect(client)` / `console.log(client)` shows: the key masked. */
  [inspectCustom](): string {
    const j = this.toJSON();
    return `RunAgentClient { agentId: ${JSON.stringify(j.agentId)}, baseUrl: ${JSON.stringify(j.baseUrl ?? '(not resolved yet)')}, apiKey: ${j.apiKey ? "'[REDACTED]'" : 'undefined'} }`;
  }
}

/** What the server's status frames said about one run; shared by a stream and its `map`s. */
export interface RunStreamInfo {
  invocationId: string | undefined;
  completion: RunStreamCompletion | undefined;
  consumed: boolean;
  /** The handshake's (`101`) response headers, once connected. */
  headers?: Headers | undefined;
}

/**
 * A run-stream: iterate it once with `for await` (a second iteration throws). After a normal
 * end, `invocationId` and `completion` hold what the server's status frames said; once
 * connected, `headers` what the server answered the handshake with. `map` gives a stream of
 * other values over the same run (iterate one of them).
 */
export class RunAgentStream<T> implements AsyncIterable<T>, ConnectedStream {
  readonly #open: (info: RunStreamInfo) => AsyncIterator<unknown>;
  readonly #mapper: (value: unknown) => T;
  readonly #info: RunStreamInfo;

  /** @internal Built by {@link RunAgentClient.runStream}. */
  constructor(open: (info: RunStreamInfo) => AsyncIterator<unknown>, mapper: (value: unknown) => T = (v) => v as T, info?: RunStreamInfo) {
    this.#open = open;
    this.#mapper = mapper;
    this.#info = info ?? { invocationId: undefined, completion: undefined, consumed: false };
  }

  /** The server's id for this run, from `stream_started` (a UUID). */
  get invocationId(): string | undefined {
    return this.#info.invocationId;
  }

  /** Set once `stream_completed` arrived: the only success signal. */
  get completion(): RunStreamCompletion | undefined {
    return this.#info.completion;
  }

  /**
   * The headers of the run-stream handshake's `101` response (`x-request-id` …), once
   * connected; `undefined` before, and for a browser's `WebSocket`, which hides them.
   */
  get headers(): Headers | undefined {
    return this.#info.headers;
  }

  /** Always `undefined`: the run-stream is a WebSocket, whose answer is not a `Response` (see {@link headers}). */
  get response(): undefined {
    return undefined;
  }

  /** A stream of `fn(value)` over the same run. */
  map<U>(fn: (value: T) => U): RunAgentStream<U> {
    const mapper = this.#mapper;
    return new RunAgentStream<U>(this.#open, (v) => fn(mapper(v)), this.#info);
  }

  /**
   * Connects and yields the run's chunks. Throws `ClientError` when iterated a second time, and
   * the errors listed on {@link RunAgentClient.runStream}. Ending the loop early closes the socket.
   */
  async *[Symbol.asyncIterator](): AsyncGenerator<T> {
    if (this.#info.consumed) throw new ClientError('a RunAgentStream can be iterated only once: call runStream again for another run');
    this.#info.consumed = true;
    const it = this.#open(this.#info);
    try {
      for (;;) {
        const next = await it.next();
        if (next.done) return;
        yield this.#mapper(next.value);
      }
    } finally {
      await it.return?.();
    }
  }
}

/** Checks a run's input before any I/O; `stream` says which kind of tag is expected. */
function checkRun(tag: unknown, inputKwargs: unknown, options: RunAgentRunOptions, stream: boolean): void {
  const t = checkName(tag, 'entrypoint tag');
  if (stream && !isStreamEntrypoint(t)) invalid(`Entrypoint \`${t}\` is not a streaming entrypoint (its tag does not end in _stream): use run()`);
  if (!stream && isStreamEntrypoint(t)) invalid(`Entrypoint \`${t}\` is a streaming entrypoint: use runStream()`);
  if (!inputKwargs || typeof inputKwargs !== 'object' || Array.isArray(inputKwargs)) {
    invalid(`input must be a JSON object (the entrypoint's keyword arguments), got ${inputKwargs === null ? 'null' : Array.isArray(inputKwargs) ? 'an array' : typeof inputKwargs}`);
  }
  if (options.inputArgs !== undefined && !Array.isArray(options.inputArgs)) invalid('inputArgs must be an array');
  try {
    JSON.stringify({ inputKwargs, inputArgs: options.inputArgs });
  } catch (err) {
    invalid(`input cannot be sent as JSON: ${(err as Error).message}`);
  }
  if (options.timeout !== undefined) resolveTimeout(options.timeout);
}
