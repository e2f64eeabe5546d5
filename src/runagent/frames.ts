/**
 * The run-stream WebSocket protocol (RunAgent 0.1.49, as observed on the wire;
 * openapi/runagent-stream.asyncapi.yaml): the URL, the client's one frame, and the reading of
 * the server's frames. Pure functions; the connection itself is in `client.ts`.
 */
import type { messages } from '../../generated/runagent-stream.asyncapi.js';
import { StreamError } from '../core/errors.js';
import { decodeStructuredPayload, preview } from './payload.js';

/** The frames the server sends (every declared message but the client's `runRequest`). */
type ServerFrame = messages[Exclude<keyof messages, 'runRequest'>];

/**
 * The body of `POST /run` and the run-stream's one client frame: the AsyncAPI document's
 * `runRequest` payload (`RunRequest`, generated from `openapi/runagent-stream.asyncapi.yaml`)
 * with every field set, as the client always sends it. `timeout_seconds` is the server-side run
 * timeout in **seconds** (ignored over the WebSocket).
 */
export type RunAgentRequest = Required<messages['runRequest']> & { async_execution: false };

/** What one server frame means to the client. */
export type RunStreamFrame =
  /** `{"type":"status","status":"stream_started","invocation_id":…}` (AsyncAPI `streamStarted`). */
  | { kind: 'started'; invocationId: messages['streamStarted']['invocation_id'] }
  /** `{"type":"data","content":"<structured JSON>"}` (`data`): `value` is the decoded chunk. */
  | { kind: 'data'; value: unknown }
  /** `{"type":"status","status":"stream_completed",…}` (`streamCompleted`): the success signal. */
  | {
      kind: 'completed';
      invocationId: messages['streamCompleted']['invocation_id'];
      totalChunks: messages['streamCompleted']['total_chunks'];
      /** The wire's `execution_time` (seconds) in ms. */
      executionTimeMs: number | undefined;
    }
  /** `{"type":"error","detail"|"error":…}` (`validationError`, `streamError`), as received. */
  | { kind: 'error'; frame: Record<string, unknown> }
  /** A frame of an unknown `type` or `status`: ignored (the AsyncAPI's rule). */
  | { kind: 'unknown'; frame: Record<string, unknown> };

export type RunStreamFrameKind = RunStreamFrame['kind'];

/**
 * Which frame kind handles each message the AsyncAPI document declares (`request` is the
 * client's own frame, built by {@link buildRunRequest}). Keyed by the generated `messages`, so a
 * message added to the document fails to compile until it is mapped; the AsyncAPI coverage test
 * checks that {@link parseRunStreamFrame} reads each example as its kind.
 */
export const RUN_STREAM_MESSAGES: Readonly<Record<keyof messages, RunStreamFrameKind | 'request'>> = Object.freeze({
  runRequest: 'request',
  streamStarted: 'started',
  data: 'data',
  streamCompleted: 'completed',
  validationError: 'error',
  streamError: 'error',
});

/**
 * Reads one text frame. Throws {@link StreamError} (code `INVALID_PAYLOAD`) for a frame that
 * is not a JSON object, or a `data` frame without `content` or with undecodable content.
 * `index` (1-based count of data frames so far, for messages) is optional.
 */
export function parseRunStreamFrame(text: string, index = 0): RunStreamFrame {
  let frame: unknown;
  try {
    frame = JSON.parse(text);
  } catch {
    throw new StreamError(`run-stream sent a frame that is not JSON: ${preview(text)}`, { code: 'INVALID_PAYLOAD', detail: text });
  }
  if (!frame || typeof frame !== 'object' || Array.isArray(frame)) {
    throw new StreamError(`run-stream sent a frame that is not a JSON object: ${preview(text)}`, { code: 'INVALID_PAYLOAD', detail: text });
  }
  const f = frame as Record<string, unknown>;
  const invocationId = typeof f.invocation_id === 'string' ? f.invocation_id : undefined;
  // Each literal is checked against the generated frame types: a renamed one fails to compile.
  switch (f.type) {
    case 'status' satisfies ServerFrame['type']:
      if (f.status === ('stream_started' satisfies messages['streamStarted']['status'])) return { kind: 'started', invocationId };
      if (f.status === ('stream_completed' satisfies messages['streamCompleted']['status'])) {
        return {
          kind: 'completed',
          invocationId,
          totalChunks: typeof f.total_chunks === 'number' ? f.total_chunks : undefined,
          // The wire's `execution_time` is in seconds (a float); agentwire speaks ms.
          executionTimeMs: typeof f.execution_time === 'number' ? f.execution_time * 1000 : undefined,
        };
      }
      return { kind: 'unknown', frame: f };
    case 'data' satisfies ServerFrame['type']:
      if (!('content' in f) || f.content === undefined) {
        throw new StreamError(`run-stream data frame ${index} has no content`, { code: 'INVALID_PAYLOAD', detail: f });
      }
      return { kind: 'data', value: decodeStructuredPayload(f.content, `run-stream data frame ${index}`) };
    case 'error' satisfies ServerFrame['type']:
      return { kind: 'error', frame: f };
    default:
      return { kind: 'unknown', frame: f };
  }
}

/** Is `tag` a streaming entrypoint (its name ends in `_stream`, as RunAgent names them)? */
export function isStreamEntrypoint(tag: string): boolean {
  return tag.endsWith('_stream');
}

/**
 * The `POST /run` body / run-stream frame for an entrypoint. `timeoutMs` becomes
 * `timeout_seconds` (rounded **up** to whole seconds, at least 1): the server stops a run the
 * client has stopped waiting for. Over the WebSocket the server ignores it.
 */
export function buildRunRequest(tag: string, inputKwargs: Record<string, unknown>, inputArgs: unknown[], timeoutMs: number): RunAgentRequest {
  return {
    entrypoint_tag: tag,
    input_args: inputArgs,
    input_kwargs: inputKwargs,
    timeout_seconds: Math.max(1, Math.ceil(timeoutMs / 1000)),
    async_execution: false,
  };
}

/**
 * The run-stream URL: `ws(s)://{host}{base path}/api/v1/agents/{agentId}/run-stream`
 * (`http` → `ws`, `https` → `wss`, the base URL's own path kept, e.g. the mock's `/runagent`).
 *
 * `queryToken` adds `?token=<key>`: pass it **only** where headers are impossible (a browser's
 * `WebSocket`); in Node the key goes in `Authorization: Bearer` and the URL carries none, so it
 * cannot leak through proxies' access logs. The caller keeps the key in its `Secrets`, and the
 * WebSocket layer strips the query from every message.
 */
export function runStreamUrl(baseUrl: string, agentId: string, queryToken?: string): string {
  const url = new URL(baseUrl);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  url.pathname = `${url.pathname.replace(/\/+$/, '')}/api/v1/agents/${encodeURIComponent(agentId)}/run-stream`;
  url.search = '';
  url.hash = '';
  if (queryToken) url.searchParams.set('token', queryToken);
  return url.toString();
}
