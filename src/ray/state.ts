import type { paths } from '../../generated/ray.js';
import { NotFoundError, ServerError } from '../core/errors.js';
import { APIPromise, type WithResponse } from '../core/api-promise.js';
import { answer, type Transport } from '../core/transport.js';
import { checkInt, checkName, invalid, shown } from '../core/validate.js';
import type {
  ActorState,
  NodeState,
  PlacementGroupState,
  StateFilter,
  StateJob,
  StateList,
  StateListOptions,
  TaskState,
  WorkerState,
} from './types.js';

/** Ray's cap on `limit` (`RAY_MAX_LIMIT_FROM_API_SERVER`). */
export const MAX_STATE_LIMIT = 10_000;
/** How much longer than the server-side `timeout` the HTTP request waits, ms. */
const HTTP_MARGIN_MS = 5_000;

type StatePath = '/api/v0/nodes' | '/api/v0/tasks' | '/api/v0/actors' | '/api/v0/jobs' | '/api/v0/placement_groups' | '/api/v0/workers';

interface Envelope<Row> {
  result: boolean;
  msg: string;
  data: {
    result: {
      total: number;
      num_after_truncation: number;
      num_filtered: number;
      result: Row[];
      partial_failure_warning: string;
      warnings: string[] | null;
    };
  };
}

/**
 * Ray's state API v0 (`GET /api/v0/{nodes,tasks,actors,jobs,placement_groups,workers}`, no
 * trailing slash; Ray 2.58 `state_head.py`): typed rows plus the envelope's counters. Ray has no
 * get-by-id, so `getNode(id)` & co. list with an id filter and throw {@link NotFoundError} when
 * nothing matches.
 *
 * Every listing takes {@link StateListOptions}: `filters` (`[key, '=' | '!=', value]` triples
 * or `{key: value}`), `limit` (1–10,000, checked before any I/O), `detail`, `timeout` (ms;
 * Ray's server-side deadline, sent in seconds).
 *
 * @throws {ValidationError} bad options (before I/O), or Ray's 400 (`msg` of its envelope: an
 * unknown filter column, a bad value).
 * @throws {ServerError} Ray's 500 (a data source did not answer), or a 2xx envelope with `result: false`.
 */
export class RayState {
  readonly #t: Transport<paths>;

  /** @internal Built by {@link RayClient}. */
  constructor(transport: Transport<paths>) {
    this.#t = transport;
  }

