/**
 * Hosted client benchmarks, loopback only (`npm run bench`); the list runs first, before the
 * stream benchmark leaves megabytes of events for the collector:
 *
 * - `agents.stream` events/s against the same local SSE stream read with fetch +
 *   eventsource-parser + `JSON.parse`, handed to the caller one event at a time by a
 *   hand-written async generator, with the same deadlines: an `AbortSignal` deadline on the
 *   response headers and an idle timeout on every body read, as the client applies them.
 *   20,000 `reply` events then `run-complete`, frames copied from the captures / spec examples.
 * - `runs.list` Runs/s iterating 10,000 Runs across 50 pages of 200 against the same pages
 *   fetched by hand (fetch + `res.json()` with a per-request deadline — one `AbortController` +
 *   `setTimeout`, as the client's timeout — following `cursor`). Rows copied from the captured
 *   `GET /runs` page.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createParser, type EventSourceMessage } from 'eventsource-parser';
import { DEFAULT_IDLE_TIMEOUT_MS, DEFAULT_TIMEOUT_MS, HostedClient } from '../../src/hosted/index.js';
import { compareThroughput, type BenchResult } from './types.js';

const EVENTS = 20_000;
const RUNS = 10_000;
const PAGE = 200;
const KEY = 'ar_live_bench_not_a_secret';
/** Alternating rounds per comparison (medians of 15: a shared machine is noisy). */
const ROUNDS = 15;

/** The stream: run-start, EVENTS replies, run-complete (run-stream.raw + the spec's withReply frame). */
function streamBody(): Buffer {
  const start = 'event: run-start\ndata: {"agentId":"echo-bot","kind":"llm","runId":"run_oFo1N5pmHCM5","retention":{"mode":"session"},"traceId":"run_oFo1N5pmHCM5","sessionId":"sess_zQlvitj3GopA"}\n\n';
  const parts = [start];
  for (let seq = 1; seq <= EVENTS; seq++) {
    parts.push(`event: reply\ndata: {"type":"reply","runId":"run_oFo1N5pmHCM5","sessionId":"sess_zQlvitj3GopA","text":"Working on it.","ts":"2026-11-22T03:41:04.810Z","seq":${seq}}\nid: ${seq}\n\n`);
  }
  parts.push('event: run-complete\ndata: {"output":"Hello from the fake model.","state":{"userQuery":"stream please"},"retention":{"mode":"session"},"runId":"run_oFo1N5pmHCM5","traceId":"run_oFo1N5pmHCM5","status":"completed","model":"fake-model","usage":{"inputTokens":12,"outputTokens":7,"totalTokens":19},"sessionId":"sess_zQlvitj3GopA"}\n\n');
  return Buffer.from(parts.join(''));
}

/** 50 pages of 200 Runs (a row of a captured `GET /runs` page with a fresh id), each but the last with a cursor. */
function pages(): Buffer[] {
  const row = {
    rootId: 'run_oFo1N5pmHCM5', agentId: 'echo-bot', agentVersion: '2026-11-22T03:41:02.516Z', userId: 'user_rig', sessionId: 'sess_zQlvitj3GopA',
    retentionMode: 'session', input: 'stream please', status: 'completed', startedAt: 1795318864803, depth: 0,
    result: { output: 'Hello from the fake model.', invocationId: 'run_oFo1N5pmHCM5', sessionId: 'sess_zQlvitj3GopA', toolCalls: [], usage: { promptTokens: 12, completionTokens: 7, totalTokens: 19, model: 'fake-model' }, duration: 14, model: 'fake-model', provider: 'openai', requestedModel: 'fake-model', responseId: 'resp_fake_2', finishReason: 'stop' },
    endedAt: 1795318864817,
  };
  const out: Buffer[] = [];
  for (let p = 0; p < RUNS / PAGE; p++) {
    const rows = Array.from({ length: PAGE }, (_, i) => ({ id: `run_${String(p * PAGE + i).padStart(12, '0')}`, ...row }));
    const last = (p + 1) * PAGE >= RUNS;
    out.push(Buffer.from(JSON.stringify(last ? { rows } : { rows, cursor: `c${p + 1}` })));
  }
  return out;
}

