/**
 * The shared mock's Ray tail (`mock/src/apis/ray.ts`) through RayClient: the captured frames
 * from `openapi/ray-logs.asyncapi.yaml` replayed as lines, paced as recorded, 404 before the
 * upgrade for an id the specs do not know, and the stream scenarios (drop-after, refuse,
 * truncate, delay) — the job status reads after each close answered by Prism.
 */
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { parse } from 'yaml';
import { NotFoundError, RayClient, ServerError, StreamError } from '../../src/ray/index.js';
import { collect } from './support.js';

const { url: mockUrl, urls } = inject('mock');
const asyncapi = parse(readFileSync(new URL('../../openapi/ray-logs.asyncapi.yaml', import.meta.url), 'utf8'));
const FRAMES: string[] = asyncapi.components.messages.logBatch.examples.map((e: { payload: string }) => e.payload);
const LINES = FRAMES.join('').split('\n').slice(0, -1);

const client = (prefer?: string) => new RayClient({ address: urls.ray, logLevel: 'off', ...(prefer ? { headers: { Prefer: prefer } } : {}) });

async function setScenario(scenario: object, times?: number) {
  const res = await fetch(`${mockUrl}/__mock/scenario`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ api: 'ray', scenario, times }) });
  expect(res.status).toBe(200);
}
afterEach(async () => {
  await fetch(`${mockUrl}/__mock/scenario`, { method: 'DELETE' });
});

describe('mock: Ray log tail', () => {
  it('replays the 5 captured frames as the 23 captured lines, then ends (Prism: SUCCEEDED)', async () => {
    expect(FRAMES).toHaveLength(5);
    const { lines, error } = await collect(client('delay=5').jobs.tail('raysubmit_NRBzaQRtepYZud2i'));
    expect(error).toBeUndefined();
    expect(lines).toEqual(LINES);
    expect(lines[0]).toBe('2026-11-22 03:55:32,015\tINFO job_manager.py:583 -- Runtime env is setting up.');
    expect(lines.at(-1)).toBe('19');
  });

  it('paces frames as recorded (x-frame-interval-ms) by default', async () => {
    expect(asyncapi.channels.jobLogsTail['x-frame-interval-ms']).toBe(1000);
    const at: Record<string, number> = {};
    for await (const line of client().jobs.tail('rayrig_tasks_1')) {
      at[line] = performance.now();
      if (line === '9') break;
    }
    expect(at['7']! - at['6']!).toBeGreaterThanOrEqual(900);
    expect(at['9']! - at['7']!).toBeGreaterThanOrEqual(900);
  });

  it('an id the specs do not know is a 404 before the upgrade', async () => {
    for (const id of ['raysubmit_doesnotexist', 'nope']) {
      const { lines, error } = await collect(client().jobs.tail(id));
      expect(lines).toEqual([]);
      expect(error).toBeInstanceOf(NotFoundError);
      expect(error.message).toBe(`WebSocket tail of job ${id} refused: 404 Not Found — Job ${id} does not exist`);
    }
  });

  it('drop-after (once): the tail reconnects, skips the replayed lines and yields each line once', async () => {
    await setScenario({ dropAfter: 2, delayMs: 5 }, 1);
    const { lines, error } = await collect(client('delay=5').jobs.tail('raysubmit_NRBzaQRtepYZud2i'));
    expect(error).toBeUndefined();
    expect(lines).toEqual(LINES);
  });

  it('drop-after on every connection: the tail gives up after maxReconnects with StreamError', async () => {
    const { lines, error } = await collect(client('delay=5, drop-after=1').jobs.tail('rayrig_tasks_1', { maxReconnects: 1 }));
    expect(lines).toEqual(LINES.slice(0, 10)); // the first frame, once
    expect(error).toBeInstanceOf(StreamError);
  });

  it('refuse=503 is a ServerError (503) once reconnects are spent', async () => {
    const { error } = await collect(client('refuse=503').jobs.tail('rayrig_tasks_1', { maxReconnects: 0 }));
    expect(error).toBeInstanceOf(ServerError);
    expect(error.statusCode).toBe(503);
  });

  it('truncate withholds the last frame and closes 1000: with the job terminal, the tail ends there', async () => {
    const { lines, error } = await collect(client('delay=5, truncate').jobs.tail('rayrig_tasks_1'));
    expect(error).toBeUndefined();
    expect(lines).toEqual(LINES.slice(0, -1));
  });
});