  /** Cluster nodes (`/api/v0/nodes`); `detail` adds `start_time_ms` / `end_time_ms` (epoch ms). */
  nodes(options: StateListOptions = {}): APIPromise<StateList<NodeState>> {
    return APIPromise.run(() => this.#list<NodeState>('/api/v0/nodes', options));
  }

  /** Task attempts (`/api/v0/tasks`); `detail` adds events, timings (epoch ms), resources, errors. */
  tasks(options: StateListOptions = {}): APIPromise<StateList<TaskState>> {
    return APIPromise.run(() => this.#list<TaskState>('/api/v0/tasks', options));
  }

  /** Actors, alive and dead (`/api/v0/actors`), Ray's own `JobSupervisor` actors included. */
  actors(options: StateListOptions = {}): APIPromise<StateList<ActorState>> {
    return APIPromise.run(() => this.#list<ActorState>('/api/v0/actors', options));
  }

  /** Jobs in the state API's columns (`/api/v0/jobs`); filterable: `job_id`, `type`, `status`, `submission_id`. */
  jobs(options: StateListOptions = {}): APIPromise<StateList<StateJob>> {
    return APIPromise.run(() => this.#list<StateJob>('/api/v0/jobs', options));
  }

  /** Placement groups (`/api/v0/placement_groups`). */
  placementGroups(options: StateListOptions = {}): APIPromise<StateList<PlacementGroupState>> {
    return APIPromise.run(() => this.#list<PlacementGroupState>('/api/v0/placement_groups', options));
  }

  /** Worker and driver processes (`/api/v0/workers`). */
  workers(options: StateListOptions = {}): APIPromise<StateList<WorkerState>> {
    return APIPromise.run(() => this.#list<WorkerState>('/api/v0/workers', options));
  }

  /** The node with this `node_id`, with its detail columns. @throws {NotFoundError} none. */
  getNode(id: string, options: ByIdOptions = {}): APIPromise<NodeState> {
    return APIPromise.run(() => this.#one<NodeState>('/api/v0/nodes', 'node_id', id, 'Node', options));
  }

  /**
   * The task with this `task_id`, with its detail columns: its latest attempt when it was
   * retried (highest `attempt_number`). @throws {NotFoundError} none.
   */
  getTask(id: string, options: ByIdOptions = {}): APIPromise<TaskState> {
    return APIPromise.run(async () => {
      const { data: rows, response } = await this.#matching<TaskState>('/api/v0/tasks', 'task_id', id, 'Task', options);
      return { data: rows.reduce((a, b) => ((b.attempt_number ?? 0) > (a.attempt_number ?? 0) ? b : a)), response };
    });
  }

  /** The actor with this `actor_id`, with its detail columns. @throws {NotFoundError} none. */
  getActor(id: string, options: ByIdOptions = {}): APIPromise<ActorState> {
    return APIPromise.run(() => this.#one<ActorState>('/api/v0/actors', 'actor_id', id, 'Actor', options));
  }

  /**
   * The job with this Ray `job_id` (`03000000`) or, failing that, this `submission_id`, in the
   * state API's columns. (For the full record use `jobs.get`.) @throws {NotFoundError} none.
   */
  getJob(id: string, options: ByIdOptions = {}): APIPromise<StateJob> {
    return APIPromise.run(async () => {
      try {
        return await this.#one<StateJob>('/api/v0/jobs', 'job_id', id, 'Job', options);
      } catch (err) {
        if (!(err instanceof NotFoundError)) throw err;
        return this.#one<StateJob>('/api/v0/jobs', 'submission_id', id, 'Job', options);
      }
    });
  }

  /** The placement group with this `placement_group_id`. @throws {NotFoundError} none. */
  getPlacementGroup(id: string, options: ByIdOptions = {}): APIPromise<PlacementGroupState> {
    return APIPromise.run(() => this.#one<PlacementGroupState>('/api/v0/placement_groups', 'placement_group_id', id, 'Placement group', options));
  }

  /** The worker with this `worker_id`. @throws {NotFoundError} none. */
  getWorker(id: string, options: ByIdOptions = {}): APIPromise<WorkerState> {
    return APIPromise.run(() => this.#one<WorkerState>('/api/v0/workers', 'worker_id', id, 'Worker', options));
  }

  async #one<Row>(path: StatePath, key: string, id: string, what: string, options: ByIdOptions): Promise<WithResponse<Row>> {
    const { data: rows, response } = await this.#matching<Row>(path, key, id, what, options);
    return { data: rows[0]!, response };
  }

  async #matching<Row>(path: StatePath, key: string, id: string, what: string, options: ByIdOptions): Promise<WithResponse<Row[]>> {
    checkName(id, `${what.toLowerCase()} ID`);
    const { data: list, response } = await this.#list<Row>(path, { ...options, filters: [[key, '=', id]], detail: options.detail ?? true });
    if (!list.rows.length) {
      throw new NotFoundError(`${what} ${id} not found (no row with ${key}=${id})`, { statusCode: 404, code: 'NOT_FOUND' });
    }
    return { data: list.rows, response };
  }

  async #list<Row>(path: StatePath, options: StateListOptions): Promise<WithResponse<StateList<Row>>> {
    const { filters, limit, detail, timeout, ...call } = options;
    const query: Record<string, unknown> = {};
    if (limit !== undefined) query.limit = checkInt(limit, 'limit', 1, MAX_STATE_LIMIT);
    if (detail !== undefined) {
      if (typeof detail !== 'boolean') invalid(`detail must be a boolean, got ${shown(detail)}`);
      query.detail = detail;
    }
    let httpTimeout: number | undefined;
    if (timeout !== undefined) {
      const ms = checkInt(timeout, 'timeout (ms)', 1, 86_400_000);
      const seconds = Math.max(2, Math.ceil(ms / 1000)); // Ray wants whole seconds, at least 2
      query.timeout = seconds;
      httpTimeout = seconds * 1000 + HTTP_MARGIN_MS;
    }
    const triples = normalizeFilters(filters);
    if (triples.length) {
      query.filter_keys = triples.map((f) => f[0]);
      query.filter_predicates = triples.map((f) => f[1]);
      query.filter_values = triples.map((f) => String(f[2]));
    }
    const init = this.#t.init({ ...call, ...(httpTimeout ? { timeout: httpTimeout } : {}) });
    // The six paths share one query and envelope shape; the row type is narrowed by the caller.
    const get = this.#t.client.GET as unknown as (p: StatePath, o: object) => Promise<{ data?: Envelope<Row>; error?: unknown; response: Response }>;
    const { data: envelope, response } = answer(await get(path, { params: { query }, ...init }));
    if (!envelope || envelope.result !== true || !envelope.data?.result) {
      throw new ServerError(this.#t.secrets.redact(`${path}: ${envelope?.msg || 'the state API answered without a result'}`), { statusCode: 500, detail: envelope });
    }
    const r = envelope.data.result;
    const data: StateList<Row> = {
      rows: r.result ?? [],
      total: r.total,
      numAfterTruncation: r.num_after_truncation,
      numFiltered: r.num_filtered,
      partialFailureWarning: r.partial_failure_warning ?? '',
      warnings: r.warnings ?? [],
    };
    return { data, response };
  }
}

/** Options of `state.get*(id)`: a listing's options without `filters` / `limit`; `detail` defaults to `true`. */
export type ByIdOptions = Omit<StateListOptions, 'filters' | 'limit'>;

const PREDICATES = new Set(['=', '!=']);

/** Checks filters and turns an object form into `=` triples. */
function normalizeFilters(filters: StateListOptions['filters']): StateFilter[] {
  if (filters === undefined) return [];
  const list: StateFilter[] = Array.isArray(filters)
    ? [...(filters as readonly StateFilter[])]
    : filters && typeof filters === 'object'
      ? Object.entries(filters).map(([k, v]) => [k, '=', v] as const)
      : invalid('filters must be [key, "=" | "!=", value] triples or an object {key: value}');
  for (const f of list) {
    if (!Array.isArray(f) || f.length !== 3) invalid(`a filter must be [key, "=" | "!=", value], got ${JSON.stringify(f)}`);
    const [key, predicate, value] = f;
    if (typeof key !== 'string' || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) invalid(`filter key must be a column name, got ${JSON.stringify(key)}`);
    if (!PREDICATES.has(predicate)) invalid(`filter predicate must be "=" or "!=", got ${JSON.stringify(predicate)}`);
    if (!['string', 'number', 'boolean'].includes(typeof value)) invalid(`filter value for ${key} must be a string, number or boolean`);
  }
  return list;
}
