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
 * The root exports the four clients, the one error hierarchy every client throws (`ClientError`
 * and its subclasses, also under the names other SDKs use) and the public types. Everything
 * else (constants, helpers) is on the clients' subpaths. The package has no side effects on
 * import, so a bundler keeps only the client you use.
 * @module
 */

// The clients.
export { AgentClient } from './agent/client.js';
export { HostedClient } from './hosted/client.js';
export { RunAgentClient } from './runagent/client.js';
export { RayClient } from './ray/client.js';

// The error hierarchy, and the names other SDKs give the same classes (`instanceof` works with either).
export {
  ClientError,
  ValidationError,
  AuthenticationError,
  PermissionDeniedError,
  NotFoundError,
  RequestTimeoutError,
  ConflictError,
  RateLimitError,
  StreamLimitError,
  ServerError,
  ConnectionError,
  StreamError,
  ResponseValidationError,
  RedirectError,
  type ClientErrorInit,
} from './core/errors.js';
export {
  GpuUnavailableError,
  AuthorizationError,
  ClientConnectionError,
  ClientTimeoutError,
  StreamLimitExceededError,
  WebSocketError,
  HTTPError,
} from './agent/errors.js';
export { RunAgentError, AgentNotFoundError, TimeoutError, NetworkError } from './runagent/errors.js';

// Types shared by every client.
export type { RequestOptions, FetchLike, BaseClientOptions } from './core/transport.js';
export type { Timeout } from './core/timeout.js';
export type { Logger, LogLevel } from './core/log.js';
export type { StreamLimits } from './core/stream-limits.js';
export type { RetryPolicy } from './core/retry.js';
export type { CursorPage, PagePromise } from './core/pagination.js';

// Each client's types. Names two clients both use are disambiguated (the subpaths keep the
// short names); the short names stay the agent client's, as they were before the other clients.
export type * from './agent/index.js';
export type * from './hosted/index.js';
export type * from './runagent/index.js';
export type * from './ray/index.js';
export type { Health, Health as AgentHealth, JobStatus, TailOptions, TailOptions as AgentTailOptions } from './agent/index.js';
export type { Health as HostedHealth } from './hosted/index.js';
export type { JobStatus as RayJobStatus, TailOptions as RayTailOptions } from './ray/index.js';
