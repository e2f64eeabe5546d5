import type { components, paths } from '../../generated/agent.js';
import type { StreamLimitError, ValidationError } from '../core/errors.js';
import { isLogLevel, type Logger, type LogLevel } from '../core/log.js';
import { inspectCustom, mask, Secrets } from '../core/redact.js';
import { resolveStreamLimits, type StreamLimits } from '../core/stream-limits.js';
import { resolveTimeout, type Timeout } from '../core/timeout.js';
import type { TracingOptions } from '../core/tracing.js';
import { APIPromise } from '../core/api-promise.js';
import { answer, checkMaxRetries, Transport, type FetchLike, type RequestOptions } from '../core/transport.js';
import { checkId, checkName, invalid } from '../core/validate.js';
import { classifyAgentError } from './errors.js';
import { JobLogTail, planTail, type TailJobLogsOptions, type TailOptions } from './tail.js';

/** Agent health (`GET health/`): at least `status`. */
export type Health = components['schemas']['Health'];
/** A Ray job record (Ray `JobDetails`, relayed by the agent server); `start_time` / `end_time` are epoch **ms**. */
export type Job = components['schemas']['Job'];
/** `PENDING | RUNNING | STOPPED | SUCCEEDED | FAILED`. */
export type JobStatus = components['schemas']['JobStatus'];
/** A job's whole log so far: `{logs}`. */
export type JobLogs = components['schemas']['JobLogs'];
/** Ray's answer to a stop: `{stopped}`. */
export type StopJobResult = components['schemas']['StopJobResult'];
/** A Ray node (state API record); `start_time_ms` / `end_time_ms` are epoch **ms**. */
export type Node = components['schemas']['Node'];
/** A Ray task (state API record). */
export type Task = components['schemas']['Task'];
/** A Ray Serve application; `last_deployed_time_s` is epoch **seconds**. */
export type ServeApplication = components['schemas']['ServeApplication'];
/** GPU status (open object; its shape is not documented). */
export type GpuStatus = components['schemas']['GpuStatus'];

/** The Synapse SDK's AgentClient defaults: connect 3 s, read 10 s, in ms. */
export const DEFAULT_AGENT_TIMEOUT: Readonly<{ connect: number; read: number }> = Object.freeze({ connect: 3_000, read: 10_000 });

/** Options of {@link AgentClient}. Every duration is in **milliseconds**. */
export interface AgentClientOptions {
  /** The agent server, e.g. `https://agent.example.com` (a trailing `/` is dropped; a path prefix is kept). */
  baseUrl: string;
  /** Sent raw as `Authorization: <agentToken>` on every request and handshake. */
  agentToken: string;
  /** Sent as `SYNAPSE-User: Token <userToken>` when set. */
  userToken?: string;
  /** Sent as `SYNAPSE-Tenant: Token <tenant>` when set. */
  tenant?: string;
  /**
   * ms, or `{connect, read}` in ms. Default `{connect: 3000, read: 10000}` (the Synapse
   * SDK's AgentClient: 3 s / 10 s): `connect + read` for the response headers, then `read` for the body.
   * Log tails have their own `timeout` ({@link TailOptions}).
   */
  timeout?: Timeout;
  /** Retries of a failed request (connection failures, 408, 429, 502, 503, 504). Default 3. */
  maxRetries?: number;
  /** Bounds on each log tail; missing fields keep the defaults of `DEFAULT_STREAM_LIMITS`. */
  streamLimits?: Partial<StreamLimits>;
  /** The `fetch` to use (default the global one). */
  fetch?: FetchLike;
  /** Extra headers on every request and handshake. They cannot override the auth headers. */
  headers?: Record<string, string>;
  /** Where log lines go (default `console`), from `logLevel` (default `warn`). Tokens never reach it. */
  logger?: Logger;
  logLevel?: LogLevel;
  /**
   * OpenTelemetry, off unless set: `{ api }` with the `@opentelemetry/api` module (or
   * `{ tracer }`). Each HTTP request is a client span, each log tail a span; W3C `traceparent`
   * is sent on requests and WebSocket handshakes. See {@link TracingOptions}.
   */
  tracing?: TracingOptions;
}

const HEADER_VALUE = /^[^\u0000-\u001f\u007f]+$/;

