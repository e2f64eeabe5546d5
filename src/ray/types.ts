/**
 * The public shapes of {@link RayClient}: Ray's own records, named after `openapi/ray.yaml`
 * (generated into `generated/ray.ts`), and the camelCase parameters agentwire takes.
 * Records keep Ray's snake_case field names, as the dashboard sends them.
 */
import type { components } from '../../generated/ray.js';
import type { RequestOptions } from '../core/transport.js';

type Schemas = components['schemas'];

/** `GET /api/version`: the dashboard API version, the Ray release and commit, the session name. */
export type RayVersion = Schemas['VersionResponse'];
/** A job's status. `STOPPED`, `SUCCEEDED` and `FAILED` are terminal. */
export type JobStatus = Schemas['JobStatus'];
/** `SUBMISSION` (submitted through the jobs API) or `DRIVER` (a script that called `ray.init()`). */
export type JobType = Schemas['JobType'];
/**
 * A job record (`GET /api/jobs/{id}`). `start_time` / `end_time` are epoch **milliseconds**;
 * `job_id` stays `null` until the driver calls `ray.init()`.
 */
export type JobDetails = Schemas['JobDetails'];
/** The answer to a submit: `submission_id` (use it for every later call) and a deprecated `job_id` mirror. */
export type JobSubmitResponse = Schemas['JobSubmitResponse'];
/** The wire body of `POST /api/jobs/` (snake_case); {@link SubmitJobParams} is what you pass. */
export type JobSubmitRequest = Schemas['JobSubmitRequest'];

/** A node row of the state API (`detail` adds `start_time_ms` / `end_time_ms`, epoch ms). */
export type NodeState = Schemas['NodeState'];
/** A task-attempt row of the state API. */
export type TaskState = Schemas['TaskState'];
/** An actor row of the state API. */
export type ActorState = Schemas['ActorState'];
/** A job row of the state API (fewer columns than {@link JobDetails}). */
export type StateJob = Schemas['JobState'];
/** A placement-group row of the state API. */
export type PlacementGroupState = Schemas['PlacementGroupState'];
/** A worker-process row of the state API. */
export type WorkerState = Schemas['WorkerState'];

/** `GET /api/serve/applications/`: the Serve instance and its applications. */
export type ServeInstanceDetails = Schemas['ServeInstanceDetails'];
/** The body of `PUT /api/serve/applications/` as Ray reads it (every defaulted field filled in). */
export type ServeDeploySchema = Schemas['ServeDeploySchema'];
/** One application of a Serve config, as Ray 2.58's `ServeApplicationSchema`. */
export type ServeApplicationSchema = Schemas['ServeApplicationSchema'];
/** One application of a {@link ServeDeployConfig}: `import_path` required; `name` defaults to `default`, `route_prefix` to `/`. */
export type ServeApplicationConfig = Omit<ServeApplicationSchema, 'name' | 'route_prefix'> & Partial<Pick<ServeApplicationSchema, 'name' | 'route_prefix'>>;
/**
 * What `serve.deploy` takes: a whole declarative Serve config (`{applications: [...]}`), the
 * fields Ray defaults (`proxy_location`, an application's `name` and `route_prefix`) optional.
 */
export type ServeDeployConfig = Omit<ServeDeploySchema, 'applications' | 'proxy_location'> & {
  applications: ServeApplicationConfig[];
  proxy_location?: ServeDeploySchema['proxy_location'];
};

/** The statuses after which a job never changes again. */
export const TERMINAL_JOB_STATUSES: ReadonlySet<JobStatus> = new Set<JobStatus>(['STOPPED', 'SUCCEEDED', 'FAILED']);

/** Is `status` terminal (`STOPPED`, `SUCCEEDED`, `FAILED`)? */
export function isTerminal(status: JobStatus | string | undefined): boolean {
  return TERMINAL_JOB_STATUSES.has(status as JobStatus);
}

/**
 * What `jobs.submit` takes: Ray's `JobSubmitRequest` in camelCase (sent as snake_case).
 * Checked before any I/O: `entrypoint` a non-empty string, `submissionId` an id
 * (`[A-Za-z0-9_-]`, ≤ 100 characters), numbers ≥ 0, `metadata` string → string.
 */
