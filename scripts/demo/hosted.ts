/**
 * The hosted-run part of the `npm start` tour: run an agent, stream one (replies as they
 * arrive, then the output), start a durable Run and follow its stream (child runs included),
 * list Runs across pages, read a trace, and what failures look like. Against the embedded mock
 * (Prism + the mock's SSE routes, all from `openapi/hosted.yaml`), or a real agntz worker when
 * `AGNTZ_BASE_URL` and `AGNTZ_API_KEY` are set (then `AGNTZ_AGENT_ID` names the agent, default
 * `echo-bot`).
 */
import { HostedClient, NotFoundError, StreamError } from '../../src/hosted/index.js';
import type { DemoSection } from './types.js';

export const section: DemoSection = {
  title: 'Hosted runs (agntz): run, stream, follow a Run, list, trace',
  realWhen: ['AGNTZ_BASE_URL', 'AGNTZ_API_KEY'],
  async run(say, mock) {
    // Against the mock the key is a throwaway and the URL explicit: no real key leaves the machine.
    const hosted = mock ? new HostedClient({ apiKey: 'ar_live_demo_not_a_secret', baseUrl: mock.urls.hosted }) : new HostedClient();
    const agentId = mock ? 'echo-bot' : (process.env.AGNTZ_AGENT_ID ?? 'echo-bot');
    // Against the mock, ask for the examples that show the most (a reply mid-stream).
    const example = (name: string) => (mock ? { headers: { prefer: `example=${name}` } } : {});
    const health = await hosted.health();
    say.line(`${hosted.baseUrl}: ${health.service} is ${health.status}`);

    say.step(`agents.run({ agentId: '${agentId}', input: 'hi there' }) — POST /run, waits for the result`);
    const result = await hosted.agents.run({ agentId, input: 'hi there' });
    say.ok(`output: ${JSON.stringify(result.output)}`);
    say.line(`session ${result.sessionId}, run ${result.runId}, ${result.usage.totalTokens} tokens on ${result.model}`);

    say.step('agents.stream(...) — POST /run/stream, events as they arrive');
    const started = performance.now();
    const at = () => `+${String(Math.round(performance.now() - started)).padStart(4)} ms`;
    for await (const event of hosted.agents.stream({ agentId, input: 'stream please', sessionId: result.sessionId }, example('withReply'))) {
      if (event.type === 'start') say.line(`${at()}  start   run ${event.runId} (${event.kind})`);
      if (event.type === 'reply') say.line(`${at()}  reply   ${JSON.stringify(event.text)}`);
      if (event.type === 'complete') say.ok(`${at()}  complete: ${JSON.stringify(event.output)}`);
      if (event.type === 'error') say.caught(`${at()}  error: ${event.error}`);
    }

    say.step('runs.start(...) then runs.stream(run.id) — a durable Run, followed with its child runs');
    const run = await hosted.runs.start({ agentId, input: 'durable hello' });
    say.line(`started ${run.id}: ${run.status}`);
    for await (const event of hosted.runs.stream(run.id)) {
      const who = event.type === 'snapshot' ? run.id : event.runId === run.id ? 'root' : `child ${event.runId}`;
      say.line(`seq ${'seq' in event ? event.seq : '-'}  ${event.type.padEnd(13)} ${who}`);
    }
    say.ok('the root run ended the stream (a child run-complete does not); a dropped connection resumes with ?since=<seq>');

    say.step('runs.list({ limit: 2 }) — every Run, page after page (cursor)');
    let n = 0;
    for await (const row of hosted.runs.list({ limit: 2 })) {
      say.line(`${row.id}  ${row.status.padEnd(9)} ${new Date(row.startedAt).toISOString()}  ${JSON.stringify(row.input)}`);
      if (++n >= 10) break;
    }

    say.step(`traces.get('${run.id}') — the span tree of the Run`);
    const trace = await hosted.traces.get(run.id);
    for (const span of trace.spans) say.line(`${span.kind.padEnd(8)} ${span.name.padEnd(18)} ${span.durationMs ?? '…'} ms  ${span.status}`);
    say.ok(`${trace.summary.spanCount} spans, ${trace.summary.totalTokens} tokens, ${trace.summary.durationMs} ms`);

    if (!mock) return;
    say.step('An unknown Run: NotFoundError (the mock answers Prefer: code=404)');
    try {
      await hosted.runs.get('run_nope', { headers: { prefer: 'code=404' } });
    } catch (err) {
      if (!(err instanceof NotFoundError)) throw err;
      say.caught(`${err.name}: ${err.message}`);
    }

    say.step('A connection dropped after 2 events (Prefer: drop-after=2): runs.stream resumes with ?since=2');
    const show = (m: string) => say.caught(m.replace(/^\[agentwire\] /, ''));
    const logged = new HostedClient({
      apiKey: 'ar_live_demo_not_a_secret',
      baseUrl: mock.urls.hosted,
      logLevel: 'debug',
      logger: { debug: show, info: show, warn: show, error: show },
    });
    for await (const event of logged.runs.stream(run.id, { headers: { prefer: 'drop-after=2' } })) {
      say.line(`seq ${'seq' in event ? event.seq : '-'}  ${event.type}`);
    }
    say.ok('every event once, none lost');

    say.step('A stream cut before its terminal event (Prefer: truncate): an error, not a silent success');
    try {
      for await (const event of hosted.agents.stream({ agentId, input: 'x' }, { headers: { prefer: 'truncate' } })) say.line(event.type);
    } catch (err) {
      if (!(err instanceof StreamError)) throw err;
      say.caught(`${err.name} [${err.code}]: ${err.message}`);
    }
  },
};
