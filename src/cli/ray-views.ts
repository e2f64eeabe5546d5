/**
 * Human views of Ray's records — jobs, nodes, tasks, Serve applications — shared by the agent
 * group (the agent server relays Ray's records) and the `ray` group (the
 * dashboard's own, §4). Times: job `start_time`/`end_time` and node `start_time_ms` are epoch
 * ms, Serve's `*_time_s` epoch seconds; all shown in local time.
 */
import { between, bytes, localTime, NONE, opt, pairs, short, statusStyle, text } from './format.js';
import type { Column, Output } from './output.js';

/** The fields of a Ray job record the views read (agent `Job` and Ray `JobDetails` both have them). */
export interface JobRecord {
  type?: string | null;
  job_id?: string | null;
  submission_id?: string | null;
  status?: string | null;
  entrypoint?: string | null;
  message?: string | null;
  error_type?: string | null;
  start_time?: number | null;
  end_time?: number | null;
  metadata?: Record<string, string> | null;
  runtime_env?: Record<string, unknown> | null;
  driver_node_id?: string | null;
  driver_exit_code?: number | null;
}

const JOB_COLUMNS: Column<JobRecord>[] = [
  { title: 'SUBMISSION ID', value: (j) => text(j.submission_id) },
  { title: 'JOB ID', value: (j) => text(j.job_id) },
  { title: 'STATUS', value: (j) => text(j.status), style: (j) => statusStyle(j.status) },
  { title: 'START', value: (j) => localTime(j.start_time) },
  { title: 'END', value: (j) => localTime(j.end_time) },
  { title: 'DURATION', value: (j) => between(j.start_time, j.end_time) },
  { title: 'ENTRYPOINT', value: (j) => short(j.entrypoint, 50) },
];

/** Jobs as a table, newest first. */
export function jobTable(out: Output, jobs: readonly JobRecord[]): void {
  const sorted = [...jobs].sort((a, b) => (b.start_time ?? 0) - (a.start_time ?? 0));
  out.table(JOB_COLUMNS, sorted, 'no jobs');
}

/** One job as a key/value list. */
export function jobFields(out: Output, j: JobRecord): void {
  out.fields([
    ['submission id', opt(j.submission_id)],
    ['job id', text(j.job_id)],
    ['type', opt(j.type)],
    ['status', text(j.status), statusStyle(j.status)],
    ['entrypoint', opt(j.entrypoint)],
    ['message', opt(j.message?.trimEnd())],
    ['error type', opt(j.error_type)],
    ['start', localTime(j.start_time)],
    ['end', localTime(j.end_time)],
    ['duration', j.end_time ? between(j.start_time, j.end_time) : undefined],
    ['exit code', opt(j.driver_exit_code)],
    ['metadata', pairs(j.metadata)],
    ['runtime env', j.runtime_env ? JSON.stringify(j.runtime_env) : undefined],
    ['driver node', opt(j.driver_node_id)],
  ]);
}

/** The fields of a Ray node the views read (agent `Node`, Ray `NodeState`). */
export interface NodeRecord {
  node_id: string;
  node_ip?: string;
  node_name?: string;
  is_head_node?: boolean;
  state?: string;
  state_message?: string | null;
  resources_total?: Record<string, number>;
  labels?: Record<string, string>;
  start_time_ms?: number | null;
  end_time_ms?: number | null;
}

const NODE_COLUMNS: Column<NodeRecord>[] = [
  { title: 'NODE ID', value: (n) => n.node_id },
  { title: 'IP', value: (n) => text(n.node_ip) },
  { title: 'HEAD', value: (n) => (n.is_head_node ? 'yes' : '') },
  { title: 'STATE', value: (n) => text(n.state), style: (n) => statusStyle(n.state) },
  { title: 'CPU', value: (n) => text(n.resources_total?.CPU) },
  { title: 'GPU', value: (n) => text(n.resources_total?.GPU) },
  { title: 'MEMORY', value: (n) => bytes(n.resources_total?.memory) },
];

/** Nodes as a table. */
export function nodeTable(out: Output, nodes: readonly NodeRecord[]): void {
  out.table(NODE_COLUMNS, nodes, 'no nodes');
}

