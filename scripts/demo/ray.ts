/**
 * The Ray part of the `npm start` tour: submit a job, follow its log to the end line by line,
 * read its status, list jobs and nodes, stop a long job, and what failures look like. Against
 * the embedded mock (Prism + the captured tail frames, paced as recorded), or a real Ray head
 * when `RAY_DASHBOARD_ADDRESS` or `RAY_ADDRESS` is its dashboard URL
 * (`RAY_ADDRESS=http://127.0.0.1:8265 npm start`); `RAY_AUTH_TOKEN` is used when set.
 */
import { NotFoundError, RayClient, ServerError, type JobDetails } from '../../src/ray/index.js';
import type { DemoSection } from './types.js';

/** A short job that prints ten numbers, a few a second (the shape of the captured live job). */
const ENTRYPOINT = 'python3 -c "import time\nfor i in range(10): print(i, flush=True); time.sleep(0.3)"';

const describeJob = (j: JobDetails) =>
  `${j.submission_id ?? j.job_id} ${j.status}${j.end_time && j.start_time ? ` in ${j.end_time - j.start_time} ms` : ''}: ${(j.message ?? '').split('\n')[0]}`;

export const section: DemoSection = {
  title: 'Ray: a cluster dashboard, directly',
  realWhen: ['RAY_DASHBOARD_ADDRESS', 'RAY_ADDRESS'],
  async run(say, mock) {
    // Against the mock the address is explicit (and no token), so nothing reaches a real cluster.
    const ray = mock ? new RayClient({ address: mock.urls.ray, token: undefined }) : new RayClient();
    const v = await ray.version();
    say.line(`dashboard ${ray.address}: Ray ${v.ray_version} (jobs API v${v.version}, ${v.session_name})`);

    say.step('jobs.submit({ entrypoint }) — POST /api/jobs/ without browser headers (Ray answers those 405)');
    const { submission_id: id } = await ray.jobs.submit({ entrypoint: ENTRYPOINT, metadata: { from: 'agentwire tour' } });
    say.ok(`submitted ${id}`);

    say.step(`jobs.tail("${id}") — the log, line by line, until the job ends and its log is drained`);
    const started = performance.now();
    let count = 0;
    for await (const line of ray.jobs.tail(id)) {
      count++;
      say.line(`+${String(Math.round(performance.now() - started)).padStart(5)} ms  ${line}`);
    }
    say.ok(`${count} lines; the socket closed, the job read terminal, so the tail ended`);

    say.step('jobs.wait(id) and jobs.get(id) — the terminal record (times in epoch ms)');
    const done = await ray.jobs.wait(id, { timeout: 60_000 });
    say.line(describeJob(done));

    say.step('jobs.list() — every job the cluster knows');
    const jobs = await ray.jobs.list();
    for (const j of jobs.slice(-5)) say.line(describeJob(j));
    if (jobs.length > 5) say.line(`… ${jobs.length - 5} more`);

    say.step('state.nodes() — the state API, with its counters');
    const nodes = await ray.state.nodes();
    for (const n of nodes.rows) say.line(`${n.node_id.slice(0, 12)}… ${n.node_ip} ${n.state}${n.is_head_node ? ' (head)' : ''} CPU=${n.resources_total.CPU ?? 0}`);
    say.line(`total ${nodes.total}, after filters ${nodes.numFiltered}${nodes.partialFailureWarning ? `, warning: ${nodes.partialFailureWarning}` : ''}`);

    say.step('A long job: submit, stop, wait for STOPPED, delete');
    // The mock answers from the spec's examples: ask for the captured `sleep 300` job's.
    const example = (name: string) => (mock ? { headers: { Prefer: `example=${name}` } } : {});
    const long = await ray.jobs.submit({ entrypoint: 'sleep 300' }, example('long'));
    say.line(`submitted ${long.submission_id}; stop → ${await ray.jobs.stop(long.submission_id)} (it may read RUNNING a few seconds more)`);
    const waiter = mock ? new RayClient({ address: mock.urls.ray, ...example('stopped') }) : ray;
    const stopped = await waiter.jobs.wait(long.submission_id, { timeout: 60_000, pollIntervalMs: 500 });
    say.line(describeJob(stopped));
    say.ok(`deleted: ${await ray.jobs.delete(long.submission_id)}`);
    if (!mock) say.ok(`deleted ${id}: ${await ray.jobs.delete(id)}`);

    say.step('Failures: an unknown job, refused before the WebSocket upgrade');
    try {
      for await (const line of ray.jobs.tail('raysubmit_doesnotexist')) say.line(line);
    } catch (err) {
      if (!(err instanceof NotFoundError)) throw err;
      say.caught(`${err.name} (${err.statusCode}): ${err.message}`);
    }

    if (!mock) return;
    say.step("Failures: Ray's traceback bodies become their exception's last line (the whole body stays on .detail)");
    try {
      await ray.jobs.submit({ entrypoint: 'sleep 1', submissionId: 'rayrig_long_1' }, { headers: { Prefer: 'code=500, example=duplicateSubmissionId' } });
    } catch (err) {
      if (!(err instanceof ServerError)) throw err;
      say.caught(`${err.name}: ${err.message}`);
      say.line(`detail: ${String(err.detail).split('\n').length} lines of traceback`);
    }

    say.step('A tail that drops mid-log (the mock cuts the connection after 2 frames, once): it reconnects, no line twice');
    mock.setScenario('ray', { dropAfter: 2, delayMs: 100 }, { times: 1 });
    const seen = new Set<string>();
    let repeated = 0;
    for await (const line of new RayClient({ address: mock.urls.ray, logLevel: 'info', logger: { ...console, info: (m) => say.caught(m) } }).jobs.tail(id, {})) {
      if (seen.has(line)) repeated++;
      seen.add(line);
    }
    say.ok(`${seen.size} distinct lines, ${repeated} repeated`);
  },
};
