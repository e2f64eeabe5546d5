/**
 * The agent API part of the `npm start` tour (PROTOCOLS.md §1): health, jobs, one job, its log
 * tailed live over WebSocket, over HTTP, and with `auto` while the WebSocket is refused (the
 * fallback), then a 404 caught as `NotFoundError`.
 *
 * Against the embedded mock (Prism + the captured Ray tail frames), or a real agent when
 * `AGENT_URL` and `AGENT_TOKEN` are set (`AGENT_USER_TOKEN`, `AGENT_TENANT` optional, and
 * `AGENT_JOB` to choose the job to tail); against a real server the tour skips the mock's
 * scenario tricks and stops each tail after 20 lines or 15 s.
 */
import { AgentClient, NotFoundError, type Job, type JobLogTail } from '../../src/agent/index.js';
import type { Say } from './printer.js';
import type { DemoSection } from './types.js';

/** The job of the captured tail (ws-tail-frames.txt): the mock replays its frames. */
const CAPTURED_JOB = 'raysubmit_NRBzaQRtepYZud2i';
const REAL_TAIL_LINES = 20;
const REAL_TAIL_MS = 15_000;

export const section: DemoSection = {
  title: 'Agent API: jobs and live log tails (WebSocket, HTTP, auto)',
  realWhen: ['AGENT_URL', 'AGENT_TOKEN'],
  async run(say, mock) {
    const env = process.env;
    const agent = mock
      ? new AgentClient({ baseUrl: mock.urls.agent, agentToken: 'demo-agent-token' })
      : new AgentClient({ baseUrl: env.AGENT_URL!, agentToken: env.AGENT_TOKEN!, userToken: env.AGENT_USER_TOKEN, tenant: env.AGENT_TENANT });
    say.line(`agent at ${agent.baseUrl}${mock ? ' (the embedded mock)' : ''}: ${JSON.stringify(agent)}`);

    say.step('healthCheck() — GET health/');
    say.data(await agent.healthCheck());

    say.step('listJobs() — GET jobs/ (Ray job records, times in epoch ms)');
    const jobs = await agent.listJobs();
    for (const job of jobs.slice(0, 8)) say.line(describeJob(job));
    if (jobs.length > 8) say.line(`… and ${jobs.length - 8} more`);
    if (!jobs.length) say.line('(no jobs)');

    const first = jobs[0];
    const firstId = first?.submission_id ?? first?.job_id;
    if (firstId) {
      say.step(`getJob('${firstId}') — GET jobs/{id}/`);
      const job = await agent.getJob(firstId);
      say.line(describeJob(job));
      if (job.message) say.line(`message: ${job.message.split('\n')[0]}`);
    }

    const tailId = mock ? CAPTURED_JOB : (env.AGENT_JOB ?? firstId);
    if (!tailId) {
      say.caught('no job to tail: set AGENT_JOB');
      return;
    }
    const limits = mock ? {} : { signal: AbortSignal.timeout(REAL_TAIL_MS) };

    say.step(`websocketTailJobLogs('${tailId}') — ${agent.baseUrl.replace(/^http/, 'ws')}/jobs/{id}/logs/`);
    say.line(mock ? 'the captured Ray frames, one batch every 300 ms: lines arrive as Ray sent them' : `up to ${REAL_TAIL_LINES} lines`);
    await showTail(say, agent.websocketTailJobLogs(tailId, limits), mock ? Infinity : REAL_TAIL_LINES, true);

    say.step(`streamTailJobLogs('${tailId}') — GET jobs/{id}/logs/stream/ (chunked lines, data: events)`);
    await showTail(say, agent.streamTailJobLogs(tailId, limits), mock ? Infinity : REAL_TAIL_LINES, false);

    if (mock) {
      say.step("tailJobLogs(id, { protocol: 'auto' }) while the WebSocket is refused with 503");
      mock.setScenario('agent', { refuse: 503 }, { times: 1 });
    } else {
      say.step("tailJobLogs(id, { protocol: 'auto' }) — WebSocket first, HTTP on a 5xx");
    }
    const auto = agent.tailJobLogs(tailId, { protocol: 'auto', ...limits });
    await showTail(say, auto, mock ? Infinity : REAL_TAIL_LINES, false);
    if (auto.fallbackReason) say.ok(`fell back to HTTP after: ${auto.fallbackReason.name} ${auto.fallbackReason.statusCode} — ${auto.fallbackReason.message}`);
    else say.ok(`served over ${auto.protocol}`);

    // The mock answers as the capture does after Ray deleted rayrig_long_1 (rest-api.txt).
    const missing = mock ? 'rayrig_long_1' : 'raysubmit_doesnotexist';
    say.step(`getJob('${missing}') — ${mock ? 'once Ray has deleted it (the mock answers Prefer: code=404)' : 'an unknown job'}`);
    try {
      await agent.getJob(missing, mock ? { headers: { Prefer: 'code=404' } } : undefined);
      say.line('(the server has a job of that name)');
    } catch (err) {
      if (!(err instanceof NotFoundError)) throw err;
      say.caught(`${err.name} (${err.statusCode}): ${err.message}`);
    }

    say.step("getJob('../etc') — caught before any request");
    try {
      await agent.getJob('../etc');
    } catch (err) {
      say.caught(`${(err as Error).name} (${(err as { statusCode?: number }).statusCode}): ${(err as Error).message}`);
    }
  },
};

function describeJob(job: Job): string {
  const id = job.submission_id ?? job.job_id ?? '?';
  const started = job.start_time ? new Date(job.start_time).toISOString() : '—';
  const took = job.start_time && job.end_time ? ` (${((job.end_time - job.start_time) / 1000).toFixed(1)} s)` : '';
  return `${id.padEnd(28)} ${job.status.padEnd(9)} started ${started}${took}  ${JSON.stringify(job.entrypoint.split('\n')[0])}`;
}

/** Prints a tail's lines as they arrive (all, or the first 3 and a count), with their arrival time. */
async function showTail(say: Say, tail: JobLogTail, maxLines: number, everyLine: boolean): Promise<void> {
  const started = performance.now();
  const at = () => `+${String(Math.round(performance.now() - started)).padStart(5)} ms`;
  let n = 0;
  try {
    for await (const line of tail) {
      n++;
      if (everyLine || n <= 3) say.line(`${at()}  ${line}`);
      else if (n === 4) say.line('         …');
      if (n >= maxLines) break;
    }
  } catch (err) {
    if ((err as Error).name !== 'TimeoutError') throw err;
    say.line(`(stopped after ${Math.round(performance.now() - started)} ms)`);
  }
  say.ok(`${n} lines over ${tail.protocol} in ${Math.round(performance.now() - started)} ms`);
}
