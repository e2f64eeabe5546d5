/**
 * Type tests of raw responses, checked by `npm run typecheck` (tsc), not run by vitest: the
 * methods keep their data types (an `APIPromise<T>` is a `Promise<T>`), `withResponse()` gives
 * `{data: T, response: Response}`, and the streams keep their item types with `response` and
 * `headers` beside them.
 */
import type { AgentClient, Job } from '../../src/agent/index.js';
import type { AgentStreamEvent, CursorPage, HostedClient, Run } from '../../src/hosted/index.js';
import type { JobDetails, RayClient } from '../../src/ray/index.js';
import type { RunAgentClient } from '../../src/runagent/index.js';
import type { WithResponse } from '../../src/index.js';

type Is<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const check = <T extends true>(): T => true as T;

export async function rawResponses(agent: AgentClient, hosted: HostedClient, ray: RayClient, runagent: RunAgentClient) {
  // The data types are unchanged: each method still is a Promise of its data.
  agent.listJobs() satisfies Promise<Job[]>;
  hosted.runs.get('run_1') satisfies Promise<Run>;
  ray.jobs.stop('raysubmit_1') satisfies Promise<boolean>;
  runagent.runGeneric<string>({ query: 'hi' }) satisfies Promise<string>;
  check<Is<Awaited<ReturnType<AgentClient['deleteServeApplication']>>, void>>();

  const { data, response } = await agent.getJob('raysubmit_1').withResponse();
  check<Is<typeof data, Job>>();
  check<Is<typeof response, Response>>();
  check<Is<Awaited<ReturnType<RayClient['jobs']['wait']>>, JobDetails>>();
  (await ray.jobs.wait('raysubmit_1').withResponse()) satisfies WithResponse<JobDetails>;
  (await hosted.runs.list().withResponse()) satisfies WithResponse<CursorPage<Run>>;
  (await hosted.runs.list().asResponse()) satisfies Response;
  // @ts-expect-error the data is not a Response
  (await agent.listJobs().withResponse()).data satisfies Response;

  // Streams: the same items, and what answered the connection.
  const events = hosted.agents.stream({ agentId: 'a', input: 'hi' });
  events satisfies AsyncGenerator<AgentStreamEvent, void, undefined>;
  events.response satisfies Response | undefined;
  ray.jobs.tail('raysubmit_1') satisfies AsyncIterable<string>;
  ray.jobs.tail('raysubmit_1').headers satisfies Headers | undefined;
  agent.tailJobLogs('raysubmit_1').headers satisfies Headers | undefined;
  runagent.runStream('x_stream').headers satisfies Headers | undefined;
}
