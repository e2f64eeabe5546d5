/**
 * Hosted agent runs on an agntz worker (`HostedClient`): `run <agent>`
 * (one-shot, or `--stream`ed), `runs list|get|cancel|watch`, `traces list|get`. Connection:
 * `--api-key`/`AGNTZ_API_KEY`, `--url`/`AGNTZ_BASE_URL`.
 */
import type { Command } from 'commander';
import type { AgentStreamEvent, HostedClient, PagePromise, RunListParams, RunResult, RunStreamEvent, TraceListParams } from '../../hosted/index.js';
import { collect, intArg, parseJson } from '../args.js';
import { hostedClient, hostedOptions, type HostedConnection } from '../connect.js';
import type { Cli, Session } from '../context.js';
import { RemoteFailure } from '../errors.js';
import { humanValue } from '../format.js';
import { runEventLine, runFields, runTable, traceDetail, traceTable } from '../hosted-views.js';
import { drain } from '../stream.js';

const ENV_HELP = `
Environment:
  AGNTZ_API_KEY   API key (ar_live_…) (--api-key)
  AGNTZ_BASE_URL  the worker, default https://api.agntz.co (--url)`;

function hostedCommand(parent: Command, spec: string, description: string): Command {
  return hostedOptions(parent.command(spec).description(description)).addHelpText('after', ENV_HELP);
}

/** A wire event without its `raw` frame: what `--json` prints for each streamed event. */
function plain<E extends { raw?: unknown; type: string }>(event: E): Omit<E, 'raw'> {
  const { raw: _raw, type, ...rest } = event;
  return { type, ...rest } as unknown as Omit<E, 'raw'>;
}

interface ListFlags extends HostedConnection {
  agent?: string;
  status?: string;
  since?: string;
  until?: string;
  limit?: number;
  cursor?: string;
  all?: boolean;
  children?: boolean;
}

/** An instant flag: epoch ms digits become a number, anything else is left for the client to parse (ISO-8601). */
function instant(value: string | undefined): number | string | undefined {
  return value === undefined ? undefined : /^\d+$/.test(value.trim()) ? Number(value) : value;
}

function listParams(o: ListFlags): TraceListParams {
  const p: TraceListParams = {};
  if (o.agent !== undefined) p.agentId = o.agent;
  if (o.status !== undefined) p.status = o.status as TraceListParams['status'];
  if (o.since !== undefined) p.startedAfter = instant(o.since)!;
  if (o.until !== undefined) p.startedBefore = instant(o.until)!;
  if (o.limit !== undefined) p.limit = o.limit;
  if (o.cursor !== undefined) p.cursor = o.cursor;
  return p;
}

function listOptions(cmd: Command, what: string): Command {
  return cmd
    .option('--agent <id>', `only ${what} of this agent`)
    .option('--status <status>', `only ${what} with this status`)
    .option('--since <time>', `only ${what} started at or after this time (ISO-8601 or epoch ms)`)
    .option('--until <time>', `only ${what} started at or before this time (ISO-8601 or epoch ms)`)
    .option('--limit <n>', 'page size, 1-200 (worker default 50)', intArg(1, 200))
    .option('--cursor <cursor>', 'start at this page (the cursor a previous page printed)')
    .option('--all', 'every page, not just the first');
}

/** Prints a listing: one page (and how to get the next), or every page with `--all`. */
async function printList<Row>(s: Session, o: ListFlags, pages: () => PagePromise<Row>, table: (rows: Row[]) => void, what: string): Promise<void> {
  if (o.all) {
    const rows = await s.out.waiting(`listing ${what}…`, async () => {
      const all: Row[] = [];
      for await (const row of pages()) all.push(row);
      return all;
    });
    return s.json ? s.out.document({ rows }) : table(rows);
  }
  const page = await s.out.waiting(`listing ${what}…`, async () => await pages());
  if (s.json) return s.out.document(page.cursor === undefined ? { rows: page.rows } : { rows: page.rows, cursor: page.cursor });
  table(page.rows);
  if (page.cursor !== undefined) s.out.note(`more: add --cursor ${page.cursor} (or --all)`);
}

