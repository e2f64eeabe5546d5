import type { paths } from '../../generated/ray.js';
import { RequestTimeoutError } from '../core/errors.js';
import { sleep } from '../core/retry.js';
import { APIPromise, ResponseStream, StreamAnswer } from '../core/api-promise.js';
import { answer, type CallOptions, type RequestOptions, type Transport } from '../core/transport.js';
import { traced } from '../core/tracing.js';
import { checkId, checkInt, invalid, shown } from '../core/validate.js';
import { resolveTailOptions, tailJobLines } from './tail.js';
import {
  isTerminal,
  type JobDetails,
  type JobSubmitRequest,
  type JobSubmitResponse,
  type SubmitJobParams,
  type TailOptions,
  type WaitOptions,
} from './types.js';

const JOB = 'job ID';

/**
 * Ray's Jobs API (Ray 2.58 `job_head.py`): submit, read, stop, delete, read or follow the logs, wait.
 * Ids are a submission id (`raysubmit_…`, yours) or a Ray job id (`03000000`); Ray accepts
 * either. Every id is checked before any I/O (`[A-Za-z0-9_-]`, 1–100 characters) and a bad one
 * is a {@link ValidationError} (400). Paths keep Ray's exact slashes: `POST|GET /api/jobs/`
 * with one, `/api/jobs/{id}`, `/stop`, `/logs` without.
 *
 * Ray's errors are `text/plain` (often a Python traceback); they become one-line messages (the
 * exception's last line) with the whole body on `error.detail`.
 */
export class RayJobs {
  readonly #t: Transport<paths>;
  readonly #wsBase: string;

  /** @internal Built by {@link RayClient}. */
  constructor(transport: Transport<paths>) {
    this.#t = transport;
    this.#wsBase = transport.baseUrl.replace(/^http/i, 'ws');
  }

