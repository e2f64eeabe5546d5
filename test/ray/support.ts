/**
 * A small fake Ray dashboard on 127.0.0.1 for what Prism cannot do: a job whose status the
 * test scripts, and a log tail WebSocket whose every connection the test scripts (frames,
 * split mid-line, closes, drops), optionally with Ray's permessage-deflate trap.
 */
import { createServer, STATUS_CODES, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';

export interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
  at: number;
}

export interface FakeRay {
  url: string;
  requests: Seen[];
  /** Upgrade requests to the tail, in order. */
  upgrades(): Seen[];
  /** GETs of the job record, in order. */
  jobReads(): Seen[];
  /** Tail sockets the server saw closed (by either side). */
  closedSockets(): number;
  close(): Promise<void>;
}

export interface FakeRayOptions {
  /** Path prefix the server lives under (a proxy), e.g. `/ray`. */
  prefix?: string;
  /** The job's status for the n-th read (0-based); a missing job gives 404. */
  status?(read: number): string | undefined;
  /** Plays one tail connection (n is 0-based). */
  tail?(ws: WebSocket, n: number, req: IncomingMessage): void | Promise<void>;
  /** Answer the upgrade with plain HTTP instead (status, text/plain body). */
  refuse?(n: number): [number, string] | undefined;
  /**
   * Ray's trap: negotiate permessage-deflate when offered and then deliver no frame at all
   * (close 1000 after `ms`).
   */
  deflateTrapMs?: number;
  /** Any other HTTP request. */
  http?(req: IncomingMessage, res: ServerResponse, seen: Seen): void;
}

const JOB = /^\/api\/jobs\/([^/]+)$/;
const TAIL = /^\/api\/jobs\/([^/]+)\/logs\/tail$/;

/** A job record in Ray's shape (the captured rayrig_tasks_1, with the given status). */
export function jobRecord(id: string, status: string) {
  const terminal = ['STOPPED', 'SUCCEEDED', 'FAILED'].includes(status);
  return {
    type: 'SUBMISSION', job_id: null, submission_id: id, driver_info: null, status, entrypoint: 'python3 job.py',
    message: terminal ? 'Job finished successfully.' : 'Job is currently running.', error_type: null,
    start_time: 1795319846748, end_time: terminal ? 1795319849412 : null, metadata: null, runtime_env: null,
    driver_agent_http_address: 'http://127.0.0.1:52365', driver_node_id: '587cd5c11727c1b991afa24a8614432a0cb6235eae0bc61041e38dae', driver_exit_code: terminal ? 0 : null,
  };
}

export async function startFakeRay(options: FakeRayOptions = {}): Promise<FakeRay> {
  const prefix = options.prefix ?? '';
  const requests: Seen[] = [];
  const sockets = new Set<Socket>();
  let reads = 0;
  let tails = 0;
  let closed = 0;
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const seen: Seen = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), at: performance.now() };
    requests.push(seen);
    const path = (req.url ?? '').split('?')[0]!.slice(prefix.length);
    const job = JOB.exec(path);
    if (req.method === 'GET' && job && options.status) {
      const status = options.status(reads++);
      if (!status) return void res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end(`Job ${job[1]} does not exist`);
      return void res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' }).end(JSON.stringify(jobRecord(job[1]!, status)));
    }
    if (options.http) return options.http(req, res, seen);
    res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('404: Not Found');
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  const plain = new WebSocketServer({ noServer: true, perMessageDeflate: false });
  const deflating = new WebSocketServer({ noServer: true, perMessageDeflate: true });
  server.on('upgrade', (req, socket, head) => {
    requests.push({ method: 'UPGRADE', url: req.url ?? '', headers: req.headers, body: '', at: performance.now() });
    const path = (req.url ?? '').split('?')[0]!.slice(prefix.length);
    const n = tails++;
    const refusal = TAIL.test(path) ? options.refuse?.(n) : [404, '404: Not Found'] as [number, string];
    if (refusal) {
      const [status, text] = refusal;
      socket.end(`HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Refused'}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(text)}\r\nConnection: close\r\n\r\n${text}`);
      return;
    }
    const offered = /permessage-deflate/i.test(String(req.headers['sec-websocket-extensions'] ?? ''));
    const trap = options.deflateTrapMs !== undefined && offered;
    (trap ? deflating : plain).handleUpgrade(req, socket, head, (ws) => {
      ws.on('close', () => closed++);
      ws.on('error', () => {});
      if (trap) {
        setTimeout(() => ws.close(1000), options.deflateTrapMs);
        return;
      }
      void options.tail?.(ws, n, req);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}${prefix}`,
    requests,
    upgrades: () => requests.filter((r) => r.method === 'UPGRADE'),
    jobReads: () => requests.filter((r) => r.method === 'GET' && JOB.test(r.url.split('?')[0]!.slice(prefix.length))),
    closedSockets: () => closed,
    close: async () => {
      for (const c of [...plain.clients, ...deflating.clients]) c.terminate();
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Sends frames in order (awaiting each write), then closes with `close` (a code, or 'drop' for no close frame). */
export async function play(ws: WebSocket, frames: string[], close: number | 'drop' | 'none' = 1000, gapMs = 0): Promise<void> {
  for (const f of frames) {
    await new Promise<void>((resolve, reject) => ws.send(f, (err) => (err ? reject(err) : resolve())));
    if (gapMs) await new Promise((r) => setTimeout(r, gapMs));
  }
  if (close === 'drop') ws.terminate();
  else if (close !== 'none') ws.close(close);
}

/** Collects a tail's lines (or the error it ended with). */
export async function collect(iterable: AsyncIterable<string>): Promise<{ lines: string[]; error?: any }> {
  const lines: string[] = [];
  try {
    for await (const line of iterable) lines.push(line);
    return { lines };
  } catch (error) {
    return { lines, error };
  }
}
