/**
 * The calls every runtime makes against the mock server: Node (in vitest), a headless
 * Chromium page, Bun and Deno. Runtime-neutral on purpose: no Node built-in, no vitest, only
 * the four clients' public entry points and web globals, so the same module is bundled for a
 * browser and run as it is everywhere else.
 *
 * Each call returns a small JSON summary, and `runCalls` turns an exception into
 * `{ok: false, error}`; the tests compare every summary with {@link EXPECTED}.
 */
import { AgentClient, NotFoundError } from '../../src/agent/index.js';
import { HostedClient, ValidationError } from '../../src/hosted/index.js';
import { ClientError, RayClient } from '../../src/ray/index.js';
import { RunAgentClient } from '../../src/runagent/index.js';

/** Each API's base URL on the mock (`inject('mock').urls`). */
export type MockUrls = Record<'agent' | 'hosted' | 'runagent' | 'ray', string>;
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type Outcome = { ok: true; value: Json } | { ok: false; error: { name: string; message: string; statusCode?: number } };

const AGENT_JOB = 'raysubmit_NRBzaQRtepYZud2i';
const RAY_JOB = 'raysubmit_NRBzaQRtepYZud2i';
const RUNAGENT_ID = '14bc8f86-c108-485b-adb7-cf06f2831091';
/** An `ar_live_` key: a browser refuses it without `dangerouslyAllowBrowser`. */
const HOSTED_KEY = 'ar_live_runtimes_0123456789abcdef';
/** The cursor the mock's first page of runs ends with (the worker's captured page). */
const RUNS_PAGE_1_CURSOR = 'eyJzdGFydGVkQXQiOjE3OTUzMTg4ODU2NTIsImlkIjoicnVuX2lDWlhYWlhuLWo3ViJ9';
/** Frames at once where the request can carry a header (a browser WebSocket cannot). */
const FAST = { headers: { Prefer: 'delay=0' } };

const agent = (u: MockUrls) => new AgentClient({ baseUrl: u.agent, agentToken: 'agent_tok_runtimes', maxRetries: 0, logLevel: 'off' });
const hosted = (u: MockUrls) => new HostedClient({ baseUrl: u.hosted, apiKey: HOSTED_KEY, maxRetries: 0, dangerouslyAllowBrowser: true });
const runagent = (u: MockUrls) => new RunAgentClient({ agentId: RUNAGENT_ID, apiKey: 'ra_runtimes_key', baseUrl: u.runagent, maxRetries: 0, timeout: 10_000 });
const ray = (u: MockUrls, headers?: Record<string, string>) => new RayClient({ address: u.ray, maxRetries: 0, logLevel: 'off', headers });

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}
const lines = (all: string[]): Json => ({ count: all.length, first: all[0] ?? null, last: all.at(-1) ?? null });

async function autoTail(u: MockUrls): Promise<Json> {
  const tail = agent(u).tailJobLogs(AGENT_JOB, FAST);
  const all = await collect(tail);
  return { protocol: tail.protocol ?? null, ...(lines(all) as Record<string, Json>) };
}

/** The calls, by name; `only` marks a call that only a browser or only a server runtime makes. */
export const CALLS: Record<string, { run: (u: MockUrls) => Promise<Json>; only?: 'browser' | 'server' }> = {
  'agent listJobs': {
    run: async (u) => {
      const jobs = await agent(u).listJobs();
      return { count: jobs.length, first: jobs[0]?.submission_id ?? null };
    },
  },
  'agent getJob 404 is NotFoundError': {
    run: async (u) => {
      const err = await agent(u).getJob('raysubmit_missing', { headers: { Prefer: 'code=404' } }).then(() => null, (e: unknown) => e);
      return err instanceof NotFoundError ? { name: err.name, statusCode: err.statusCode ?? null } : String(err);
    },
  },
  'agent tail over HTTP': {
    run: async (u) => lines(await collect(agent(u).tailJobLogs(AGENT_JOB, { protocol: 'http', ...FAST }))),
  },
  // `auto` is the WebSocket where the socket can carry the agent's auth headers, and the HTTP
  // tail in a page, where it cannot.
  'agent tail auto (HTTP in a page)': {
    only: 'browser',
    run: async (u) => autoTail(u),
  },
  'agent tail auto (WebSocket)': {
    only: 'server',
    run: async (u) => autoTail(u),
  },
  'agent tail over WebSocket': {
    only: 'server',
    run: async (u) => lines(await collect(agent(u).tailJobLogs(AGENT_JOB, { protocol: 'websocket', ...FAST }))),
  },
  'hosted agents.run': {
    run: async (u) => {
      const { output, sessionId } = await hosted(u).agents.run({ agentId: 'echo-bot', input: 'stream please' });
      return { output: output as Json, sessionId: sessionId ?? null };
    },
  },
  'hosted agents.stream (SSE)': {
    run: async (u) => {
      const events = await collect(hosted(u).agents.stream({ agentId: 'echo-bot', input: 'hi' }, { headers: { Prefer: 'example=withReply' } }));
      const done = events.at(-1);
      return { types: events.map((e) => e.type), output: done?.type === 'complete' ? (done.output as Json) : null };
    },
  },
  // A page's visitors can read an `ar_live_` key: the client refuses one unless told otherwise.
  'hosted refuses an ar_live_ key in a page': {
    only: 'browser',
    run: async (u) => {
      try {
        new HostedClient({ baseUrl: u.hosted, apiKey: HOSTED_KEY });
        return 'accepted';
      } catch (err) {
        return err instanceof ValidationError ? { name: err.name, code: err.code ?? null } : String(err);
      }
    },
  },
  'hosted runs.list': {
    run: async (u) => {
      // A cursor's page: the mock keeps the runs other calls start, and lists them on page 1.
      const page = await hosted(u).runs.list({ limit: 2, cursor: RUNS_PAGE_1_CURSOR });
      return { ids: page.rows.map((r) => r.id), cursor: page.cursor ?? null };
    },
  },
  'runagent runGeneric': {
    run: async (u) => (await runagent(u).runGeneric({ message: 'hello rig', extra: 1 })) as Json,
  },
  'runagent runGenericStream (WebSocket)': {
    run: async (u) => collect(runagent(u).runGenericStream({ message: 'hi' }, FAST)),
  },
  'ray jobs.list': {
    run: async (u) => (await ray(u).jobs.list()).map((j) => j.submission_id ?? null),
  },
  'ray jobs.get': {
    run: async (u) => {
      const job = await ray(u).jobs.get('rayrig_tasks_1');
      return { status: job.status, submissionId: job.submission_id ?? null };
    },
  },
  'ray jobs.tail (WebSocket)': {
    run: async (u) => lines(await collect(ray(u, FAST.headers).jobs.tail(RAY_JOB))),
  },
  // Ray refuses mutating requests that carry a browser's headers (Origin, Sec-Fetch-*) with 405,
  // and so does the mock: from a page, submit must go through a backend.
  'ray jobs.submit': {
    only: 'server',
    run: async (u) => (await ray(u).jobs.submit({ entrypoint: 'echo hi' }, { headers: { Prefer: 'example=generatedId' } })) as unknown as Json,
  },
  'ray jobs.submit from a page is refused': {
    only: 'browser',
    run: async (u) => {
      const err = await ray(u).jobs.submit({ entrypoint: 'echo hi' }).then(() => null, (e: unknown) => e);
      return err instanceof ClientError ? { name: err.name, statusCode: err.statusCode ?? null, message: err.message } : String(err);
    },
  },
};