/** Prints the result of `POST /run` (or a stream's `complete`): the output on stdout, the details on stderr. */
function printResult(s: Session, result: RunResult | Omit<Extract<AgentStreamEvent, { type: 'complete' }>, 'raw'>): void {
  s.out.line(humanValue(result.output));
  const usage = result.usage as { totalTokens?: number; inputTokens?: number; outputTokens?: number } | undefined;
  const details = [
    `run ${result.runId}`,
    result.sessionId ? `session ${result.sessionId}` : undefined,
    result.model ? `model ${result.model}` : undefined,
    usage?.totalTokens === undefined ? undefined : `${usage.totalTokens} tokens (${usage.inputTokens ?? '?'} in, ${usage.outputTokens ?? '?'} out)`,
  ].filter(Boolean);
  s.out.note(details.join(' · '));
}

/** Registers `run`, `runs …` and `traces …` on `program`. */
export function registerHosted(program: Command, cli: Cli): void {
  hostedCommand(program, 'run <agent>', 'run a hosted agent and print its output (--stream: events as they happen)')
    .requiredOption('--input <json>', 'the input, as JSON: a string needs its quotes (\'"Hello"\')')
    .option('--stream', 'stream the run: replies as they are sent, then the output')
    .option('--session <id>', 'continue this conversation (a new run on a busy session cancels the old one)')
    .option('--context <grant>', 'a namespace grant such as app/user/u_123; repeatable', collect)
    .addHelpText('after', '\nExamples:\n  agentwire run support-agent --input \'"Where is my order?"\'\n  agentwire run support-agent --input \'{"query": "hi"}\' --stream --session sess_123')
    .action(async (agentId: string, o: HostedConnection & { input: string; stream?: boolean; session?: string; context?: string[] }, cmd: Command) => {
      const s = cli.session(cmd);
      const input = parseJson(o.input, '--input');
      const hosted = await hostedClient(s, o);
      const params = { agentId, input, signal: s.signal, ...(o.session === undefined ? {} : { sessionId: o.session }), ...(o.context === undefined ? {} : { context: o.context }) };
      if (!o.stream) {
        const result = await s.out.waiting(`running ${agentId}…`, () => hosted.agents.run(params));
        if (s.json) return s.out.document(result);
        for (const reply of result.replies ?? []) s.out.line(reply.text);
        return printResult(s, result);
      }
      const events = hosted.agents.stream(params);
      await drain(s, events, (event) => streamEvent(s, event), `running ${agentId}…`);
    });

  const runs = program.command('runs').description('durable hosted Runs: list, get, cancel, watch').addHelpText('after', ENV_HELP);

  listOptions(hostedCommand(runs, 'list', 'list Runs, newest first (one page; --all for every page)'), 'Runs')
    .option('--include-children', 'include child runs (default: root Runs only)')
    .action(async (o: ListFlags & { includeChildren?: boolean }, cmd: Command) => {
      const s = cli.session(cmd);
      const hosted = await hostedClient(s, o);
      const params: RunListParams = { ...(listParams(o) as RunListParams), ...(o.includeChildren ? { rootsOnly: false } : {}) };
      const list = () => hosted.runs.list(params, { signal: s.signal });
      await printList(s, o, list, (rows) => runTable(s.out, rows), 'runs');
    });

  hostedCommand(runs, 'get <run>', 'show a Run').action(async (id: string, o: HostedConnection, cmd: Command) => {
    const s = cli.session(cmd);
    const hosted = await hostedClient(s, o);
    const run = await s.out.waiting('reading the run…', () => hosted.runs.get(id, { signal: s.signal }));
    if (s.json) s.out.document(run);
    else runFields(s.out, run);
  });

  hostedCommand(runs, 'cancel <run>', 'ask a live Run (and its children) to stop').action(async (id: string, o: HostedConnection, cmd: Command) => {
    const s = cli.session(cmd);
    const hosted = await hostedClient(s, o);
    const run = await s.out.waiting('cancelling…', () => hosted.runs.cancel(id, { signal: s.signal }));
    if (s.json) s.out.document(run);
    else if (run.status === 'cancelled') s.out.line(`Run ${run.id} is cancelled`);
    else if (run.status === 'completed' || run.status === 'failed') s.out.line(`Run ${run.id} had already ended (${run.status}): nothing to cancel`);
    else s.out.line(`Cancel requested for run ${run.id} (status now ${run.status}; it becomes cancelled shortly)`);
  });

  hostedCommand(runs, 'watch <run>', "follow a Run's events (its child runs' too) until it ends; resumes after a dropped connection")
    .option('--since <seq>', 'start after this event number', intArg(0, Number.MAX_SAFE_INTEGER))
    .action(async (id: string, o: HostedConnection & { since?: number }, cmd: Command) => {
      const s = cli.session(cmd);
      const hosted = await hostedClient(s, o);
      const events = hosted.runs.stream(id, { signal: s.signal, ...(o.since === undefined ? {} : { since: o.since }) });
      let last: RunStreamEvent | undefined;
      await drain(s, events, (event) => {
        last = event;
        if (s.json) s.out.record(plain(event));
        else s.out.line(runEventLine(s.out, id, event));
      }, `waiting for events of ${id}…`);
      watchOutcome(id, last);
    });

  const traces = program.command('traces').description('traces of hosted Runs: list, get').addHelpText('after', ENV_HELP);

  listOptions(hostedCommand(traces, 'list', 'list trace summaries, newest first (one page; --all for every page)'), 'traces').action(async (o: ListFlags, cmd: Command) => {
    const s = cli.session(cmd);
    const hosted = await hostedClient(s, o);
    const list = () => hosted.traces.list(listParams(o), { signal: s.signal });
    await printList(s, o, list, (rows) => traceTable(s.out, rows), 'traces');
  });

  hostedCommand(traces, 'get <trace>', 'show a trace and its spans (a root Run’s trace id is its run id)').action(async (id: string, o: HostedConnection, cmd: Command) => {
    const s = cli.session(cmd);
    const hosted: HostedClient = await hostedClient(s, o);
    const trace = await s.out.waiting('reading the trace…', () => hosted.traces.get(id, { signal: s.signal }));
    if (s.json) s.out.document(trace);
    else traceDetail(s.out, trace);
  });
}

