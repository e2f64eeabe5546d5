/**
 * `agentwire/agent`: the agent API client — {@link AgentClient}, its log
 * tail, its types (generated from `openapi/agent.yaml`) and its errors, under agentwire's
 * names and the Synapse SDK's (`synapse-sdk`, Python) names alike.
 */
export {
  AgentClient,
  DEFAULT_AGENT_TIMEOUT,
  type AgentClientOptions,
  type GpuStatus,
  type Health,
  type Job,
  type JobLogs,
  type JobStatus,
  type Node,
  type ServeApplication,
  type StopJobResult,
  type Task,
} from './client.js';
export {
  DEFAULT_TAIL_TIMEOUT_MS,
  JobLogTail,
  MAX_TAIL_TIMEOUT_MS,
  TAIL_PROTOCOLS,
  type TailJobLogsOptions,
  type TailOptions,
  type TailProtocol,
} from './tail.js';
export { TAIL_EVENT_TYPES, type TailEvent, type TailEventType } from './frames.js';
export {
  AuthenticationError,
  ClientError,
  ConflictError,
  ConnectionError,
  NotFoundError,
  PermissionDeniedError,
  RateLimitError,
  RedirectError,
  RequestTimeoutError,
  ResponseValidationError,
  ServerError,
  StreamError,
  StreamLimitError,
  ValidationError,
  GpuUnavailableError,
  AuthorizationError,
  ClientConnectionError,
  ClientTimeoutError,
  StreamLimitExceededError,
  WebSocketError,
  HTTPError,
} from './errors.js';
export { DEFAULT_STREAM_LIMITS, type StreamLimits } from '../core/stream-limits.js';
export type { RequestOptions, FetchLike } from '../core/transport.js';
export type { APIPromise, ConnectedStream, ResponseStream, WithResponse } from '../core/api-promise.js';
export type { Timeout } from '../core/timeout.js';
export type { Logger, LogLevel } from '../core/log.js';
export type { TracingOptions, OpenTelemetryApi, TracerLike, SpanLike, Attributes, AttributeValue } from '../core/tracing.js';
