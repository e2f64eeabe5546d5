/**
 * `agentwire/runagent`: the RunAgent client (seed `runagent-client.md`, PROTOCOLS.md §3).
 * Safe to import in a browser: the config file (`node:fs`) and `ws` load only when used in Node.
 */
export {
  RunAgentClient,
  RunStream,
  type Architecture,
  type Entrypoint,
  type Health,
  type RunAgentClientOptions,
  type RunInfo,
  type RunOptions,
  type StreamCompletion,
} from './client.js';
export {
  DEFAULT_BASE_URL,
  DEFAULT_MAX_RETRIES,
  DEFAULT_RETRY_BACKOFF,
  DEFAULT_RETRY_DELAY_MS,
  DEFAULT_TIMEOUT_MS,
  loadConfigFile,
  parseConfigFile,
  resolveSettings,
  type ConfigFile,
  type RunAgentSettings,
  type SettingSource,
} from './config.js';
export {
  AgentNotFoundError,
  AuthenticationError,
  ClientError,
  ConnectionError,
  NetworkError,
  NotFoundError,
  PermissionDeniedError,
  RateLimitError,
  RequestTimeoutError,
  RunAgentError,
  ServerError,
  StreamError,
  TimeoutError,
  ValidationError,
} from './errors.js';
export { isStreamTag, parseFrame, RUN_STREAM_MESSAGES, runRequest, streamUrl, type RunFrame, type RunFrameKind, type RunRequest } from './frames.js';
export { decodeStructured, type PayloadType } from './payload.js';
