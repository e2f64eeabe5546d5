/**
 * One rule for bad arguments, on all four clients: a method that returns a promise (or a
 * PagePromise) never throws — it rejects with `ValidationError`, so `.catch(h)` reaches `h`; a
 * method that returns a stream checks its arguments when it is called and throws
 * `ValidationError` synchronously. Neither sends anything (a real server on 127.0.0.1 counts).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgentClient } from '../../src/agent/index.js';
import { ValidationError } from '../../src/core/errors.js';
import { HostedClient } from '../../src/hosted/index.js';
import { RayClient } from '../../src/ray/index.js';
import { RunAgentClient } from '../../src/runagent/index.js';
import { startServer, type TestServer } from '../support/servers.js';

let server: TestServer;
let agent: AgentClient;
let ray: RayClient;
let runagent: RunAgentClient;
let hosted: HostedClient;
beforeAll(async () => {
  server = await startServer((_req, res) => void res.writeHead(200, { 'content-type': 'application/json' }).end('{}'));
  agent = new AgentClient({ baseUrl: server.url, agentToken: 'agent-token', maxRetries: 0, logLevel: 'off' });
  ray = new RayClient({ address: server.url, maxRetries: 0, logLevel: 'off' });
  runagent = new RunAgentClient({ agentId: 'agent_1', baseUrl: server.url, apiKey: 'ra-key', maxRetries: 0, logLevel: 'off' });
  hosted = new HostedClient({ apiKey: 'ar_live_rule', baseUrl: server.url, maxRetries: 0, logLevel: 'off' });
});
afterAll(() => server.close());

/** Calls `call`: it must return without throwing, and the result must reject with ValidationError. */
async function rejectsOnly(call: () => PromiseLike<unknown>): Promise<void> {
  let result: PromiseLike<unknown> | undefined;
  let thrown: unknown;
  try {
    result = call();
  } catch (err) {
    thrown = err;
  }
  expect(thrown, 'threw synchronously instead of rejecting').toBeUndefined();
  const caught = await Promise.resolve(result).then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(caught).toBeInstanceOf(ValidationError);
}

const promiseCalls: [string, () => PromiseLike<unknown>][] = [
  ['agent.getJob("")', () => agent.getJob('')],
  ['agent.stopJob("a/b")', () => agent.stopJob('a/b')],
  ['agent.getServeApplication("a/b")', () => agent.getServeApplication('a/b')],
  ['agent.getJob(id, {timeout: -1})', () => agent.getJob('job_1', { timeout: -1 })],
  ['ray.jobs.submit(null)', () => ray.jobs.submit(null as never)],
  ['ray.jobs.get("")', () => ray.jobs.get('')],
  ['ray.jobs.list({timeout: -1})', () => ray.jobs.list({ timeout: -1 })],
  ['ray.state.nodes({limit: 0})', () => ray.state.nodes({ limit: 0 })],
  ['runagent.run("", {})', () => runagent.run('', {})],
  ['runagent.run("x_stream", {})', () => runagent.run('x_stream', {})],
  ['runagent.runGeneric(5)', () => runagent.runGeneric(5 as never)],
  ['hosted.agents.run({})', () => hosted.agents.run({} as never)],
  ['hosted.runs.list({limit: 0})', () => hosted.runs.list({ limit: 0 })],
  ['hosted.traces.list({limit: 0})', () => hosted.traces.list({ limit: 0 })],
  ['hosted.runs.get("a b")', () => hosted.runs.get('a b')],
];

const streamCalls: [string, () => unknown][] = [
  ['agent.tailJobLogs("")', () => agent.tailJobLogs('')],
  ['agent.tailJobLogs(id, {protocol: "x"})', () => agent.tailJobLogs('job_1', { protocol: 'x' as never })],
  ['ray.jobs.tail("")', () => ray.jobs.tail('')],
  ['ray.jobs.tail(id, {idleTimeoutMs: -1})', () => ray.jobs.tail('raysubmit_1', { idleTimeoutMs: -1 })],
  ['runagent.runStream("generic")', () => runagent.runStream('generic')],
  ['hosted.agents.stream({agentId: ""})', () => hosted.agents.stream({ agentId: '' })],
  ['hosted.runs.stream(id, null)', () => hosted.runs.stream('run_1', null as never)],
  ['hosted.traces.stream(id, {idleTimeoutMs: 0})', () => hosted.traces.stream('run_1', { idleTimeoutMs: 0 })],
];

describe('one rule for bad arguments, every client', () => {
  it.each(promiseCalls)('%s rejects with ValidationError and never throws', async (_name, call) => {
    const before = server.requests.length;
    await rejectsOnly(call);
    expect(server.requests.length).toBe(before);
  });

  it.each(streamCalls)('%s throws ValidationError when called', (_name, call) => {
    const before = server.requests.length;
    expect(call).toThrow(ValidationError);
    expect(server.requests.length).toBe(before);
  });
});
