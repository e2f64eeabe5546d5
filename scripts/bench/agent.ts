/**
 * Agent client benchmark, loopback only (`npm run bench`), against a small agent server this
 * module starts in a child process (not Prism: Prism's validation would be what is measured),
 * so the server's sending does not share the event loop being measured.
 *
 * - `listJobs` vs the equal-function raw call: `fetch` + `json()` of the same URL and headers
 *   with a per-attempt deadline (one `AbortController` + `setTimeout`, as the client's timeout
 *   does), sequential calls, in calls per client CPU-second (`compareThroughput` with the CPU
 *   clock: wall-time request rates are noise on a shared machine). What is left is what the
 *   plain transport costs: openapi-fetch's `Request`, retries bookkeeping, the JSON checks.
 * - WebSocket tail lines/s on the realistic agent stream — one short line per message, no
 *   newline (`{"type":"log","message":"<line>"}`, the 23 captured lines of ws-tail-frames.txt
 *   in turn) — vs a raw `ws` client applying the same rule: `JSON.parse` each frame, split its
 *   `message` at `\n` (a `\r` before it dropped), count the non-empty lines. Target ≥ 0.9.
 * - HTTP tail lines/s vs raw `fetch` + `TextDecoderStream` + a line-splitting
 *   `TransformStream`, read with `for await` one line at a time, as the tail's caller reads it
 *   (plain log lines; empty lines and `data:` events not counted).
 * - Peak RSS growth (MiB, sampled every 50 ms) while tailing 1,000,000 lines over WebSocket
 *   with the limits raised, vs the raw `ws` client on the same 1M lines; each side in a fresh
 *   child process, in the same run. For this line lower is better: `ratio` = sdk / baseline
 *   growth (the baseline counted as at least 1 MiB), and the target is sdk < 32 MiB.
 *
 * Every duration is ms; throughput lines report medians of alternating rounds (compareThroughput).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import { AgentClient } from '../../src/agent/index.js';
import { compareThroughput, result, sequential, type BenchResult } from './types.js';

const TOKEN = 'bench-agent-token';
const TAIL_LINES = 150_000;
/** Calls per listJobs round (each round is one CPU-second sample). */
const LIST_CALLS = 400;
const RSS_LINES = 1_000_000;
const RAISED_LIMITS = { maxMessages: 2 ** 40, maxLines: 2 ** 40, maxBytes: 2 ** 50 };

/** The 23 lines of the captured job (ws-tail-frames.txt), which the server sends in turn. */
const CAPTURED_LINES = [
  '2026-11-22 03:55:32,015\tINFO job_manager.py:583 -- Runtime env is setting up.',
  'Running entrypoint for job raysubmit_NRBzaQRtepYZud2i: python3 -c "import time',
  'for i in range(20): print(i, flush=True); time.sleep(0.2)"',
  ...Array.from({ length: 20 }, (_, i) => String(i)),
];

/**
 * The bench's agent server, as `node -e` source: `GET /jobs/` (the three captured jobs),
 * the WebSocket tail `/jobs/n<count>/logs/` (count frames, then `complete`, close 1000) and
 * the HTTP tail `/jobs/n<count>/logs/stream/` (count lines, then the `complete` event), both
 * honouring TCP backpressure.
 */
function serverSource(wsPath: string): string {
  return `
    const http = require('node:http');
    const { WebSocketServer } = require(${JSON.stringify(wsPath)});
    const lines = JSON.parse(process.env.LINES);
    const frames = lines.map((l) => JSON.stringify({ type: 'log', message: l }));
    const complete = '{"type":"complete","message":""}';
    const jobs = Buffer.from(process.env.JOBS);
    const chunk = Buffer.from(Array.from({ length: 1000 }, (_, i) => lines[i % lines.length] + '\\n').join(''));
    const count = (url) => Number(/\\/jobs\\/n(\\d+)\\//.exec(url)?.[1] ?? 0);
    const server = http.createServer((req, res) => {
      if (req.headers.authorization !== process.env.TOKEN) return res.writeHead(401).end('{"detail":"Invalid token"}');
      if (req.url === '/jobs/') return res.writeHead(200, { 'content-type': 'application/json', 'content-length': jobs.length }).end(jobs);
      if (req.url.endsWith('/logs/stream/')) {
        const total = count(req.url);
        res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' });
        let sent = 0;
        const pump = () => {
          while (sent < total) {
            const n = Math.min(1000, total - sent);
            const ok = res.write(n === 1000 ? chunk : Array.from({ length: n }, (_, i) => lines[i % lines.length] + '\\n').join(''));
            sent += n;
            if (!ok) return res.once('drain', pump);
          }
          res.end('data: ' + complete + '\\n');
        };
        return pump();
      }
      res.writeHead(404).end();
    });
    const wss = new WebSocketServer({ server, perMessageDeflate: false });
    wss.on('connection', (ws, req) => {
      if (req.headers.authorization !== process.env.TOKEN) return ws.close(1008);
      const total = count(req.url);
      let i = 0;
      const pump = () => {
        while (i < total) {
          ws.send(frames[i++ % frames.length]);
          if (ws.bufferedAmount > 1 << 20) return ws._socket.once('drain', pump);
        }
        ws.send(complete);
        ws.close(1000);
      };
      pump();
    });
    server.listen(0, '127.0.0.1', () => process.stdout.write(String(server.address().port) + '\\n'));
  `;
}