/** One `run --stream` event: `--json` one object per line; for people, replies and the output on stdout, the rest on stderr. */
function streamEvent(s: Session, event: AgentStreamEvent): void {
  if (s.json) s.out.record(plain(event));
  switch (event.type) {
    case 'start':
      if (!s.json) s.out.note(`run ${event.runId} started${event.sessionId ? ` (session ${event.sessionId})` : ''}`);
      break;
    case 'reply':
      if (!s.json) s.out.line(event.text);
      break;
    case 'client-tool-request':
      if (!s.json) s.out.warn(`the agent asked the caller to run the tool "${event.name}" (request ${event.requestId}); this command cannot answer it`);
      break;
    case 'complete':
      if (!s.json) printResult(s, plain(event));
      break;
    case 'error':
      throw new RemoteFailure(`the run failed: ${String(event.error)}`);
  }
}

/** How `runs watch` ends: 0 when the root Run completed, exit 9 when it failed or was cancelled. */
function watchOutcome(id: string, last: RunStreamEvent | undefined): void {
  if (!last) return;
  if (last.type === 'snapshot') {
    if (last.run.status === 'failed') throw new RemoteFailure(`run ${id} failed${last.run.error ? `: ${last.run.error}` : ''}`);
    if (last.run.status === 'cancelled') throw new RemoteFailure(`run ${id} was cancelled`);
    return;
  }
  if (last.type === 'run-error') throw new RemoteFailure(`run ${id} failed: ${String(last.error)}`);
  if (last.type === 'run-cancelled') throw new RemoteFailure(`run ${id} was cancelled`);
}
