import { createServer, STATUS_CODES, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';

/** One request as a test server saw it. */
export interface SeenRequest {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
  /** `performance.now()` when the request arrived, ms. */
  at: number;
}

export interface TestServer {
  url: string;
  wsUrl: string;
  requests: SeenRequest[];
  /** Sockets that are still open (closed ones drop out). */
  openSockets(): number;
  close(): Promise<void>;
}

type Handler = (req: IncomingMessage, res: ServerResponse, seen: SeenRequest) => void | Promise<void>;
type WsHandler = (ws: WebSocket, req: IncomingMessage) => void | Promise<void>;

/**
 * A real HTTP (and optionally WebSocket) server on 127.0.0.1 and a free port, for what Prism
 * cannot do: faults, pacing, drops. It records every request it receives.
 */
export async function startServer(
  handler: Handler,
  options: {
    ws?: WsHandler;
    wsRefuse?: (req: IncomingMessage) => number | undefined;
    /** Extra headers of an accepted handshake's 101 response. */
    wsHeaders?: (req: IncomingMessage) => Record<string, string>;
  } = {},
): Promise<TestServer> {
  const requests: SeenRequest[] = [];
  const sockets = new Set<Socket>();
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const seen: SeenRequest = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), at: performance.now() };
    requests.push(seen);
    try {
      await handler(req, res, seen);
    } catch (err) {
      if (!res.headersSent) res.writeHead(500).end(String(err));
    }
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  let wss: WebSocketServer | undefined;
  if (options.ws) {
    wss = new WebSocketServer({ noServer: true });
    const extra = options.wsHeaders;
    if (extra) wss.on('headers', (headers, req) => headers.push(...Object.entries(extra(req)).map(([k, v]) => `${k}: ${v}`)));
    server.on('upgrade', (req, socket, head) => {
      requests.push({ method: 'UPGRADE', url: req.url ?? '', headers: req.headers, body: '', at: performance.now() });
      const refuse = options.wsRefuse?.(req);
      if (refuse) {
        socket.end(`HTTP/1.1 ${refuse} ${STATUS_CODES[refuse] ?? 'Refused'}\r\nContent-Type: text/plain\r\nContent-Length: 7\r\nConnection: close\r\n\r\nrefused`);
        return;
      }
      wss!.handleUpgrade(req, socket, head, (ws) => void options.ws!(ws, req));
    });
  }
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    wsUrl: `ws://127.0.0.1:${port}`,
    requests,
    openSockets: () => sockets.size,
    close: async () => {
      for (const c of wss?.clients ?? []) c.terminate();
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A port on 127.0.0.1 that nothing listens on (bound, then released). */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Polls `check` every 10 ms until it is true or `ms` pass. */
export async function until(check: () => boolean, ms = 2000): Promise<boolean> {
  const end = performance.now() + ms;
  while (performance.now() < end) {
    if (check()) return true;
    await new Promise((r) => setTimeout(r, 10));
  }
  return check();
}