/** One node as a key/value list. */
export function nodeFields(out: Output, n: NodeRecord): void {
  const resources = Object.entries(n.resources_total ?? {})
    .filter(([k]) => !k.startsWith('node:'))
    .map(([k, v]) => `${k}=${/memory/.test(k) ? bytes(v) : v}`)
    .join(', ');
  out.fields([
    ['node id', n.node_id],
    ['name', opt(n.node_name)],
    ['ip', opt(n.node_ip)],
    ['head', n.is_head_node ? 'yes' : 'no'],
    ['state', text(n.state), statusStyle(n.state)],
    ['state message', opt(n.state_message)],
    ['resources', resources || undefined],
    ['labels', pairs(n.labels)],
    ['start', n.start_time_ms ? localTime(n.start_time_ms) : undefined],
    ['end', n.end_time_ms ? localTime(n.end_time_ms) : undefined],
  ]);
}

/** The fields of a Ray task the views read (agent `Task`, Ray `TaskState`). */
export interface TaskRecord {
  task_id: string;
  attempt_number?: number;
  name?: string;
  state?: string;
  job_id?: string;
  type?: string;
  func_or_class_name?: string;
  node_id?: string | null;
  worker_pid?: number | null;
  error_type?: string | null;
  error_message?: string | null;
  start_time_ms?: number | null;
  end_time_ms?: number | null;
}

const TASK_COLUMNS: Column<TaskRecord>[] = [
  { title: 'TASK ID', value: (t) => t.task_id },
  { title: 'ATTEMPT', value: (t) => text(t.attempt_number) },
  { title: 'NAME', value: (t) => text(t.name) },
  { title: 'STATE', value: (t) => text(t.state), style: (t) => statusStyle(t.state) },
  { title: 'JOB ID', value: (t) => text(t.job_id) },
  { title: 'TYPE', value: (t) => text(t.type) },
  { title: 'PID', value: (t) => text(t.worker_pid) },
];

/** Tasks as a table. */
export function taskTable(out: Output, tasks: readonly TaskRecord[]): void {
  out.table(TASK_COLUMNS, tasks, 'no tasks');
}

/** One task as a key/value list. */
export function taskFields(out: Output, t: TaskRecord): void {
  out.fields([
    ['task id', t.task_id],
    ['attempt', opt(t.attempt_number)],
    ['name', opt(t.name)],
    ['function', opt(t.func_or_class_name)],
    ['state', text(t.state), statusStyle(t.state)],
    ['type', opt(t.type)],
    ['job id', opt(t.job_id)],
    ['node id', opt(t.node_id)],
    ['worker pid', opt(t.worker_pid)],
    ['error type', opt(t.error_type)],
    ['error', opt(t.error_message)],
    ['start', t.start_time_ms ? localTime(t.start_time_ms) : undefined],
    ['end', t.end_time_ms ? localTime(t.end_time_ms) : undefined],
    ['duration', t.start_time_ms && t.end_time_ms ? between(t.start_time_ms, t.end_time_ms) : undefined],
  ]);
}

/** The fields of a Serve application the views read. */
export interface ServeAppRecord {
  name: string;
  route_prefix?: string | null;
  status?: string;
  message?: string;
  last_deployed_time_s?: number;
  deployments?: Record<string, { status?: string; replicas?: unknown[] }>;
}

const SERVE_COLUMNS: Column<ServeAppRecord>[] = [
  { title: 'NAME', value: (a) => a.name },
  { title: 'ROUTE', value: (a) => text(a.route_prefix) },
  { title: 'STATUS', value: (a) => text(a.status), style: (a) => statusStyle(a.status) },
  { title: 'DEPLOYMENTS', value: (a) => deployments(a) ?? NONE },
  { title: 'LAST DEPLOYED', value: (a) => localTime(a.last_deployed_time_s, 's') },
];

function deployments(a: ServeAppRecord): string | undefined {
  const entries = Object.entries(a.deployments ?? {});
  return entries.length ? entries.map(([name, d]) => `${name} (${d.status ?? '?'}, ${d.replicas?.length ?? 0} replica${d.replicas?.length === 1 ? '' : 's'})`).join(', ') : undefined;
}

/** Serve applications as a table. */
export function serveTable(out: Output, apps: readonly ServeAppRecord[]): void {
  out.table(SERVE_COLUMNS, apps, 'no Serve applications');
}

/** One Serve application as a key/value list. */
export function serveFields(out: Output, a: ServeAppRecord): void {
  out.fields([
    ['name', a.name],
    ['route', opt(a.route_prefix)],
    ['status', text(a.status), statusStyle(a.status)],
    ['message', opt(a.message)],
    ['deployments', deployments(a)],
    ['last deployed', localTime(a.last_deployed_time_s, 's')],
  ]);
}
