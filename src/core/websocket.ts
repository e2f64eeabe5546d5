import { openSocket } from '#platform';
import { ConnectionError, messageFromBody, RequestTimeoutError, type ClientError } from './errors.js';
import { idleWait } from './idle.js';
import type { Secrets } from './redact.js';
import { describe } from './transport.js';

/** How a WebSocket connection ended. `1006` means it dropped without a close frame. */
export interface CloseInfo {
  code: number;
  reason: string;
}

/** What a platform's socket opener is asked for. */
export interface SocketInit {
  /** Handshake headers (credentials). A browser's `WebSocket` cannot send them. */
  headers?: Record<string, string>;
  perMessageDeflate: boolean;
}

/** What a platform's socket reports, in the order it happens. */
export interface SocketEvents {
  /** The handshake succeeded; `headers` are its `101` response's, where the platform shows them. */
  open(headers?: Headers): void;
  /** A text message as a string, a binary one as bytes. */
  message(data: string | Uint8Array): void;
  /** The server answered the handshake with HTTP `status` instead of 101 (a redirect included: never followed). */
  refused(status: number, statusText: string, body: string, headers: Headers): void;
  error(error: Error): void;
  close(code: number, reason: string): void;
}

/** A socket as a platform opened it. */
export interface PlatformSocket {
  send(data: string): void;
  close(code?: number, reason?: string): void;
  /** Drops the connection at once (no closing handshake). */
  terminate(): void;
  /** Stop / restart reading from the network (no-ops where the platform has no backpressure). */
  pause(): void;
  resume(): void;
  /** The `Sec-WebSocket-Extensions` the server accepted ('' when none). */
  readonly extensions: string;
}

/** Opens a socket: `ws` in Node (`agentwire`'s Node entry), the global `WebSocket` elsewhere. */
export type SocketOpener = (url: string, init: SocketInit, events: SocketEvents) => PlatformSocket;

/** How {@link openWebSocket} connects; every duration in ms. */
export interface OpenWebSocketOptions {
  /** What the socket is for, to start error messages: e.g. `WebSocket tail of job raysubmit_abc`. */
  label: string;
  /** Handshake headers (credentials). Not sent by a browser's `WebSocket`, which cannot send them. */
  headers?: Record<string, string>;
  /** ms to wait for the handshake (101) before {@link RequestTimeoutError}. */
  handshakeTimeoutMs: number;
  /** ms one wait for the next message may last before {@link RequestTimeoutError}; none when unset. */
  idleTimeoutMs?: number;
  /** Cancels the handshake or closes the socket; reading then rejects with the signal's reason. */
  signal?: AbortSignal;
  /**
   * Offer `permessage-deflate`. Off by default: Ray's dashboard proxy accepts it and then never
   * delivers a frame (Ray 2.58 `job_head.py` behind its proxy).
   */
  perMessageDeflate?: boolean;
  /** Credentials to keep out of error messages (a `?token=` URL, echoed headers). */
  secrets: Secrets;
  /** Maps a refused handshake (the server's HTTP status, parsed body, headers) to a typed error. */
  refused(status: number, body: unknown, headers: Headers): ClientError;
  /** Messages buffered before the socket is paused until the consumer catches up. Default 1,024. */
  highWater?: number;
}

/** An open WebSocket: read its messages one at a time (or iterate them); `closeInfo` is set once it has closed. */
export interface WebSocketConnection extends AsyncIterable<string> {
  /**
   * The next message (a binary one decoded as UTF-8, with one streaming decoder per connection,
   * so a character split across frames survives), or `undefined` once the socket has closed.
   * Rejects with the connection's failure, {@link RequestTimeoutError} (408, and the socket is
   * dropped) when the server is silent for `idleTimeoutMs` during this wait, or the signal's reason.
   */
  read(): Promise<string | undefined>;
  send(data: string): void;
  /** Closes with `code` (and `reason`), or drops the connection when no code is given. */
  close(code?: number, reason?: string): void;
  readonly closeInfo: CloseInfo | undefined;
  /** The `Sec-WebSocket-Extensions` the server accepted ('' when none). */
  readonly extensions: string;
  /**
   * The headers of the handshake's `101 Switching Protocols` response (`x-request-id`, rate-limit
   * headers …); `undefined` where the platform hides them (a browser's `WebSocket`).
   */
  readonly headers: Headers | undefined;
}

/**
 * Opens a WebSocket through the platform's opener (`ws` in Node, Bun and Deno, so credentials go
 * in handshake headers and compression stays off; the global `WebSocket` in browsers). Resolves
 * once open. Rejects with the server's typed error for a refused handshake (401, 404, 503 …, a 3xx
 * too: redirects are never followed, so credentials never reach another origin), its message
 * `<label> refused: <status> <reason> — <the body's message>`; {@link ConnectionError} (503) when
 * it cannot connect; {@link RequestTimeoutError} (408) when the handshake is too slow.
 */
