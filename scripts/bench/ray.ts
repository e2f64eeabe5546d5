/**
 * Ray client benchmark, loopback only (`npm run bench`):
 *
 * - `jobs.tail` lines/s against a raw `ws` client reading the same frames and splitting lines
 *   across them (a held partial line, `\n`), handing them out one at a time through a web
 *   `ReadableStream` read with `for await` (what a hand-written follower does, minus
 *   everything the SDK adds: the job
 *   status read after the close, reconnect bookkeeping, the async iterator). The frames are
 *   the 5 captured live tail frames (`openapi/ray-logs.asyncapi.yaml`, Ray's batches, which
 *   end on line boundaries or not as Ray sent them) repeated 20,000 times: 460,000 lines.
 *
 * The fake dashboard runs in a child process and writes pre-encoded frames, so its sending
 * neither shares the event loop being measured nor limits the rate.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import WebSocket from 'ws';
import { parse } from 'yaml';
import { RayClient } from '../../src/ray/index.js';
import { compareThroughput, type BenchResult } from './types.js';

const REPEAT = 20_000;

/** The captured frames, from the AsyncAPI document's examples. */
function capturedFrames(): string[] {
  const doc = parse(readFileSync(new URL('../../openapi/ray-logs.asyncapi.yaml', import.meta.url), 'utf8'));
  return doc.components.messages.logBatch.examples.map((e: { payload: string }) => e.payload);
}

/**
 * A fake dashboard in a child process. The tail's bytes are built once: every frame encoded as
 * a WebSocket text frame, then a close frame (1000), written to the socket in one go after the
 * handshake — so the sender costs next to nothing and the clients' reading is what is measured.
 * The job reads SUCCEEDED.
 */
async function startDashboard(frames: string[]): Promise<{ url: string; child: ChildProcess }> {
  const code = `
    const http = require('node:http');
    const { createHash } = require('node:crypto');
    const frames = JSON.parse(process.env.FRAMES);
    const repeat = Number(process.env.REPEAT);
    const encode = (opcode, payload) => {
      const n = payload.length;
      const head = n < 126 ? Buffer.from([0x80 | opcode, n]) : Buffer.from([0x80 | opcode, 126, n >> 8, n & 255]);
      return Buffer.concat([head, payload]);
    };
    const one = Buffer.concat(frames.map((f) => encode(1, Buffer.from(f, 'utf8'))));
    const wire = Buffer.concat([...Array(repeat).fill(one), encode(8, Buffer.from([0x03, 0xe8]))]);
    const job = JSON.stringify({ type: 'SUBMISSION', job_id: null, submission_id: 'raysubmit_NRBzaQRtepYZud2i', status: 'SUCCEEDED' });
    const server = http.createServer((req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(job));
    server.on('upgrade', (req, socket) => {
      if (req.headers['sec-websocket-extensions']) { socket.destroy(); return; } // deflate offered: not Ray-safe
      const accept = createHash('sha1').update(req.headers['sec-websocket-key'] + '258EAFA5-E914-47DA-95CA-C5AB0DC85B11').digest('base64');
      socket.write('HTTP/1.1 101 Switching Protocols\\r\\nUpgrade: websocket\\r\\nConnection: Upgrade\\r\\nSec-WebSocket-Accept: ' + accept + '\\r\\n\\r\\n');
      socket.on('error', () => {});
      socket.on('data', () => {}); // the client's close frame
      socket.end(wire);
    });
    server.listen(0, '127.0.0.1', () => process.stdout.write(String(server.address().port) + '\\n'));
  `;
  const child = spawn(process.execPath, ['-e', code], { env: { ...process.env, FRAMES: JSON.stringify(frames), REPEAT: String(REPEAT) }, stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<string>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (c) => reject(new Error(`bench dashboard exited with ${c}`)));
    child.stdout!.once('data', (d: Buffer) => resolve(d.toString().trim()));
  });
  return { url: `http://127.0.0.1:${port}`, child };
}

export async function run(): Promise<BenchResult[]> {
  const frames = capturedFrames();
  const expected = frames.join('').split('\n').length - 1;
  const { url, child } = await startDashboard(frames);
  const ray = new RayClient({ address: url });
  const id = 'raysubmit_NRBzaQRtepYZud2i';
  try {
    const tail = await compareThroughput(
      'ray jobs.tail lines vs raw ws + the same line split, for await over a ReadableStream (captured frames ×20,000)',
      'lines/s',
      async () => {
        let n = 0;
        for await (const _ of ray.jobs.tail(id)) n++;
        if (n !== REPEAT * expected) throw new Error(`tail yielded ${n} lines, expected ${REPEAT * expected}`);
        return n;
      },
      async () => {
        // Raw `ws`, the same split (a held partial line, `\n`), the lines handed out one at a
        // time through a web `ReadableStream` read with `for await`, as the tail's caller reads them.
        let held = '';
        const lines = new ReadableStream<string>({
          start(out) {
            const ws = new WebSocket(`${url.replace('http', 'ws')}/api/jobs/${id}/logs/tail`, { perMessageDeflate: false });
            ws.on('message', (data: Buffer) => {
              const text = data.toString();
              let start = 0;
              for (let nl = text.indexOf('\n'); nl !== -1; nl = text.indexOf('\n', start)) {
                out.enqueue(held + text.slice(start, nl));
                held = '';
                start = nl + 1;
              }
              held += text.slice(start);
            });
            ws.on('error', (err) => out.error(err));
            ws.on('close', () => {
              if (held) out.enqueue(held);
              out.close();
            });
          },
        });
        let n = 0;
        for await (const _ of lines as unknown as AsyncIterable<string>) n++;
        return n;
      },
      { rounds: 7 },
    );
    return [tail];
  } finally {
    child.kill();
  }
}
