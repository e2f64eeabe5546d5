/**
 * The AsyncAPI coverage test for Ray's tail: `openapi/ray-logs.asyncapi.yaml` declares one
 * message, `logBatch` (raw log text, not JSON), the client only receives, and `jobs.tail` turns
 * the examples — frames played in order by a fake dashboard on 127.0.0.1 — into the captured
 * log's lines. A frame is never read as JSON: one that looks like an event is a log line as-is.
 */
import { readFile } from 'node:fs/promises';
import { Parser } from '@asyncapi/parser';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { RayClient } from '../../src/ray/index.js';
import { collect, play, startFakeRay, type FakeRay } from './support.js';

const SPEC = new URL('../../openapi/ray-logs.asyncapi.yaml', import.meta.url);
type Doc = NonNullable<Awaited<ReturnType<Parser['parse']>>['document']>;
let doc: Doc;

beforeAll(async () => {
  const { document, diagnostics } = await new Parser().parse(await readFile(SPEC, 'utf8'));
  expect(diagnostics.filter((d) => d.severity === 0).map((d) => d.message)).toEqual([]);
  doc = document!;
});

const servers: FakeRay[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function tail(frames: string[]): Promise<string[]> {
  const s = await startFakeRay({ status: () => 'SUCCEEDED', tail: (ws) => play(ws, frames) });
  servers.push(s);
  const { lines, error } = await collect(new RayClient({ address: s.url, logLevel: 'off' }).jobs.tail('raysubmit_NRBzaQRtepYZud2i'));
  expect(error).toBeUndefined();
  return lines;
}

describe('ray-logs.asyncapi.yaml', () => {
  it('declares one received message, logBatch: text/plain raw log text', () => {
    expect(doc.allMessages().all().map((m) => m.id())).toEqual(['logBatch']);
    expect(doc.operations().all().map((op) => op.action())).toEqual(['receive']);
    const message = doc.allMessages().all()[0]!;
    expect(message.contentType()).toBe('text/plain');
    expect(message.payload()!.type()).toBe('string');
  });

  it('jobs.tail reads the logBatch examples, in order, as the captured log: 23 lines', async () => {
    const frames = doc.allMessages().all()[0]!.examples().all().map((e) => e.payload() as unknown as string);
    expect(frames.length).toBe(5);
    const lines = await tail(frames);
    expect(lines).toEqual(frames.join('').split('\n').slice(0, -1));
    expect(lines).toHaveLength(23);
  });

  it('acts on no frame type: a frame that looks like an agent event is log text as-is', async () => {
    const frames = ['{"type":"complete","message":""}\n', '{"type":"error","message":"boom"}\n', 'after\n'];
    expect(await tail(frames)).toEqual(['{"type":"complete","message":""}', '{"type":"error","message":"boom"}', 'after']);
  });
});
