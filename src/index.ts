/**
 * agentwire: typed clients for agent infrastructure.
 *
 * - `AgentClient` (`agentwire/agent`): an agent server that manages a Ray cluster — jobs,
 *   nodes, tasks, Serve, and live log tails over WebSocket or HTTP.
 * - `HostedClient` (`agentwire/hosted`): hosted agent runtimes — run, stream (SSE), runs,
 *   traces, sessions, context grants.
 * - `RunAgentClient` (`agentwire/runagent`): RunAgent deployments.
 * - `RayClient` (`agentwire/ray`): a Ray head's dashboard directly.
 * - `startMockServer` (`agentwire-mock`): the mock server for your tests.
 *
 * Every client throws the one error hierarchy exported here (`ClientError` and its subclasses).
 * @module
 */
export * from './core/index.js';
export * from './agent/index.js';
export * from './hosted/index.js';
export * from './runagent/index.js';
export * from './ray/index.js';

// Names two clients both use, disambiguated (the subpath exports keep the short names).
// The short names stay the agent client's, as they were before the other clients existed.
export type { Health, Health as AgentHealth, JobStatus, TailOptions, TailOptions as AgentTailOptions } from './agent/index.js';
export type { Health as HostedHealth } from './hosted/index.js';
export type { JobStatus as RayJobStatus, TailOptions as RayTailOptions } from './ray/index.js';
