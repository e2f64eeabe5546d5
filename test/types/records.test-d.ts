/**
 * Type tests, checked by `npm run typecheck` (tsc), not run by vitest: each `@ts-expect-error`
 * line fails the typecheck if the misspelt read compiles again, e.g. because a response record
 * regained an index signature (`[key: string]: unknown`).
 */
import type { AgentClient } from '../../src/agent/index.js';
import type { AgentStreamEvent, HostedClient } from '../../src/hosted/index.js';
import type { RayClient } from '../../src/ray/index.js';
import type { RunAgentClient } from '../../src/runagent/index.js';
import {
  AuthenticationError,
  ConflictError,
  ConnectionError,
  NotFoundError,
  PermissionDeniedError,
  RateLimitError,
  RequestTimeoutError,
  ServerError,
  StreamLimitError,
  ValidationError,
  type ClientError,
} from '../../src/index.js';

type Is<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const check = <T extends true>(): T => true as T;

export async function records(agent: AgentClient, hosted: HostedClient, ray: RayClient, runagent: RunAgentClient) {
  const job = await agent.getJob('raysubmit_1');
  job.submission_id satisfies string | null;
  // @ts-expect-error a camel-cased field the agent API does not send
  void job.submissionId;
  // The escape hatch for a field a newer server adds: read the record as a plain object.
  (job as Record<string, unknown>).retry_policy satisfies unknown;

  const run = await hosted.runs.get('run_1');
  run.agentId satisfies string;
  // @ts-expect-error `agentId`, misspelt
  void run.agentid;

  const result = await hosted.agents.run({ agentId: 'a', input: 'hi' });
  // @ts-expect-error RunResult has `output`, not `outputs`
  void result.outputs;

  const rayJob = await ray.jobs.get('raysubmit_1');
  // @ts-expect-error Ray spells it `submission_id`
  void rayJob.submissionId;

  const arch = await runagent.architecture();
  // @ts-expect-error no such field
  void arch.entrypoint;
}

export function events(ev: AgentStreamEvent) {
  if (ev.type === 'reply') {
    ev.text satisfies string;
    // @ts-expect-error a `reply` event has `text`; `output` is on `complete`
    void ev.output;
  }
  if (ev.type === 'complete') void ev.output;
}

export function statusCodes() {
  check<Is<NotFoundError['statusCode'], number>>();
  check<Is<ValidationError['statusCode'], number>>();
  check<Is<AuthenticationError['statusCode'], number>>();
  check<Is<PermissionDeniedError['statusCode'], number>>();
  check<Is<RequestTimeoutError['statusCode'], number>>();
  check<Is<ConflictError['statusCode'], number>>();
  check<Is<RateLimitError['statusCode'], number>>();
  check<Is<StreamLimitError['statusCode'], number>>();
  check<Is<ServerError['statusCode'], number>>();
  check<Is<ConnectionError['statusCode'], number>>();
  // The base class keeps `undefined`: an error raised without any status.
  check<Is<ClientError['statusCode'], number | undefined>>();
}
