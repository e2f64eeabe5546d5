import type { ClientError } from './errors.js';
import { ConnectionError, RequestTimeoutError } from './errors.js';
import { AsyncQueue } from './queue.js';
import type { Secrets } from './redact.js';
import { describe } from './transport.js';

/** How a WebSocket connection ended. `1006` means it dropped without a close frame. */
export interface CloseInfo {
  code: number;
  reason: string;
}

/** How {@link openWebSocket} connects; every duration in ms. */
export interface OpenWebSocketOptions {
  /** Handshake headers (credentials). Ignored by a browser `WebSocket`, which cannot send them. */
  headers?: Record<string, string>;
  /** ms to wait for the handshake (101) before {@link RequestTimeoutError}. */
  handshakeTimeoutMs: number;
  /** ms of silence allowed between two messages before {@link RequestTimeoutError}; none when unset. */
  idleTimeoutMs?: number;
  /** Cancels the handshake or closes the socket; iteration then rejects with the signal's reason. */
  signal?: AbortSignal;
  /**
   * Offer `permessage-deflate`. Off by default: Ray's dashboard proxy accepts it and then
   * never delivers a frame (PROTOCOLS.md §4, issue "RayClient" 3b).
   */
  perMessageDeflate?: boolean;
  /** Credentials to keep out of error messages (a `?token=` URL, echoed headers). */
  secrets: Secrets;
  /** Maps a refused handshake (the server's HTTP status and body) to a typed error. */
  refused(status: number, body: unknown, headers: Headers): ClientError;
  /** Messages buffered before the socket is paused until the consumer catches up. Default 1,024. */
  highWater?: number;
}

/** An open WebSocket: iterate its text messages; `closeInfo` is set once it has closed. */
export interface WebSocketConnection extends AsyncIterable<string> {
  /** The next message already received, synchronously, or `undefined` (see {@link AsyncQueue.poll}). */
  poll(): string | undefined;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  readonly closeInfo: CloseInfo | undefined;
  /** The `Sec-WebSocket-Extensions` the server accepted ('' when none). */
  readonly extensions: string;
}

const isNode = typeof process !== 'undefined' && !!process.versions?.node;

/**
 * Opens a WebSocket: with `ws` in Node (so credentials go in handshake headers and
 * compression stays off), with the global `WebSocket` elsewhere. Resolves once open; rejects
 * with the server's typed error for a refused handshake (401, 404, ...), {@link ConnectionError}
 * (503) when it cannot connect, {@link RequestTimeoutError} (408) when the handshake is too slow.
 */
export async function openWebSocket(url: string, options: OpenWebSocketOptions): Promise<WebSocketConnection> {
  options.signal?.throwIfAborted();
  return isNode ? openNode(url, options) : openBrowser(url, options);
}