/** The captured job records of openapi/agent.yaml's `listJobs` example (copied, not invented). */
async function capturedJobs(): Promise<string> {
  const { readFile } = await import('node:fs/promises');
  const { parse } = await import('yaml');
  const spec = parse(await readFile(new URL('../../openapi/agent.yaml', import.meta.url), 'utf8'));
  return JSON.stringify(spec.paths['/jobs/'].get.responses['200'].content['application/json'].examples.several.value);
}

async function startServer(): Promise<{ url: string; child: ChildProcess }> {
  const wsPath = createRequire(import.meta.url).resolve('ws');
  const env = { ...process.env, LINES: JSON.stringify(CAPTURED_LINES), JOBS: await capturedJobs(), TOKEN };
  const child = spawn(process.execPath, ['-e', serverSource(wsPath)], { env, stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<string>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (c) => reject(new Error(`bench agent server exited with ${c}`)));
    child.stdout!.once('data', (d: Buffer) => resolve(d.toString().trim()));
  });
  return { url: `http://127.0.0.1:${port}`, child };
}

function client(url: string): AgentClient {
  return new AgentClient({ baseUrl: url, agentToken: TOKEN, streamLimits: RAISED_LIMITS, maxRetries: 0 });
}

async function sdkWebSocketTail(agent: AgentClient, lines: number): Promise<number> {
  let n = 0;
  for await (const _ of agent.websocketTailJobLogs(`n${lines}`)) n++;
  if (n !== lines) throw new Error(`WebSocket tail yielded ${n} lines, expected ${lines}`);
  return n;
}

/** The agent's line rule, written plainly: a message's non-empty lines, `\r\n` or `\n`. */
function countLines(text: string): number {
  let n = 0;
  for (const line of text.split('\n')) if (line && line !== '\r') n++;
  return n;
}

/** The raw `ws` client: parse each frame, count its message's lines by the same rule, stop at `complete`. */
function rawWebSocketTail(url: string, lines: number): Promise<number> {
  return new Promise((resolve, reject) => {
    let n = 0;
    const ws = new WebSocket(`${url.replace(/^http/, 'ws')}/jobs/n${lines}/logs/`, { headers: { Authorization: TOKEN }, perMessageDeflate: false });
    ws.on('message', (data: Buffer) => {
      const event = JSON.parse(data.toString());
      if (event.type === 'complete') return;
      if (typeof event.message === 'string') n += countLines(event.message);
    });
    ws.on('error', reject);
    ws.on('close', () => (n === lines ? resolve(n) : reject(new Error(`raw ws read ${n} lines, expected ${lines}`))));
  });
}

async function sdkHttpTail(agent: AgentClient, lines: number): Promise<number> {
  let n = 0;
  for await (const _ of agent.streamTailJobLogs(`n${lines}`)) n++;
  if (n !== lines) throw new Error(`HTTP tail yielded ${n} lines, expected ${lines}`);
  return n;
}

/**
 * Raw `fetch` + `TextDecoderStream` + a line-splitting `TransformStream`, the lines read with
 * `for await` one at a time (what the tail hands its caller): every non-empty line but the
 * final `complete` event.
 */