function credential(value: unknown, name: string, required: boolean): string | undefined {
  if (value === undefined || value === null) {
    if (required) invalid(`${name} is required`);
    return undefined;
  }
  if (typeof value !== 'string' || value.trim() === '') invalid(`${name} must be a non-empty string`);
  if (!HEADER_VALUE.test(value)) invalid(`${name} must not contain control characters or line breaks`);
  return value;
}

function checkRequestOptions(options: RequestOptions | undefined): RequestOptions {
  if (options === undefined) return {};
  if (typeof options !== 'object' || options === null) invalid('request options must be an object');
  if (options.timeout !== undefined) resolveTimeout(options.timeout);
  checkMaxRetries(options.maxRetries);
  return options;
}

/**
 * Client of the agent API: the server that manages a Ray cluster (jobs, nodes, tasks, Serve
 * applications, GPU status) and tails job logs live. It follows the Synapse SDK's (Python)
 * `AgentClient` and its Ray client mixin, whose snake_case methods are camelCase here, with promises instead of a sync/async pair.
 *
 * Every method takes {@link RequestOptions} last (`signal`, `timeout`, `maxRetries`,
 * `headers`) and rejects with agentwire's errors: {@link ValidationError} (400, bad input —
 * thrown before any I/O), `AuthenticationError` 401, `PermissionDeniedError` 403,
 * `NotFoundError` 404, `RequestTimeoutError` 408, `RateLimitError` 429, `ServerError` 5xx,
 * `GpuUnavailableError` (503 `gpu_unavailable`), `ConnectionError` (no response, 503).
 * Tokens never appear in an error, a log line, `JSON.stringify` or `util.inspect`.
 *
 * ```ts
 * const agent = new AgentClient({ baseUrl: 'https://agent.example.com', agentToken });
 * const jobs = await agent.listJobs();
 * for await (const line of agent.tailJobLogs(jobs[0].submission_id!)) console.log(line);
 * ```
 */
export class AgentClient {
  readonly #t: Transport<paths>;
  readonly #limits: StreamLimits;
  readonly #userToken: string | undefined;
  readonly #tenant: string | undefined;