  /**
   * Submits a job: `POST /api/jobs/` with the parameters in Ray's snake_case. Not retried once
   * it may have reached Ray (it would start the job twice); only a refused connection, 429 and
   * 503 are. Resolves to `{submission_id, job_id}` (`job_id` is a deprecated mirror).
   *
   * @throws {ValidationError} bad parameters (before any I/O), or Ray's 400 (its traceback's last line).
   * @throws {ServerError} 500, e.g. `ValueError: Job with submission_id x already exists. Please use a different submission_id.`
   */
  submit(params: SubmitJobParams, options: RequestOptions = {}): APIPromise<JobSubmitResponse> {
    return APIPromise.run(async () => {
      const body = submitBody(params);
      return answer(await this.#t.client.POST('/api/jobs/', { body, ...this.#t.init({ ...options, unsafe: true }) }));
    });
  }

  /** Every job the cluster knows (`GET /api/jobs/`, a bare array, no pagination), submission jobs and drivers. */
  list(options: RequestOptions = {}): APIPromise<JobDetails[]> {
    return APIPromise.run(async () => answer(await this.#t.client.GET('/api/jobs/', this.#t.init(options))));
  }

  /**
   * One job's record (`GET /api/jobs/{id}`). After a stop it still reads RUNNING for a few
   * seconds; use {@link wait} for the terminal record.
   * @throws {NotFoundError} `Job <id> does not exist`.
   */
  get(id: string, options: RequestOptions = {}): APIPromise<JobDetails> {
    return APIPromise.run(async () => {
      const path = { job_or_submission_id: checkId(id, JOB) };
      return answer(await this.#t.client.GET('/api/jobs/{job_or_submission_id}', { params: { path }, ...this.#t.init(options) }));
    });
  }

  /**
   * Asks a job to stop (`POST /api/jobs/{id}/stop`): `true` when a stop was issued (the job may
   * read RUNNING for a few more seconds), `false` when it was already terminal.
   * @throws {NotFoundError} no such job. {@link ValidationError} 400 for a DRIVER job.
   */
  stop(id: string, options: RequestOptions = {}): APIPromise<boolean> {
    return APIPromise.run(async () => {
      const path = { job_or_submission_id: checkId(id, JOB) };
      const { data, response } = answer(await this.#t.client.POST('/api/jobs/{job_or_submission_id}/stop', { params: { path }, ...this.#t.init(options) }));
      return { data: data.stopped, response };
    });
  }

  /**
   * Deletes a terminal job's record and logs (`DELETE /api/jobs/{id}`); `true` when deleted.
   * @throws {ServerError} 500 `RuntimeError: Attempted to delete job '<id>', but it is in a non-terminal state RUNNING.` — stop it and {@link wait} first.
   * @throws {NotFoundError} no such job.
   */
  delete(id: string, options: RequestOptions = {}): APIPromise<boolean> {
    return APIPromise.run(async () => {
      const path = { job_or_submission_id: checkId(id, JOB) };
      const { data, response } = answer(await this.#t.client.DELETE('/api/jobs/{job_or_submission_id}', { params: { path }, ...this.#t.init(options) }));
      return { data: data.deleted, response };
    });
  }

  /**
   * The job's whole log so far (`GET /api/jobs/{id}/logs`), one string with its newlines,
   * including Ray's preamble lines. For a live stream use {@link tail}.
   * @throws {NotFoundError} no such job.
   */
  logs(id: string, options: RequestOptions = {}): APIPromise<string> {
    return APIPromise.run(async () => {
      const path = { job_or_submission_id: checkId(id, JOB) };
      const { data, response } = answer(await this.#t.client.GET('/api/jobs/{job_or_submission_id}/logs', { params: { path }, ...this.#t.init(options) }));
      return { data: data.logs, response };
    });
  }

  /**
   * Follows the job's log live, **line by line**, until the job is terminal and its log is
   * drained (WebSocket `/api/jobs/{id}/logs/tail`, `ray-logs.asyncapi.yaml`). Survives
   * closes and drops: it reads the job after each one and reconnects while the job runs,
   * never yielding a line twice. `break` closes the socket. Once connected, the stream's
   * `headers` are the latest handshake's (`101`) response headers (`response` stays
   * `undefined`: a WebSocket's answer is not a `Response`).
   *
   * ```ts
   * for await (const line of ray.jobs.tail(submission_id)) console.log(line);
   * ```
   *
   * @throws {ValidationError} a bad id or option, thrown by `tail()` itself (before any I/O).
   * @throws {NotFoundError} `Job <id> does not exist` (the handshake is refused with 404).
   * @throws {AuthenticationError} / {PermissionDeniedError} a missing / wrong token.
   * @throws {ConnectionError} / {StreamError} reconnects exhausted.
   */
  tail(id: string, options: TailOptions = {}): ResponseStream<string> {
    const jobId = checkId(id, JOB);
    const t = this.#t;
    resolveTailOptions(options, 1); // throws ValidationError now, not at the first next()
    const answer = new StreamAnswer();
    const trace = t.tracer?.stream('tail /api/jobs/{job_id}/logs/tail', { 'agentwire.job.id': jobId });
    const headers = t.headers();
    trace?.inject(headers);
    const lines = tailJobLines(
      {
        id: jobId,
        url: `${this.#wsBase}/api/jobs/${encodeURIComponent(jobId)}/logs/tail`,
        headers,
        secrets: t.secrets,
        logger: t.logger,
        handshakeTimeoutMs: t.deadlines().headersMs,
        refused: (status, body, headers) => t.errorFromBody(status, body, headers),
        backoff: (n) => t.retryDelay(n, { maxRetries: Number.MAX_SAFE_INTEGER }) ?? 8_000,
        // The transport reads `trace` from the call's options: the job reads are the tail span's children.
        readJob: (signal) => {
          const read: CallOptions = { signal, trace };
          return this.get(jobId, read);
        },
        answer,
        trace,
      },
      options,
    );
    return new ResponseStream(traced(lines, trace), answer);
  }

  /**
   * Resolves to the job's record once its status is terminal (`STOPPED`, `SUCCEEDED`,
   * `FAILED`), reading it every `pollIntervalMs` (default 1,000 ms). `withResponse()` gives the
   * response of the read that found it terminal.
   * @throws {RequestTimeoutError} (408) when `timeout` ms pass first, naming the last status.
   * @throws {NotFoundError} no such job.
   */
  wait(id: string, options: WaitOptions = {}): APIPromise<JobDetails> {
    return APIPromise.run(async () => {
      const jobId = checkId(id, JOB);
      const interval = options.pollIntervalMs === undefined ? 1_000 : checkInt(options.pollIntervalMs, 'pollIntervalMs', 10, 3_600_000);
      const timeout = options.timeout === undefined ? undefined : checkInt(options.timeout, 'timeout', 1, 2_147_483_647);
      options.signal?.throwIfAborted();
      let last: JobDetails | undefined;
      const timer = new AbortController();
      const handle = timeout === undefined ? undefined : setTimeout(() => timer.abort(new RequestTimeoutError(`job ${jobId} is not terminal after ${timeout} ms (last status ${last?.status ?? 'unknown'})`, { statusCode: 408, code: 'WAIT_TIMEOUT' })), timeout);
      const signal = options.signal ? AbortSignal.any([options.signal, timer.signal]) : timer.signal;
      try {
        for (;;) {
          const read = await this.get(jobId, { signal }).withResponse();
          last = read.data;
          if (isTerminal(last.status)) return read;
          await sleep(interval, signal);
        }
      } finally {
        clearTimeout(handle);
      }
    });
  }
}

function submitBody(p: SubmitJobParams): JobSubmitRequest {
  if (!p || typeof p !== 'object') invalid('submit() takes {entrypoint, ...}');
  if (typeof p.entrypoint !== 'string' || !p.entrypoint.trim()) invalid('entrypoint must be a non-empty string (a shell command such as "python train.py")');
  const body: JobSubmitRequest = { entrypoint: p.entrypoint };
  if (p.submissionId !== undefined) body.submission_id = checkId(p.submissionId, 'submission ID');
  if (p.runtimeEnv !== undefined) body.runtime_env = plainObject(p.runtimeEnv, 'runtimeEnv');
  if (p.metadata !== undefined) body.metadata = stringMap(p.metadata, 'metadata');
  if (p.entrypointNumCpus !== undefined) body.entrypoint_num_cpus = nonNegative(p.entrypointNumCpus, 'entrypointNumCpus');
  if (p.entrypointNumGpus !== undefined) body.entrypoint_num_gpus = nonNegative(p.entrypointNumGpus, 'entrypointNumGpus');
  if (p.entrypointMemory !== undefined) body.entrypoint_memory = checkInt(p.entrypointMemory, 'entrypointMemory (bytes)', 0, Number.MAX_SAFE_INTEGER);
  if (p.entrypointResources !== undefined) {
    const resources = plainObject(p.entrypointResources, 'entrypointResources');
    for (const [k, v] of Object.entries(resources)) nonNegative(v, `entrypointResources.${k}`);
    body.entrypoint_resources = resources as Record<string, number>;
  }
  if (p.entrypointLabelSelector !== undefined) body.entrypoint_label_selector = stringMap(p.entrypointLabelSelector, 'entrypointLabelSelector');
  const known = new Set(['entrypoint', 'submissionId', 'runtimeEnv', 'metadata', 'entrypointNumCpus', 'entrypointNumGpus', 'entrypointMemory', 'entrypointResources', 'entrypointLabelSelector']);
  const unknown = Object.keys(p).filter((k) => !known.has(k) && (p as unknown as Record<string, unknown>)[k] !== undefined);
  if (unknown.length) invalid(`Unknown submit parameter(s): ${unknown.join(', ')} (Ray refuses unknown fields)`);
  return body;
}

function plainObject(value: unknown, label: string): Record<string, unknown> {
  if (!value || typeof value !== 'object' || Array.isArray(value)) invalid(`${label} must be an object`);
  return value as Record<string, unknown>;
}

function stringMap(value: unknown, label: string): Record<string, string> {
  const obj = plainObject(value, label);
  for (const [k, v] of Object.entries(obj)) if (typeof v !== 'string') invalid(`${label}.${k} must be a string (Ray keeps ${label} as string → string)`);
  return obj as Record<string, string>;
}

function nonNegative(value: unknown, label: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) invalid(`${label} must be a number ≥ 0, got ${shown(value)}`);
  return value;
}
