/**
 * The AsyncAPI coverage test: every message `openapi/runagent-stream.asyncapi.yaml` declares
 * is handled by the client — the server's frames by `parseRunStreamFrame` (each example read as the
 * kind `RUN_STREAM_MESSAGES` names), the client's own frame by `buildRunRequest` (every required
 * field present with the schema's type).
 */
import { readFile } from 'node:fs/promises';
import { Parser } from '@asyncapi/parser';
import { beforeAll, describe, expect, it } from 'vitest';
import { RUN_STREAM_MESSAGES, parseRunStreamFrame, buildRunRequest } from '../../src/runagent/frames.js';

const SPEC = new URL('../../openapi/runagent-stream.asyncapi.yaml', import.meta.url);
type Doc = NonNullable<Awaited<ReturnType<Parser['parse']>>['document']>;
let doc: Doc;
/** The frame kind the client maps a message id to (undefined for an id it does not know). */
const kindOf = (id: string): string | undefined => (RUN_STREAM_MESSAGES as Readonly<Record<string, string>>)[id];

beforeAll(async () => {
  const { document, diagnostics } = await new Parser().parse(await readFile(SPEC, 'utf8'));
  const errors = diagnostics.filter((d) => d.severity === 0);
  expect(errors.map((d) => d.message)).toEqual([]);
  doc = document!;
});

describe('runagent-stream.asyncapi.yaml', () => {
  it('declares the messages the client knows, and no other', () => {
    const ids = doc.allMessages().all().map((m) => m.id()).sort();
    expect(ids.length).toBeGreaterThan(0);
    expect(ids).toEqual(Object.keys(RUN_STREAM_MESSAGES).sort());
  });

  it('every received message: each example is read as the frame kind that handles it', () => {
    const receive = doc.operations().all().filter((op) => op.action() === 'receive');
    expect(receive.length).toBeGreaterThan(0);
    let checked = 0;
    for (const op of receive) {
      for (const message of op.messages().all()) {
        const kind = kindOf(message.id());
        expect(kind, message.id()).toBeDefined();
        expect(kind).not.toBe('unknown');
        const examples = message.examples().all();
        expect(examples.length, `${message.id()} has examples`).toBeGreaterThan(0);
        for (const example of examples) {
          const frame = parseRunStreamFrame(JSON.stringify(example.payload()), 1);
          expect(frame.kind, `${message.id()}/${example.name()}`).toBe(kind);
          checked++;
        }
      }
    }
    expect(checked).toBeGreaterThanOrEqual(13);
  });

  it('acts on no type or status the document does not declare: such a frame is read as unknown', () => {
    const declared = doc.allMessages().all().map((m) => m.payload()!.json() as { properties?: Record<string, { const?: unknown }> });
    const types = new Set<unknown>(declared.map((p) => p.properties?.type?.const).filter((t) => t !== undefined));
    const statuses = new Set<unknown>(declared.map((p) => p.properties?.status?.const).filter((s) => s !== undefined));
    expect([...types].sort()).toEqual(['data', 'error', 'status']);
    expect([...statuses].sort()).toEqual(['stream_completed', 'stream_started']);
    const frames: Array<Record<string, unknown>> = [
      { type: 'progress', content: '{}' },
      { type: 'Data', content: '{}' },
      { type: 'status', status: 'stream_paused' },
      { type: 'status' },
      { status: 'stream_completed' },
      { kind: 'error', error: 'x' },
    ];
    for (const frame of frames) {
      expect(types.has(frame.type) && (frame.type !== 'status' || statuses.has(frame.status)), 'an undeclared frame').toBe(false);
      expect(parseRunStreamFrame(JSON.stringify(frame)).kind, JSON.stringify(frame)).toBe('unknown');
    }
  });

  it('data examples decode (twice) to the captured chunks', () => {
    const data = doc.allMessages().all().find((m) => m.id() === 'data')!;
    const values = data.examples().all().map((e) => parseRunStreamFrame(JSON.stringify(e.payload()))).map((f) => (f.kind === 'data' ? f.value : undefined));
    expect(values).toEqual([1, 2, 3, 4, 5].map((n) => `chunk ${n}/5 for hi`));
  });

  it('streamCompleted carries execution_time in seconds: the client gives ms', () => {
    const completed = doc.allMessages().all().find((m) => m.id() === 'streamCompleted')!;
    const frame = parseRunStreamFrame(JSON.stringify(completed.examples().all()[0]!.payload()));
    expect(frame).toMatchObject({ kind: 'completed', totalChunks: 5, invocationId: 'ab3abebe-8f9c-4777-b373-025217a3bb5f' });
    expect(frame.kind === 'completed' && frame.executionTimeMs).toBeCloseTo(1012.772, 2);
  });

  it('every sent message: the client builds it with every required field, of the schema\'s type', () => {
    const send = doc.operations().all().filter((op) => op.action() === 'send');
    expect(send.length).toBeGreaterThan(0);
    for (const op of send) {
      for (const message of op.messages().all()) {
        expect(kindOf(message.id())).toBe('request');
        const schema = message.payload()!.json() as { required: string[]; properties: Record<string, { type: string }> };
        const built = buildRunRequest('generic_stream', { message: 'hi' }, [], 300_000) as unknown as Record<string, unknown>;
        expect(schema.required.length).toBeGreaterThan(0);
        for (const field of schema.required) expect(built, field).toHaveProperty(field);
        for (const [field, value] of Object.entries(built)) {
          const type = schema.properties[field]?.type;
          expect(type, `${field} is declared`).toBeDefined();
          const actual = Array.isArray(value) ? 'array' : Number.isInteger(value) ? 'integer' : value === null ? 'null' : typeof value;
          expect(actual === type || (type === 'number' && actual === 'integer'), `${field}: ${actual} vs ${type}`).toBe(true);
        }
        // The captured request frame has the same shape as the one the client builds.
        const captured = message.examples().all().find((e) => e.name() === 'valid')!.payload() as Record<string, unknown>;
        expect(Object.keys(built).sort()).toEqual(Object.keys(captured).sort());
      }
    }
  });
});