  /** Throws {@link ValidationError} (400) for missing or malformed options. */
  constructor(options: AgentClientOptions) {
    if (!options || typeof options !== 'object') invalid('AgentClient options are required ({ baseUrl, agentToken })');
    const agentToken = credential(options.agentToken, 'agentToken', true)!;
    this.#userToken = credential(options.userToken, 'userToken', false);
    this.#tenant = credential(options.tenant, 'tenant', false);
    this.#limits = resolveStreamLimits(options.streamLimits);
    if (options.fetch !== undefined && typeof options.fetch !== 'function') invalid('fetch must be a function');
    if (options.logLevel !== undefined && !isLogLevel(options.logLevel)) invalid(`Invalid logLevel: ${JSON.stringify(options.logLevel)}`);
    if (options.headers !== undefined) {
      if (typeof options.headers !== 'object' || options.headers === null) invalid('headers must be an object of strings');
      for (const [k, v] of Object.entries(options.headers)) {
        if (typeof v !== 'string' || !HEADER_VALUE.test(v)) invalid(`header ${k} must be a string without control characters`);
      }
    }
    const authHeaders: Record<string, string> = { Authorization: agentToken };
    if (this.#userToken) authHeaders['SYNAPSE-User'] = `Token ${this.#userToken}`;
    if (this.#tenant) authHeaders['SYNAPSE-Tenant'] = `Token ${this.#tenant}`;
    this.#t = new Transport<paths>({
      baseUrl: options.baseUrl,
      secrets: new Secrets().add(agentToken, this.#userToken, this.#tenant),
      authHeaders,
      defaultTimeout: { ...DEFAULT_AGENT_TIMEOUT },
      timeout: options.timeout,
      maxRetries: options.maxRetries,
      headers: options.headers,
      fetch: options.fetch,
      logger: options.logger,
      logLevel: options.logLevel,
      tracing: options.tracing,
      classify: classifyAgentError,
    });
  }

  /** The base URL, without its trailing `/`. */
  get baseUrl(): string {
    return this.#t.baseUrl;
  }

  /** The stream limits every log tail of this client applies (a copy). */
  get streamLimits(): StreamLimits {
    return { ...this.#limits };
  }

  // ── health ────────────────────────────────────────────────────────────────

  /** `GET health/` → `{status, ...}`. */
  healthCheck(options?: RequestOptions): APIPromise<Health> {
    return APIPromise.run(async () => answer(await this.#t.client.GET('/health/', this.#t.init(checkRequestOptions(options)))));
  }

  // ── jobs ──────────────────────────────────────────────────────────────────

  /** `GET jobs/` → every Ray job (a bare array, Ray's order; times in epoch ms). */
  listJobs(options?: RequestOptions): APIPromise<Job[]> {
    return APIPromise.run(async () => answer(await this.#t.client.GET('/jobs/', this.#t.init(checkRequestOptions(options)))));
  }

  /**
   * `GET jobs/{jobId}/` → one job (by `submission_id` or `job_id`). Throws
   * {@link ValidationError} for a bad id before any I/O; `NotFoundError` for an unknown job.
   */
  getJob(jobId: string, options?: RequestOptions): APIPromise<Job> {
    return APIPromise.run(async () => {
      const job_id = checkId(jobId, 'job ID');
      return answer(await this.#t.client.GET('/jobs/{job_id}/', { params: { path: { job_id } }, ...this.#t.init(checkRequestOptions(options)) }));
    });
  }

  /**
   * `GET jobs/{jobId}/logs/` → `{logs}`: the whole log so far, newline-separated, not
   * streamed (the Synapse SDK documents a `str`; the agent answers Ray's `{logs}` object).
   */
  getJobLogs(jobId: string, options?: RequestOptions): APIPromise<JobLogs> {
    return APIPromise.run(async () => {
      const job_id = checkId(jobId, 'job ID');
      return answer(await this.#t.client.GET('/jobs/{job_id}/logs/', { params: { path: { job_id } }, ...this.#t.init(checkRequestOptions(options)) }));
    });
  }

  /**
   * `POST jobs/{jobId}/stop/` (no body) → `{stopped}`. `stopped: true` means a stop was
   * requested (the job may read RUNNING for a few seconds more); `false`: already terminal.
   */
  stopJob(jobId: string, options?: RequestOptions): APIPromise<StopJobResult> {
    return APIPromise.run(async () => {
      const job_id = checkId(jobId, 'job ID');
      return answer(await this.#t.client.POST('/jobs/{job_id}/stop/', { params: { path: { job_id } }, ...this.#t.init(checkRequestOptions(options)) }));
    });
  }

  // ── log tails ─────────────────────────────────────────────────────────────

  /**
   * Tails a job's log live: `for await (const line of agent.tailJobLogs(id)) …` yields each
   * log **line** (no newline; empty lines skipped) until the job's log ends.
   *
   * - `protocol: 'auto'` (default) tries the WebSocket (`ws(s)://…/jobs/{id}/logs/`) and falls
   *   back to the HTTP tail (`GET jobs/{id}/logs/stream/`) only on a 5xx-class failure — a
   *   handshake refused with 5xx, no connection (503), an `error` frame (500), a connection
   *   dropped mid-stream (503). Any other failure (400, 401, 403, 404, 408, 429, an abort) is
   *   thrown. After a fallback mid-stream no line is yielded twice: the HTTP tail replays the
   *   log from its first line (as the agent does), so the lines already yielded are skipped by
   *   count. This assumes both transports carry the same log, split into the same lines.
   * - `timeout` is ms (default 30,000, at most 300,000): the connection and every silence.
   * - Limits: the client's `streamLimits` on both transports; {@link StreamLimitError} (429).
   * - `break`, `return` or an aborted `signal` close the socket or response body at once.
   *
   * Validation (job id, timeout, protocol) happens here, before the iterable is returned:
   * {@link ValidationError} (400) with the Synapse SDK's messages. Iteration rejects with the typed
   * errors listed on {@link AgentClient}; a WebSocket that drops (1006) is a
   * `ConnectionError` (503), never a silent end.
   */
  tailJobLogs(jobId: string, options?: TailJobLogsOptions): JobLogTail {
    return new JobLogTail(this.#tailContext(), planTail(jobId, options));
  }

  /** {@link tailJobLogs} over the WebSocket only (the Synapse SDK's `websocket_tail_job_logs`). */
  websocketTailJobLogs(jobId: string, options?: TailOptions): JobLogTail {
    return new JobLogTail(this.#tailContext(), planTail(jobId, options, 'websocket'));
  }

  /**
   * {@link tailJobLogs} over HTTP only (the Synapse SDK's `stream_tail_job_logs`): `GET jobs/{id}/logs/stream/`.
   * `timeout` bounds the response headers and each silence in the body (the Synapse SDK has no
   * read timeout at all); there is no deadline on the body as a whole.
   */
  streamTailJobLogs(jobId: string, options?: TailOptions): JobLogTail {
    return new JobLogTail(this.#tailContext(), planTail(jobId, options, 'http'));
  }

  #tailContext() {
    return { transport: this.#t, limits: this.#limits };
  }

  // ── nodes, tasks ──────────────────────────────────────────────────────────

  /** `GET nodes/` → every Ray node (a bare array). */
  listNodes(options?: RequestOptions): APIPromise<Node[]> {
    return APIPromise.run(async () => answer(await this.#t.client.GET('/nodes/', this.#t.init(checkRequestOptions(options)))));
  }

  /** `GET nodes/{nodeId}/` → one node. The id is checked like a job id (`node ID …`). */
  getNode(nodeId: string, options?: RequestOptions): APIPromise<Node> {
    return APIPromise.run(async () => {
      const node_id = checkId(nodeId, 'node ID');
      return answer(await this.#t.client.GET('/nodes/{node_id}/', { params: { path: { node_id } }, ...this.#t.init(checkRequestOptions(options)) }));
    });
  }

  /** `GET tasks/` → Ray tasks (a bare array). */
  listTasks(options?: RequestOptions): APIPromise<Task[]> {
    return APIPromise.run(async () => answer(await this.#t.client.GET('/tasks/', this.#t.init(checkRequestOptions(options)))));
  }

  /** `GET tasks/{taskId}/` → one task. The id is checked like a job id (`task ID …`). */
  getTask(taskId: string, options?: RequestOptions): APIPromise<Task> {
    return APIPromise.run(async () => {
      const task_id = checkId(taskId, 'task ID');
      return answer(await this.#t.client.GET('/tasks/{task_id}/', { params: { path: { task_id } }, ...this.#t.init(checkRequestOptions(options)) }));
    });
  }

  // ── Ray Serve ─────────────────────────────────────────────────────────────

  /** `GET serve_applications/` → the Serve applications (a bare array). `ServerError` 501 when Serve is not installed. */
  listServeApplications(options?: RequestOptions): APIPromise<ServeApplication[]> {
    return APIPromise.run(async () => answer(await this.#t.client.GET('/serve_applications/', this.#t.init(checkRequestOptions(options)))));
  }

  /** `GET serve_applications/{name}/` → one application. */
  getServeApplication(name: string, options?: RequestOptions): APIPromise<ServeApplication> {
    return APIPromise.run(async () => {
      checkName(name, 'Serve application name');
      return answer(await this.#t.client.GET('/serve_applications/{name}/', { params: { path: { name } }, ...this.#t.init(checkRequestOptions(options)) }));
    });
  }

  /** `DELETE serve_applications/{name}/` → 204, no body. */
  deleteServeApplication(name: string, options?: RequestOptions): APIPromise<void> {
    return APIPromise.run(async () => {
      checkName(name, 'Serve application name');
      const { response } = await this.#t.client.DELETE('/serve_applications/{name}/', { params: { path: { name } }, ...this.#t.init(checkRequestOptions(options)) });
      return { data: undefined, response };
    });
  }

  // ── GPU ───────────────────────────────────────────────────────────────────

  /** `GET gpu_status/` → GPU status (open object). `GpuUnavailableError` (503) when no GPU is usable. */
  getGpuStatus(options?: RequestOptions): APIPromise<GpuStatus> {
    return APIPromise.run(async () => answer(await this.#t.client.GET('/gpu_status/', this.#t.init(checkRequestOptions(options)))));
  }

  // ── no secrets out ────────────────────────────────────────────────────────

  /** What `JSON.stringify` shows: the configuration with every credential masked. */
  toJSON(): Record<string, unknown> {
    return {
      baseUrl: this.#t.baseUrl,
      agentToken: '[REDACTED]',
      userToken: mask(this.#userToken),
      tenant: mask(this.#tenant),
      streamLimits: this.streamLimits,
    };
  }

  /** What `util.inspect` / `console.log` show: the same, masked. */
  [inspectCustom](): string {
    const j = this.toJSON();
    const parts = [`baseUrl: '${j.baseUrl}'`, `agentToken: '[REDACTED]'`];
    if (j.userToken) parts.push(`userToken: '[REDACTED]'`);
    if (j.tenant) parts.push(`tenant: '[REDACTED]'`);
    return `AgentClient { ${parts.join(', ')} }`;
  }
}
