/**
 * The contract between the mock server's front (`server.ts`) and the per-API modules
 * (`apis/<api>.ts`) that answer what Prism cannot: WebSocket channels, paced SSE and
 * chunked log tails.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';

/** The four APIs the mock serves; each lives under the path prefix `/<name>` on the one port. */
export type ApiName = 'agent' | 'hosted' | 'runagent' | 'ray';

/** Every {@link ApiName}, in the order the mock prints and mounts them. */
export const API_NAMES: readonly ApiName[] = ['agent', 'hosted', 'runagent', 'ray'];

/**
 * How a stream request should misbehave (or be paced). Every field is optional; an empty
 * object means "replay the spec's frames at the spec's pace and end normally".
 *
 * Set from `mock.setScenario(api, …)` / `PUT /__mock/scenario`, then the request's
 * `Prefer: delay=10, drop-after=3, truncate, refuse=503, invalid-payload` header, then its
 * `__mock=` query parameter (same syntax); later sources win field by field.
 */
export interface StreamScenario {
  /**
   * Milliseconds to wait between two frames (the first frame is sent at once). Absent: the
   * spec's own pacing, e.g. the `x-frame-interval-ms` extension on the AsyncAPI channel,
   * which each module reads itself. `Prefer: delay=<ms>`.
   */
  delayMs?: number;
  /**
   * Send this many frames, then destroy the TCP connection abruptly: no WebSocket close
   * frame, no terminal chunk of a chunked body, no final SSE event. `0` drops before the
   * first frame. `Prefer: drop-after=<n>`.
   */
  dropAfter?: number;
  /**
   * End the stream cleanly (WebSocket close 1000, chunked body properly terminated) but
   * without sending the terminal frame or event (`complete`, `done`, ...), so a client
   * must notice the stream ended early. `Prefer: truncate`.
   */
  truncate?: boolean;
  /**
   * Refuse the WebSocket handshake with this HTTP status (e.g. `503`) instead of upgrading.
   * An integer in 200–599. `Prefer: refuse=<status>`.
   */
  refuse?: number;
  /**
   * Send one frame whose payload is not valid JSON (the first frame), then carry on with
   * the rest. `Prefer: invalid-payload`.
   */
  invalidPayload?: boolean;
}

/** What the front hands an API module along with each request or upgrade under its prefix. */
export interface MockRequestContext {
  /** The API whose prefix the request is under. */
  api: ApiName;
  /** The request path with the `/<api>` prefix stripped and without the query (`/jobs/j1/logs/`). */
  path: string;
  /**
   * The full request URL (`http://127.0.0.1:<port>/agent/jobs/j1/logs/?x=1`), with the
   * mock's own `__mock` query parameter already removed.
   */
  url: URL;
  /**
   * The merged {@link StreamScenario} for this request. Reading it counts the request as a
   * stream request: a scenario set with `setScenario(api, s, { times })` is consumed by one
   * use on the first read. So read it only once the module knows it will serve a stream.
   */
  scenario: StreamScenario;
  /**
   * This API's parsed OpenAPI document (`openapi/<api>.yaml`, unprefixed, un-namespaced),
   * shared and read-only: do not mutate it. Rejects if the file is missing.
   */
  spec(): Promise<any>;
  /**
   * A parsed AsyncAPI document, `openapi/<name>.asyncapi.yaml` (e.g. `asyncapi('agent-logs')`),
   * cached and read-only. Rejects if the file is missing or is not valid YAML.
   */
  asyncapi(name: string): Promise<any>;
  /** True for a job the mock's state made (submitted through this mock server and not deleted). */
  hasJob(id: string): boolean;
}

/** One API's streaming routes, mounted by the front under `/<name>`. */
export interface MockApi {
  /** The API (and so the path prefix) this module serves. */
  name: ApiName;
  /**
   * Answer an HTTP request under `/<name>`; return (or resolve) `false` to let Prism answer
   * it from the spec. Once it returns `true` the module owns `res`, and must end it. It must
   * not write to `res` before deciding to return `true`.
   */
  request?(req: IncomingMessage, res: ServerResponse, ctx: MockRequestContext): boolean | Promise<boolean>;
  /**
   * Take a WebSocket upgrade under `/<name>` (e.g. with `ws`'s `handleUpgrade` in
   * `noServer` mode); return (or resolve) `false` and the front answers HTTP 404 and destroys
   * the socket. Once it returns `true` the module owns `socket`.
   */
  upgrade?(req: IncomingMessage, socket: Duplex, head: Buffer, ctx: MockRequestContext): boolean | Promise<boolean>;
}