/** Runs the named calls at once; never rejects. */
export async function runCalls(urls: MockUrls, names: string[]): Promise<Record<string, Outcome>> {
  const outcomes = await Promise.all(
    names.map(async (name): Promise<[string, Outcome]> => {
      try {
        return [name, { ok: true, value: await CALLS[name]!.run(urls) }];
      } catch (err) {
        const e = err instanceof Error ? err : new Error(String(err));
        return [name, { ok: false, error: { name: e.name, message: e.message, statusCode: (e as { statusCode?: number }).statusCode } }];
      }
    }),
  );
  return Object.fromEntries(outcomes);
}

/** The calls a browser page makes, and the ones Node, Bun and Deno make. */
export const BROWSER_CALLS: string[] = Object.keys(CALLS).filter((name) => CALLS[name]!.only !== 'server');
export const SERVER_CALLS: string[] = Object.keys(CALLS).filter((name) => CALLS[name]!.only !== 'browser');

/** The captured job's log (the agent's and Ray's tails replay the same job): 23 lines. */
const TAIL = { count: 23, first: '2026-11-22 03:55:32,015\tINFO job_manager.py:583 -- Runtime env is setting up.', last: '19' };

/** What each call returns against the mock, in every runtime. */
export const EXPECTED: Record<string, Json> = {
  'agent listJobs': { count: 3, first: 'rayrig_long_1' },
  'agent getJob 404 is NotFoundError': { name: 'NotFoundError', statusCode: 404 },
  'agent tail over HTTP': TAIL,
  'agent tail over WebSocket': TAIL,
  'agent tail auto (HTTP in a page)': { protocol: 'http', ...TAIL },
  'agent tail auto (WebSocket)': { protocol: 'websocket', ...TAIL },
  'hosted agents.run': { output: 'Hello from the fake model.', sessionId: 'sess_zQlvitj3GopA' },
  'hosted agents.stream (SSE)': { types: ['start', 'reply', 'complete'], output: 'Hello from the fake model.' },
  'hosted refuses an ar_live_ key in a page': { name: 'ValidationError', code: 'BROWSER_API_KEY' },
  'hosted runs.list': { ids: ['run_oFo1N5pmHCM5', 'run_AeO-wJ7_fXPY'], cursor: null },
  'runagent runGeneric': { answer: 'echo: hello rig', kwargs_seen: ['extra'] },
  'runagent runGenericStream (WebSocket)': [1, 2, 3, 4, 5].map((n) => `chunk ${n}/5 for hi`),
  'ray jobs.list': ['rayrig_fail_1', 'rayrig_tasks_1'],
  'ray jobs.get': { status: 'SUCCEEDED', submissionId: 'rayrig_tasks_1' },
  'ray jobs.tail (WebSocket)': TAIL,
  'ray jobs.submit from a page is refused': { name: 'ClientError', statusCode: 405, message: "'POST' method not allowed for browser traffic. (HTTP 405)" },
  'ray jobs.submit': { job_id: 'raysubmit_NRBzaQRtepYZud2i', submission_id: 'raysubmit_NRBzaQRtepYZud2i' },
};
