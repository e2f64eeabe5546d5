/**
 * `agentwire ray …`: a Ray cluster's dashboard, spoken to directly (`RayClient`) — what `ray job submit`, `ray job logs -f`, `ray job status|stop|list` and
 * `ray list nodes|tasks` users expect. Connection: `--address`/`RAY_DASHBOARD_ADDRESS` (or an
 * http(s) `RAY_ADDRESS`), `--token`/`RAY_AUTH_TOKEN`.
 */
import type { Command } from 'commander';
import type { JobDetails, StateFilter, StateList, StateListOptions } from '../../ray/index.js';
import { intArg, collect, parseJsonObject } from '../args.js';
import { rayClient, rayOptions, type RayConnection } from '../connect.js';
import type { Cli, Session } from '../context.js';
import { RemoteFailure } from '../errors.js';
import { drain } from '../stream.js';
import { jobFields, jobTable, nodeFields, nodeTable, taskFields, taskTable } from '../ray-views.js';
import { invalid } from '../../core/validate.js';

const ENV_HELP = `
Environment:
  RAY_DASHBOARD_ADDRESS  the dashboard, e.g. http://127.0.0.1:8265 (--address)
  RAY_ADDRESS            used when it is an http(s) URL (not ray:// or host:6379)
  RAY_AUTH_TOKEN         Ray's auth token (Ray >= 2.52 with token auth) (--token)`;

function rayCommand(parent: Command, spec: string, description: string): Command {
  return rayOptions(parent.command(spec).description(description)).addHelpText('after', ENV_HELP);
}

/**
 * The entrypoint words after `--` as one shell command, each word quoted as Python's
 * `shlex.quote` does (what `ray job submit` sends): `-- python train.py --lr 0.1` stays as is,
 * `-- python -c 'print(1)'` keeps its quotes. As with Ray, do not wrap the whole command in quotes.
 */