async function openNode(url: string, o: OpenWebSocketOptions): Promise<WebSocketConnection> {
  const { default: WebSocket } = await import('ws');
  const ws = new WebSocket(url, {
    headers: o.headers,
    perMessageDeflate: o.perMessageDeflate ?? false,
    handshakeTimeout: o.handshakeTimeoutMs,
    maxPayload: 64 * 1024 * 1024,
  });
  let closeInfo: CloseInfo | undefined;
  const where = o.secrets.redact(url.replace(/\?.*$/, ''));
  const queue = new AsyncQueue<string>({
    highWater: o.highWater ?? 1024,
    onHigh: () => ws.pause(),
    onLow: () => ws.resume(),
    onReturn: () => ws.terminate(),
  });
  const idle = idleTimer(o.idleTimeoutMs, () => {
    queue.fail(new RequestTimeoutError(`no message on ${where} for ${o.idleTimeoutMs} ms`, { statusCode: 408 }));
    ws.terminate();
  });
  const onAbort = () => {
    queue.fail(o.signal!.reason);
    ws.terminate();
  };

  // Listen before the handshake resolves: a frame that arrives with the 101 (same TCP chunk) is
  // emitted by `ws` right after 'open', before an `await` continuation could attach a listener.
  ws.on('message', (data, isBinary) => {
    idle.reset();
    queue.push(isBinary ? Buffer.from(data as Buffer).toString('utf8') : data.toString());
  });
  await new Promise<void>((resolve, reject) => {
    const fail = (error: unknown) => {
      o.signal?.removeEventListener('abort', abortHandshake);
      ws.removeAllListeners('open');
      reject(error);
    };
    const abortHandshake = () => {
      ws.terminate();
      fail(o.signal!.reason);
    };
    o.signal?.addEventListener('abort', abortHandshake, { once: true });
    ws.once('unexpected-response', (_req, res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let body: unknown = text;
        try {
          body = text ? JSON.parse(text) : undefined;
        } catch {
          /* text/plain */
        }
        const headers = new Headers();
        for (const [k, v] of Object.entries(res.headers)) if (typeof v === 'string') headers.set(k, v);
        fail(o.refused(res.statusCode ?? 500, body, headers));
        ws.terminate();
      });
    });
    ws.once('error', (err) => {
      const timedOut = /timed out/i.test(err.message);
      fail(
        timedOut
          ? new RequestTimeoutError(`WebSocket handshake with ${where} timed out after ${o.handshakeTimeoutMs} ms`, { statusCode: 408, cause: err })
          : new ConnectionError(o.secrets.redact(`WebSocket to ${where} failed: ${describe(err)}`), { cause: err }),
      );
    });
    ws.once('open', () => {
      o.signal?.removeEventListener('abort', abortHandshake);
      ws.removeAllListeners('error');
      // Synchronously, like 'message' above: an error or close may follow 'open' at once.
      o.signal?.addEventListener('abort', onAbort, { once: true });
      ws.on('error', (err) => queue.fail(new ConnectionError(o.secrets.redact(`WebSocket to ${where} failed: ${describe(err)}`), { cause: err })));
      ws.on('close', (code, reason) => {
        idle.clear();
        o.signal?.removeEventListener('abort', onAbort);
        closeInfo = { code, reason: reason.toString() };
        queue.end();
      });
      resolve();
    });
  });

  if (closeInfo === undefined) idle.reset();

  return {
    poll: () => queue.poll(),
    send: (data) => ws.send(data),
    close: (code, reason) => (code === undefined ? ws.terminate() : ws.close(code, reason)),
    get closeInfo() {
      return closeInfo;
    },
    extensions: Object.keys(ws.extensions ?? {}).join(', ') || '',
    [Symbol.asyncIterator]: () => queue,
  };
}

async function openBrowser(url: string, o: OpenWebSocketOptions): Promise<WebSocketConnection> {
  const Native = (globalThis as { WebSocket?: typeof globalThis.WebSocket }).WebSocket;
  if (!Native) throw new ConnectionError('no WebSocket implementation: install `ws` or run where `WebSocket` is global');
  const ws = new Native(url);
  let closeInfo: CloseInfo | undefined;
  const where = o.secrets.redact(url.replace(/\?.*$/, ''));
  const queue = new AsyncQueue<string>({ onReturn: () => ws.close() });
  const idle = idleTimer(o.idleTimeoutMs, () => {
    queue.fail(new RequestTimeoutError(`no message on ${where} for ${o.idleTimeoutMs} ms`, { statusCode: 408 }));
    ws.close();
  });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      ws.close();
      reject(new RequestTimeoutError(`WebSocket handshake with ${where} timed out after ${o.handshakeTimeoutMs} ms`, { statusCode: 408 }));
    }, o.handshakeTimeoutMs);
    o.signal?.addEventListener('abort', () => (ws.close(), reject(o.signal!.reason)), { once: true });
    ws.onopen = () => (clearTimeout(timer), resolve());
    // A browser hides the refusal's status: all it reports is an error, then close 1006.
    ws.onerror = () => (clearTimeout(timer), reject(new ConnectionError(`WebSocket to ${where} failed`)));
  });
  idle.reset();
  o.signal?.addEventListener('abort', () => (queue.fail(o.signal!.reason), ws.close()), { once: true });
  ws.onmessage = (e) => {
    idle.reset();
    queue.push(typeof e.data === 'string' ? e.data : String(e.data));
  };
  ws.onerror = () => queue.fail(new ConnectionError(`WebSocket to ${where} failed`));
  ws.onclose = (e) => {
    idle.clear();
    closeInfo = { code: e.code, reason: e.reason };
    queue.end();
  };
  return {
    poll: () => queue.poll(),
    send: (data) => ws.send(data),
    close: (code, reason) => ws.close(code ?? 1000, reason),
    get closeInfo() {
      return closeInfo;
    },
    extensions: ws.extensions,
    [Symbol.asyncIterator]: () => queue,
  };
}

function idleTimer(ms: number | undefined, fire: () => void) {
  let timer: ReturnType<typeof setTimeout> | undefined;
  return {
    reset() {
      if (ms === undefined) return;
      if (timer) timer.refresh();
      else timer = setTimeout(fire, ms);
    },
    clear() {
      if (timer) clearTimeout(timer);
    },
  };
}
