/**
 * Helpers of the hosted tests: the worker captures (`test/fixtures/hosted/*.raw`) and the
 * spec's SSE examples, read as bytes; a client pointed at a test server.
 */
import { readFileSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { parse } from 'yaml';
import { HostedClient, type HostedClientOptions } from '../../src/hosted/index.js';

export const API_KEY = 'ar_live_test_0123456789abcdef';

const CAPTURES = new URL('../fixtures/hosted/', import.meta.url);

/** One recorded response: status, headers, and the de-chunked body, byte for byte. */
export interface Capture {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

/** Reads `<name>.raw`; a file without a status line is a bare body (status 200, SSE). */
export function capture(name: string): Capture {
  const raw = readFileSync(new URL(`${name}.raw`, CAPTURES));
  if (!raw.subarray(0, 5).equals(Buffer.from('HTTP/'))) {
    return { status: 200, headers: { 'content-type': 'text/event-stream' }, body: raw };
  }
  const split = raw.indexOf('\r\n\r\n');
  const head = raw.subarray(0, split).toString('latin1').split('\r\n');
  const status = Number(head[0]!.split(' ')[1]);
  const headers: Record<string, string> = {};
  for (const line of head.slice(1)) {
    const i = line.indexOf(':');
    headers[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
  }
  return { status, headers, body: raw.subarray(split + 4) };
}

/** The SSE frames of a body (`event: …\ndata: …\n\n` blocks), each with its blank line. */
export function frames(body: Buffer | string): string[] {
  return String(body).split(/(?<=\n\n)/).filter((f) => f.trim() !== '');
}

let spec: any;
/** A `text/event-stream` example of `openapi/hosted.yaml`: `sseExample('/runs/{runId}/stream', 'get', 'snapshot')`. */
export function sseExample(path: string, method: string, name: string): string {
  spec ??= parse(readFileSync(new URL('../../openapi/hosted.yaml', import.meta.url), 'utf8'));
  const value = spec.paths[path][method].responses['200'].content['text/event-stream'].examples[name]?.value;
  if (typeof value !== 'string') throw new Error(`no SSE example ${name} for ${method} ${path}`);
  return value;
}

/** Writes an SSE response head (as the worker does, without content-length). */
export function sseHead(res: ServerResponse): void {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
  res.flushHeaders();
}

/** Writes a recorded response as it was (status, content type, Location, body). */
export function replay(res: ServerResponse, c: Capture): void {
  const keep = ['content-type', 'location', 'cache-control'];
  const headers = Object.fromEntries(Object.entries(c.headers).filter(([k]) => keep.includes(k)));
  res.writeHead(c.status, headers).end(c.body);
}

/** A client of `url` with the test key and quick reconnects. */
export function client(url: string, options: HostedClientOptions = {}): HostedClient {
  return new HostedClient({ apiKey: API_KEY, baseUrl: url, logLevel: 'off', ...options });
}

/** Collects a stream's events, or the error it threw (as `error`). */
export async function collect<T>(stream: AsyncIterable<T>): Promise<{ events: T[]; error: any }> {
  const events: T[] = [];
  try {
    for await (const e of stream) events.push(e);
    return { events, error: undefined };
  } catch (error) {
    return { events, error };
  }
}

export const tick = () => new Promise((r) => setImmediate(r));