async function rawHttpTail(url: string, lines: number): Promise<number> {
  const res = await fetch(`${url}/jobs/n${lines}/logs/stream/`, { headers: { Authorization: TOKEN } });
  let rest = '';
  const split = new TransformStream<string, string>({
    transform(chunk, out) {
      const parts = (rest + chunk).split('\n');
      rest = parts.pop()!;
      for (const line of parts) out.enqueue(line);
    },
    flush(out) {
      if (rest) out.enqueue(rest);
    },
  });
  let n = 0;
  const body = res.body!.pipeThrough(new TextDecoderStream()).pipeThrough(split);
  for await (const line of body as unknown as AsyncIterable<string>) if (line && !line.startsWith('data: ')) n++;
  if (n !== lines) throw new Error(`raw HTTP read ${n} lines, expected ${lines}`);
  return n;
}

/**
 * Peak RSS growth (MiB) of a fresh process tailing `lines` lines: `sdk` or `raw` WebSocket.
 * The child warms up with a small tail, then samples RSS every 50 ms during the big one.
 */
async function rssGrowth(which: 'sdk' | 'raw', url: string, lines: number): Promise<number> {
  const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), '--rss-child', which, url, String(lines)], {
    stdio: ['ignore', 'pipe', 'inherit'],
    cwd: fileURLToPath(new URL('../../', import.meta.url)),
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  if (code !== 0) throw new Error(`RSS child (${which}) exited with ${code}: ${out}`);
  return Number(out.trim().split('\n').pop());
}

async function rssChild(which: string, url: string, lines: number): Promise<void> {
  const tail = which === 'sdk' ? (n: number) => sdkWebSocketTail(client(url), n) : (n: number) => rawWebSocketTail(url, n);
  await tail(10_000); // warm-up: modules loaded, code compiled
  const base = process.memoryUsage.rss();
  let peak = base;
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), 50);
  await tail(lines);
  clearInterval(timer);
  peak = Math.max(peak, process.memoryUsage.rss());
  process.stdout.write(`${(peak - base) / 2 ** 20}\n`);
}

export async function run(): Promise<BenchResult[]> {
  const { url, child } = await startServer();
  const agent = client(url);
  try {
    // The raw call with the deadline every client request has: one AbortController and one
    // setTimeout per attempt, cleared once the body is parsed.
    const rawListJobs = async () => {
      const controller = new AbortController();
      const timer = setTimeout(() => controller.abort(), 13_000);
      try {
        const res = await fetch(`${url}/jobs/`, { headers: { Authorization: TOKEN }, signal: controller.signal });
        if (!res.ok) throw new Error(`HTTP ${res.status}`);
        return await res.json();
      } finally {
        clearTimeout(timer);
      }
    };
    const listJobs = await compareThroughput(
      'agent listJobs vs raw fetch + json() with a per-attempt AbortSignal deadline (calls per client CPU-second)',
      'calls/CPU-s',
      sequential(() => agent.listJobs(), LIST_CALLS),
      sequential(rawListJobs, LIST_CALLS),
      { rounds: 8, clock: 'cpu' },
    );
    console.error(`  the plain transport costs ${Math.round((1 - listJobs.ratio) * 100)} % of a loopback listJobs`);
    const wsTail = await compareThroughput(
      `agent WebSocket tail vs raw ws + JSON.parse + the same line rule (${TAIL_LINES.toLocaleString('en')} newline-less one-line messages)`,
      'lines/s',
      () => sdkWebSocketTail(agent, TAIL_LINES),
      () => rawWebSocketTail(url, TAIL_LINES),
    );
    const httpTail = await compareThroughput(
      `agent HTTP tail vs raw fetch + TextDecoderStream + line TransformStream, for await (${TAIL_LINES.toLocaleString('en')} lines)`,
      'lines/s',
      () => sdkHttpTail(agent, TAIL_LINES),
      () => rawHttpTail(url, TAIL_LINES),
    );
    const sdkRss = await rssGrowth('sdk', url, RSS_LINES);
    const rawRss = await rssGrowth('raw', url, RSS_LINES);
    // RSS moves in pages and the raw client may not grow at all: the ratio's denominator is at least 1 MiB.
    const rss = { ...result('agent WebSocket tail peak RSS growth, 1,000,000 lines (lower is better; target < 32 MiB)', sdkRss, rawRss, 'MiB') };
    rss.ratio = Math.round((sdkRss / Math.max(rawRss, 1)) * 1000) / 1000;
    return [listJobs, wsTail, httpTail, rss];
  } finally {
    child.kill();
  }
}

if (process.argv[2] === '--rss-child') {
  await rssChild(process.argv[3]!, process.argv[4]!, Number(process.argv[5]));
  process.exit(0);
}
