/**
 * The AsyncAPI coverage test: every message `openapi/agent-logs.asyncapi.yaml` declares is
 * handled by the client's frame handling (`TailDecoder`), and the client acts on no `type`
 * the document does not declare. Each example goes through the decoder and must do what its
 * message means: `log` → lines, `error` → a 500, `complete` → the end.
 */
import { readFile } from 'node:fs/promises';
import { Parser } from '@asyncapi/parser';
import { beforeAll, describe, expect, it } from 'vitest';
import { ServerError, TAIL_EVENT_TYPES } from '../../src/agent/index.js';
import { TailDecoder, type ReceivedEvent } from '../../src/agent/frames.js';
import { DEFAULT_STREAM_LIMITS, StreamBudget } from '../../src/core/stream-limits.js';
import { CAPTURED_LINES } from './helpers.js';

const SPEC = new URL('../../openapi/agent-logs.asyncapi.yaml', import.meta.url);
type Doc = NonNullable<Awaited<ReturnType<Parser['parse']>>['document']>;
let doc: Doc;

beforeAll(async () => {
  const { document, diagnostics } = await new Parser().parse(await readFile(SPEC, 'utf8'));
  expect(diagnostics.filter((d) => d.severity === 0).map((d) => d.message)).toEqual([]);
  doc = document!;
});

function decoder() {
  return new TailDecoder({
    budget: new StreamBudget({ ...DEFAULT_STREAM_LIMITS }, 'message'),
    errorFrom: (event: ReceivedEvent) => new ServerError(`${String(event.message)} (HTTP 500)`, { statusCode: 500, detail: event }),
  });
}

/** The `type` const of a message's payload schema. */
function payloadType(message: ReturnType<Doc['allMessages']>['all'] extends () => Array<infer M> ? M : never): string {
  const type = message.payload()!.properties()!.type;
  return type!.const() as string;
}

describe('agent-logs.asyncapi.yaml', () => {
  it('declares exactly the event types the client acts on', () => {
    const types = doc.allMessages().all().map(payloadType).sort();
    expect(types).toEqual([...TAIL_EVENT_TYPES].sort());
  });

  it('every received message has examples, and each one is handled as its type says', () => {
    const receive = doc.operations().all().filter((op) => op.action() === 'receive');
    expect(receive.length).toBe(1);
    const seen = new Set<string>();
    for (const message of receive[0]!.messages().all()) {
      const type = payloadType(message);
      const examples = message.examples().all();
      expect(examples.length, `${message.id()} has examples`).toBeGreaterThan(0);
      for (const example of examples) {
        const d = decoder();
        let out: readonly string[] = [];
        const frame = JSON.stringify(example.payload());
        if (type === 'log') {
          out = d.frame(frame);
          expect(out.length, example.name()).toBeGreaterThan(0);
          expect(d.complete).toBe(false);
        } else if (type === 'error') {
          let err: any;
          try {
            d.frame(frame);
          } catch (e) {
            err = e;
          }
          expect(err, example.name()).toBeInstanceOf(ServerError);
          expect(err.statusCode).toBe(500);
          expect(err.message).toContain((example.payload() as { message: string }).message);
        } else if (type === 'complete') {
          out = d.frame(frame);
          expect(d.complete, example.name()).toBe(true);
          expect(out).toEqual([]);
        } else {
          throw new Error(`message ${message.id()} has a type the client does not handle: ${type}`);
        }
        seen.add(type);
      }
    }
    expect([...seen].sort()).toEqual([...TAIL_EVENT_TYPES].sort());
  });

  it('acts on no type the document does not declare: such an event gives nothing, throws nothing, ends nothing', () => {
    const declared = new Set(doc.allMessages().all().map(payloadType));
    for (const type of ['progress', 'Error', 'COMPLETE', 'logs', '', 42, true]) {
      expect(declared.has(type as string)).toBe(false);
      const d = decoder();
      expect(d.frame(JSON.stringify({ type, message: 'text' })), String(type)).toEqual([]);
      expect(d.line(`data: ${JSON.stringify({ type, message: 'text' })}`), String(type)).toEqual([]);
      expect(d.complete).toBe(false);
    }
  });

  it('the log examples, in order, are the captured job: 23 lines', () => {
    const log = doc.allMessages().all().find((m) => payloadType(m) === 'log')!;
    const d = decoder();
    const out: string[] = [];
    for (const example of log.examples().all()) out.push(...d.frame(JSON.stringify(example.payload())));
    expect(out).toEqual(CAPTURED_LINES);
  });
});
