/**
 * The web-standard platform pieces (browsers and any runtime without the `node` export
 * condition), reached through the package's `#platform` import. Their Node counterparts are in
 * `node.ts`, with the same names.
 */
import type { SocketOpener } from '../core/websocket.js';
import type { FetchLike } from '../core/transport.js';
import type { RunAgentUserConfig } from '../runagent/config-file.js';

/**
 * Opens a WebSocket with the global `WebSocket`. It cannot send handshake headers (credentials
 * must travel another way, e.g. RunAgent's `?token=`), does not report why a handshake failed
 * (no status: a refusal is a connection error), follows no redirect, and has no backpressure.
 */
export const openSocket: SocketOpener = (url, _init, on) => {
  const Native = (globalThis as { WebSocket?: typeof WebSocket }).WebSocket;
  if (!Native) throw new Error('no WebSocket implementation: run where `WebSocket` is global');
  const ws = new Native(url);
  ws.binaryType = 'arraybuffer';
  let open = false;
  ws.onopen = () => {
    open = true;
    on.open();
  };
  ws.onmessage = (e: MessageEvent) => on.message(typeof e.data === 'string' ? e.data : new Uint8Array(e.data as ArrayBuffer));
  ws.onerror = () => on.error(new Error(open ? 'the connection failed' : 'the handshake failed (a browser does not say why)'));
  ws.onclose = (e: CloseEvent) => on.close(e.code, e.reason);
  return {
    send: (data) => ws.send(data),
    close: (code, reason) => ws.close(code, reason),
    terminate: () => ws.close(),
    pause() {},
    resume() {},
    get extensions() {
      return ws.extensions;
    },
  };
};

/** Whether {@link openSocket} sends handshake headers: not a browser's `WebSocket`. */
export const SOCKET_SENDS_HEADERS = false;

/** Only Node has a fetch that sends exactly the request's headers (see `node.ts`); elsewhere the global `fetch` is used. */
export const nodeFetch: FetchLike | undefined = undefined;

/** No files to read outside Node: RunAgent settings come from options (and nothing else). */
export const readRunAgentUserConfig: (() => Promise<RunAgentUserConfig>) | undefined = undefined;