export interface SubmitJobParams {
  /** The shell command to run on the cluster, e.g. `python train.py`. */
  entrypoint: string;
  /** Your id for the job; Ray generates `raysubmit_…` when absent. Reusing one is a 500 from Ray. */
  submissionId?: string;
  /** Ray runtime environment (`working_dir`, `pip`, `env_vars`, …), sent as `runtime_env`. */
  runtimeEnv?: Record<string, unknown>;
  /** Free string → string labels, returned in the job record. */
  metadata?: Record<string, string>;
  /** CPUs reserved for the entrypoint process itself (`entrypoint_num_cpus`). */
  entrypointNumCpus?: number;
  /** GPUs reserved for the entrypoint process itself (`entrypoint_num_gpus`). */
  entrypointNumGpus?: number;
  /** Memory reserved for the entrypoint process, in **bytes** (`entrypoint_memory`). */
  entrypointMemory?: number;
  /** Custom resources reserved for the entrypoint, name → quantity (`entrypoint_resources`). */
  entrypointResources?: Record<string, number>;
  /** Node labels the entrypoint must run on (`entrypoint_label_selector`, Ray ≥ 2.54). */
  entrypointLabelSelector?: Record<string, string>;
}

/** Options of `jobs.tail`. */
export interface TailOptions {
  /** Stops the tail: the loop then rejects with the signal's reason and the socket is closed. */
  signal?: AbortSignal;
  /**
   * Reconnects in a row that may fail (no handshake, or a connection that delivered no new line
   * and stayed open less than 10 s) before the tail gives up with the last error. Waits between
   * them back off as the client's retries do. Default 5; 0 means never reconnect.
   */
  maxReconnects?: number;
  /**
   * ms of silence after which the connection is taken for dead and re-opened (the job is read
   * first, as after any close). Only waits for the server count: while lines already received
   * wait for a slow consumer (the socket paused), no time is charged. Default: none — a quiet
   * job may legitimately log nothing for hours.
   */
  idleTimeoutMs?: number;
  /** ms allowed for each WebSocket handshake. Default: the client's timeout for response headers. */
  handshakeTimeoutMs?: number;
  /**
   * The longest partial line held while waiting for its newline, in characters (UTF-16 code
   * units). A longer one is yielded as a line of this length and the rest follows as the next
   * line, so one huge line (or a job that never prints a newline) cannot grow memory without
   * bound. Default 1,048,576 (1 Mi); at most 2^30.
   */
  maxLineLength?: number;
}

/** Options of `jobs.wait`. */
export interface WaitOptions {
  /** Stops waiting; the promise rejects with the signal's reason. */
  signal?: AbortSignal;
  /** Longest total wait, in **ms**; then {@link RequestTimeoutError} (408). Default: no limit. */
  timeout?: number;
  /** ms between two reads of the job. Default 1,000; at least 10. */
  pollIntervalMs?: number;
}

/** One filter: `[column, '=' | '!=', value]`; string comparisons ignore case (Ray's rule). */
export type StateFilter = readonly [key: string, predicate: '=' | '!=', value: string | number | boolean];

/** Options of the `state.*` listings. */
export interface StateListOptions extends Omit<RequestOptions, 'timeout'> {
  /**
   * Filters, ANDed: `[key, '=' | '!=', value]` triples, or an object `{key: value}` for
   * equalities. Sent as `filter_keys` / `filter_predicates` / `filter_values`.
   */
  filters?: readonly StateFilter[] | Record<string, string | number | boolean>;
  /** Most rows to return, 1–10,000 (Ray's cap, checked before any I/O). Ray's default is 100. */
  limit?: number;
  /** Include the detail-only columns (`detail=true`). */
  detail?: boolean;
  /**
   * Server-side deadline in **ms** (Ray's `timeout`, sent in whole seconds rounded up, at least 2 s;
   * Ray's default 30 s). The HTTP request itself waits this long plus 5 s.
   */
  timeout?: number;
}

/**
 * A state API listing: the rows and the envelope's counters (Ray 2.58 `ListApiResponse`). When
 * `numFiltered > rows.length`, `limit` cut the list; when `total > numAfterTruncation`, Ray's
 * data sources truncated it; a non-empty `partialFailureWarning` means some nodes did not answer.
 */
export interface StateList<Row> {
  rows: Row[];
  /** Rows at the data sources, before truncation, filters and `limit`. */
  total: number;
  /** Rows left after the data sources truncated. */
  numAfterTruncation: number;
  /** Rows left after the filters, before `limit`. */
  numFiltered: number;
  /** Non-empty when some data sources did not answer in time (the rows are then incomplete). */
  partialFailureWarning: string;
  /** Ray's other warnings (`[]` when none). */
  warnings: string[];
}