/**
 * The baseline's reader: what a hand-written client does to hand its caller one event at a time
 * (the agntz client's `parseSSE` shape, with eventsource-parser doing the parsing): read a chunk
 * under the idle timeout, feed the parser, yield the events it completed; cancel the body when
 * the loop is left.
 */
async function* handWrittenEvents(body: ReadableStream<Uint8Array>): AsyncGenerator<EventSourceMessage> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  const ready: EventSourceMessage[] = [];
  const parser = createParser({ onEvent: (e) => void ready.push(e) });
  try {
    for (;;) {
      let idle: ReturnType<typeof setTimeout> | undefined;
      const silence = new Promise<never>((_, reject) => (idle = setTimeout(() => reject(new Error('idle')), DEFAULT_IDLE_TIMEOUT_MS)));
      const { value, done } = await Promise.race([reader.read(), silence]).finally(() => clearTimeout(idle));
      if (done) return;
      parser.feed(decoder.decode(value, { stream: true }));
      for (const e of ready) yield e;
      ready.length = 0;
    }
  } finally {
    await reader.cancel().catch(() => {});
  }
}

async function serve(): Promise<{ url: string; server: Server }> {
  const body = streamBody();
  const listPages = pages();
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname === '/run/stream') {
      req.resume();
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
      res.end(body);
      return;
    }
    const page = Number((url.searchParams.get('cursor') ?? 'c0').slice(1));
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': listPages[page]!.length }).end(listPages[page]);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

export async function run(): Promise<BenchResult[]> {
  const { url, server } = await serve();
  const hosted = new HostedClient({ apiKey: KEY, baseUrl: url });
  const headers = { authorization: `Bearer ${KEY}`, 'content-type': 'application/json', accept: 'text/event-stream' };
  try {
    const list = await compareThroughput(
      'hosted runs.list 10,000 Runs (50 pages) vs fetch + res.json() with a per-request AbortSignal deadline',
      'runs/s',
      async () => {
        let n = 0;
        for await (const _ of hosted.runs.list({ limit: PAGE })) n++;
        return n;
      },
      async () => {
        let n = 0;
        let cursor: string | undefined;
        do {
          const controller = new AbortController();
          const timer = setTimeout(() => controller.abort(), 60_000);
          let page: { rows: unknown[]; cursor?: string };
          try {
            const res = await fetch(`${url}/runs?limit=${PAGE}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`, { headers: { authorization: `Bearer ${KEY}` }, signal: controller.signal });
            page = (await res.json()) as { rows: unknown[]; cursor?: string };
          } finally {
            clearTimeout(timer);
          }
          for (const _ of page.rows) n++; // a caller looks at every row, as the SDK loop does
          cursor = page.cursor;
        } while (cursor);
        return n;
      },
      { rounds: ROUNDS },
    );
    const stream = await compareThroughput(
      'hosted agents.stream vs fetch + eventsource-parser + JSON.parse (same deadlines)',
      'events/s',
      async () => {
        let n = 0;
        for await (const _ of hosted.agents.stream({ agentId: 'echo-bot', input: 'stream please' })) n++;
        return n;
      },
      async () => {
        // The same deadlines as the client: an AbortSignal deadline on the response headers,
        // then one setTimeout per read of the body for its idle timeout.
        const deadline = new AbortController();
        const timer = setTimeout(() => deadline.abort(new Error('timeout')), DEFAULT_TIMEOUT_MS);
        const res = await fetch(`${url}/run/stream`, { method: 'POST', headers, body: JSON.stringify({ agentId: 'echo-bot', input: 'stream please' }), signal: deadline.signal });
        clearTimeout(timer);
        let n = 0;
        for await (const e of handWrittenEvents(res.body!)) {
          JSON.parse(e.data);
          n++;
        }
        return n;
      },
      { rounds: ROUNDS },
    );
    console.error(`  the plain transport costs ${Math.round((1 - list.ratio) * 100)} % of a runs.list page`);
    return [stream, list];
  } finally {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