export function shellJoin(words: readonly string[]): string {
  return words.map((w) => (w === '' ? "''" : /[^\w@%+=:,./-]/.test(w) ? `'${w.replace(/'/g, `'"'"'`)}'` : w)).join(' ');
}

/** `key=value` / `key!=value` → a state filter. */
function parseFilter(text: string): StateFilter {
  const m = /^([^!=\s]+)\s*(!=|=)\s*(.*)$/.exec(text);
  if (!m) invalid(`--filter must look like key=value or key!=value, got ${JSON.stringify(text)}`);
  return [m[1]!, m[2] as '=' | '!=', m[3]!];
}

interface StateFlags extends RayConnection {
  limit?: number;
  filter?: string[];
  detail?: boolean;
}

function stateOptions(o: StateFlags, signal: AbortSignal): StateListOptions {
  return {
    signal,
    ...(o.limit === undefined ? {} : { limit: o.limit }),
    ...(o.detail ? { detail: true } : {}),
    ...(o.filter?.length ? { filters: o.filter.map(parseFilter) } : {}),
  };
}

/** The notes a state listing deserves: cut by `--limit`, truncated by Ray, partial answers. */
function stateNotes(s: Session, list: StateList<unknown>): void {
  if (list.numFiltered > list.rows.length) s.out.note(`showing ${list.rows.length} of ${list.numFiltered} (raise --limit to see more)`);
  if (list.total > list.numAfterTruncation) s.out.warn(`Ray truncated the list: ${list.numAfterTruncation} of ${list.total} rows were considered`);
  if (list.partialFailureWarning) s.out.warn(list.partialFailureWarning.trim());
  for (const w of list.warnings) s.out.warn(w);
}

function stateCommand(parent: Command, spec: string, description: string): Command {
  return rayCommand(parent, spec, description)
    .option('--limit <n>', 'most rows (1-10000; Ray default 100)', intArg(1, 10_000))
    .option('--filter <key=value>', 'only rows where key=value (or key!=value); repeatable', collect)
    .option('--detail', 'include the detail columns');
}

/** Registers `ray submit|logs|jobs|status|stop|nodes|tasks` on `program`. */
export function registerRay(program: Command, cli: Cli): void {
  const ray = program.command('ray').description('a Ray cluster through its dashboard: submit, follow, stop jobs; nodes, tasks').addHelpText('after', ENV_HELP);

  rayCommand(ray, 'submit', 'submit a job: agentwire ray submit [options] -- <entrypoint…>')
    .argument('<entrypoint...>', 'the command to run, after "--" (each word is shell-quoted, as ray job submit does)')
    .option('--wait', 'follow the log until the job ends, then exit 0 if it SUCCEEDED, 9 if it FAILED or was STOPPED')
    .option('--submission-id <id>', 'your id for the job (Ray generates raysubmit_… otherwise)')
    .option('--runtime-env <json>', 'Ray runtime environment as JSON, e.g. \'{"pip": ["requests"]}\'')
    .option('--metadata <json>', 'string labels as JSON, e.g. \'{"team": "ml"}\'')
    .option('--entrypoint-num-cpus <n>', 'CPUs reserved for the entrypoint', Number)
    .option('--entrypoint-num-gpus <n>', 'GPUs reserved for the entrypoint', Number)
    .option('--entrypoint-memory <bytes>', 'memory reserved for the entrypoint, bytes', intArg(0, Number.MAX_SAFE_INTEGER))
    .addHelpText('after', '\nExample:\n  agentwire ray submit --wait --runtime-env \'{"pip": ["torch"]}\' -- python train.py --epochs 3')
    .action(async (words: string[], o: RayConnection & { wait?: boolean; submissionId?: string; runtimeEnv?: string; metadata?: string; entrypointNumCpus?: number; entrypointNumGpus?: number; entrypointMemory?: number }, cmd: Command) => {
      const s = cli.session(cmd);
      const runtimeEnv = o.runtimeEnv === undefined ? undefined : parseJsonObject(o.runtimeEnv, '--runtime-env');
      const metadata = o.metadata === undefined ? undefined : (parseJsonObject(o.metadata, '--metadata') as Record<string, string>);
      const client = await rayClient(s, o);
      const params = {
        entrypoint: shellJoin(words),
        ...(o.submissionId === undefined ? {} : { submissionId: o.submissionId }),
        ...(runtimeEnv === undefined ? {} : { runtimeEnv }),
        ...(metadata === undefined ? {} : { metadata }),
        ...(o.entrypointNumCpus === undefined ? {} : { entrypointNumCpus: o.entrypointNumCpus }),
        ...(o.entrypointNumGpus === undefined ? {} : { entrypointNumGpus: o.entrypointNumGpus }),
        ...(o.entrypointMemory === undefined ? {} : { entrypointMemory: o.entrypointMemory }),
      };
      const submitted = await s.out.waiting('submitting the job…', () => client.jobs.submit(params, { signal: s.signal }));
      const id = submitted.submission_id;
      if (!o.wait) {
        if (s.json) return s.out.document(submitted);
        s.out.line(`Job '${id}' submitted successfully`);
        s.out.note(`follow its log:  agentwire ray logs ${id} --follow`);
        s.out.note(`its status:      agentwire ray status ${id}`);
        s.out.note(`stop it:         agentwire ray stop ${id}`);
        return;
      }
      if (s.json) s.out.record({ type: 'submitted', ...submitted });
      else {
        s.out.line(`Job '${id}' submitted successfully`);
        s.out.note('Tailing logs until the job exits (Ctrl-C stops following; the job keeps running):');
      }
      await drain(s, client.jobs.tail(id, { signal: s.signal }), (line) => (s.json ? s.out.record({ type: 'log', line }) : s.out.line(line)), 'waiting for the job to log…');
      const job = await s.out.waiting('waiting for the final status…', () => client.jobs.wait(id, { signal: s.signal }));
      finalStatus(s, job);
    });

  rayCommand(ray, 'logs <job>', "print a job's log; --follow streams it live until the job ends (Ctrl-C to stop)")
    .option('-f, --follow', 'follow the log live (reconnects without repeating lines)')
    .action(async (id: string, o: RayConnection & { follow?: boolean }, cmd: Command) => {
      const s = cli.session(cmd);
      const client = await rayClient(s, o);
      if (!o.follow) {
        const logs = await s.out.waiting('reading the log…', () => client.jobs.logs(id, { signal: s.signal }));
        if (s.json) s.out.document({ logs });
        else s.out.write(logs); // as Ray stored it: no newline added
        return;
      }
      const tail = client.jobs.tail(id, { signal: s.signal });
      await drain(s, tail, (line) => (s.json ? s.out.record({ line }) : s.out.line(line)), `waiting for the log of ${id}…`);
    });

  rayCommand(ray, 'jobs', 'list every job the cluster knows (newest first)').action(async (o: RayConnection, cmd: Command) => {
    const s = cli.session(cmd);
    const client = await rayClient(s, o);
    const list = await s.out.waiting('listing jobs…', () => client.jobs.list({ signal: s.signal }));
    if (s.json) s.out.document(list);
    else jobTable(s.out, list);
  });

  rayCommand(ray, 'status <job>', 'show a job (submission id or job id)').action(async (id: string, o: RayConnection, cmd: Command) => {
    const s = cli.session(cmd);
    const client = await rayClient(s, o);
    const job = await s.out.waiting('reading the job…', () => client.jobs.get(id, { signal: s.signal }));
    if (s.json) s.out.document(job);
    else jobFields(s.out, job);
  });

  rayCommand(ray, 'stop <job>', 'ask a job to stop; --wait until it has')
    .option('--wait', 'wait until the job is terminal and show its final status')
    .action(async (id: string, o: RayConnection & { wait?: boolean }, cmd: Command) => {
      const s = cli.session(cmd);
      const client = await rayClient(s, o);
      const stopped = await s.out.waiting('stopping…', () => client.jobs.stop(id, { signal: s.signal }));
      if (!o.wait) {
        if (s.json) s.out.document({ stopped });
        else s.out.line(stopped ? `Stop requested for job '${id}' (it may read RUNNING for a few more seconds)` : `Job '${id}' had already ended: nothing to stop`);
        return;
      }
      const job = await s.out.waiting(`waiting for job '${id}' to stop…`, () => client.jobs.wait(id, { signal: s.signal }));
      if (s.json) s.out.document({ stopped, job });
      else s.out.line(`Job '${id}' ended: ${job.status}`);
    });

  stateCommand(ray, 'nodes [node]', 'list the nodes (state API), or show one').action(async (id: string | undefined, o: StateFlags, cmd: Command) => {
    const s = cli.session(cmd);
    const client = await rayClient(s, o);
    if (id !== undefined) {
      const node = await s.out.waiting('reading the node…', () => client.state.getNode(id, { signal: s.signal }));
      return s.json ? s.out.document(node) : nodeFields(s.out, node);
    }
    const list = await s.out.waiting('listing nodes…', () => client.state.nodes(stateOptions(o, s.signal)));
    if (s.json) return s.out.document(list);
    nodeTable(s.out, list.rows);
    stateNotes(s, list);
  });

  stateCommand(ray, 'tasks [task]', 'list the task attempts (state API), or show one').action(async (id: string | undefined, o: StateFlags, cmd: Command) => {
    const s = cli.session(cmd);
    const client = await rayClient(s, o);
    if (id !== undefined) {
      const task = await s.out.waiting('reading the task…', () => client.state.getTask(id, { signal: s.signal }));
      return s.json ? s.out.document(task) : taskFields(s.out, task);
    }
    const list = await s.out.waiting('listing tasks…', () => client.state.tasks(stateOptions(o, s.signal)));
    if (s.json) return s.out.document(list);
    taskTable(s.out, list.rows);
    stateNotes(s, list);
  });
}

/** After `submit --wait`: the final status; a job that did not succeed ends the command with exit 9. */
function finalStatus(s: Session, job: JobDetails): void {
  const id = job.submission_id ?? job.job_id ?? '?';
  if (s.json) s.out.record({ type: 'status', job });
  if (job.status === 'SUCCEEDED') {
    if (!s.json) s.out.line(`Job '${id}' succeeded`);
    return;
  }
  const reason = job.message?.trim();
  throw new RemoteFailure(`Job '${id}' ${job.status === 'STOPPED' ? 'was stopped' : 'failed'}${reason ? `: ${reason}` : ''}`);
}
