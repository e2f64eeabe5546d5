/**
 * `agentwire/runagent`: the RunAgent client, with the surface of RunAgent's Python SDK `RunAgentClient`.
 * Safe to import in a browser: the config file (`node:fs`) and `ws` load only when used in Node.
 */
export {
  RunAgentClient,
  RunAgentStream,
  type RunAgentArchitecture,
  type RunAgentEntrypoint,
  type RunAgentHealth,
  type RunAgentClientOptions,
  type RunStreamInfo,
  type RunAgentRunOptions,
  type RunStreamCompletion,
} from './client.js';
export { type RunAgentSettings, type RunAgentSettingSource } from './config.js';
export {
  AgentNotFoundError,
  AuthenticationError,
  ClientError,
  ConnectionError,
  NetworkError,
  NotFoundError,
  PermissionDeniedError,
  RateLimitError,
  RedirectError,
  RequestTimeoutError,
  ResponseValidationError,
  RunAgentError,
  ServerError,
  StreamError,
  TimeoutError,
  ValidationError,
} from './errors.js';
export { isStreamEntrypoint, type RunStreamFrame, type RunStreamFrameKind, type RunAgentRequest } from './frames.js';
export type { StructuredPayloadType } from './payload.js';
export type { APIPromise, ConnectedStream, ResponseStream, WithResponse } from '../core/api-promise.js';
export type { TracingOptions, OpenTelemetryApi, TracerLike, SpanLike, Attributes, AttributeValue } from '../core/tracing.js';