export async function openWebSocket(url: string, o: OpenWebSocketOptions): Promise<WebSocketConnection> {
  o.signal?.throwIfAborted();
  const where = o.secrets.redact(url.replace(/\?.*$/, ''));
  const highWater = o.highWater ?? 1024;
  const binary = new TextDecoder();
  let queue: string[] = [];
  let head = 0;
  let paused = false;
  let closeInfo: CloseInfo | undefined;
  let handshakeHeaders: Headers | undefined;
  let failure: { error: unknown } | undefined;
  let wake: (() => void) | undefined;
  let handshake: ((error?: unknown) => void) | undefined;
  let socket!: PlatformSocket;

  const settle = () => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  const fail = (error: unknown) => {
    failure ??= { error };
    settle();
  };
  const connectionError = (err: unknown) => new ConnectionError(o.secrets.redact(`WebSocket to ${where} failed: ${describe(err)}`), { cause: err });

  const events: SocketEvents = {
    open(headers) {
      handshakeHeaders = headers;
      handshake?.();
    },
    message(data) {
      queue.push(typeof data === 'string' ? data : binary.decode(data, { stream: true }));
      if (!paused && queue.length - head >= highWater) {
        paused = true;
        socket.pause();
      }
      settle();
    },
    refused(status, statusText, text, headers) {
      let body: unknown = text || undefined;
      try {
        body = text ? JSON.parse(text) : undefined;
      } catch {
        /* text/plain */
      }
      const error = o.refused(status, body, headers);
      const said = messageFromBody(body);
      const answer = statusText ? `${status} ${statusText}` : String(status);
      error.message = o.secrets.redact(`${o.label} refused: ${answer}${said && said !== statusText ? ` — ${said}` : ''}`);
      handshake?.(error);
    },
    error(err) {
      const error = connectionError(err);
      handshake?.(error);
      fail(error);
    },
    close(code, reason) {
      closeInfo = { code, reason };
      handshake?.(new ConnectionError(o.secrets.redact(`WebSocket to ${where} closed (${code}) before it opened`), { code: `WS_CLOSE_${code}` }));
      o.signal?.removeEventListener('abort', onAbort);
      settle();
    },
  };
  const onAbort = () => {
    fail(o.signal!.reason);
    socket.terminate();
  };

  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => handshake?.(new RequestTimeoutError(`WebSocket handshake with ${where} timed out after ${o.handshakeTimeoutMs} ms`, { statusCode: 408 })),
      o.handshakeTimeoutMs,
    );
    const abortHandshake = () => handshake?.(o.signal!.reason);
    o.signal?.addEventListener('abort', abortHandshake, { once: true });
    handshake = (error) => {
      handshake = undefined;
      clearTimeout(timer);
      o.signal?.removeEventListener('abort', abortHandshake);
      if (error === undefined) return resolve();
      socket.terminate();
      reject(error);
    };
    try {
      socket = openSocket(url, { headers: o.headers, perMessageDeflate: o.perMessageDeflate ?? false }, events);
    } catch (err) {
      handshake = undefined;
      clearTimeout(timer);
      o.signal?.removeEventListener('abort', abortHandshake);
      reject(connectionError(err));
    }
  });
  if (!closeInfo) o.signal?.addEventListener('abort', onAbort, { once: true });

  const take = (): string => {
    const message = queue[head++]!;
    if (head === queue.length) {
      queue = [];
      head = 0;
    } else if (head >= 1024 && head * 2 >= queue.length) {
      queue = queue.slice(head);
      head = 0;
    }
    if (paused && queue.length - head <= highWater / 2) {
      paused = false;
      socket.resume();
    }
    return message;
  };
  const silent = () => new RequestTimeoutError(`no message on ${where} for ${o.idleTimeoutMs} ms`, { statusCode: 408 });

  async function read(): Promise<string | undefined> {
    for (;;) {
      if (head < queue.length) return take();
      if (failure) throw failure.error;
      if (closeInfo) return undefined;
      try {
        // Only this wait counts as the server's silence: messages already received are not waited for.
        await idleWait(new Promise<void>((resolve) => (wake = resolve)), o.idleTimeoutMs, silent);
      } catch (error) {
        fail(error);
        socket.terminate();
      }
    }
  }

  return {
    read,
    send: (data) => socket.send(data),
    close: (code, reason) => (code === undefined ? socket.terminate() : socket.close(code, reason)),
    get closeInfo() {
      return closeInfo;
    },
    get extensions() {
      return socket.extensions;
    },
    headers: handshakeHeaders,
    async *[Symbol.asyncIterator]() {
      try {
        for (let message = await read(); message !== undefined; message = await read()) yield message;
      } finally {
        if (!closeInfo) socket.terminate();
      }
    },
  };
}
