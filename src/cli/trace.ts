/**
 * `--trace`: the spans a command's clients made, printed to stderr as a compact tree once it
 * ends. The clients take an OpenTelemetry API object (`tracing: { api }`); this is a small
 * in-process one that records spans instead of exporting them, so the command needs no
 * OpenTelemetry package installed.
 */
import type { Attributes, AttributeValue, OpenTelemetryApi, SpanLike, TracerLike } from '../core/tracing.js';

interface Recorded {
  name: string;
  parent: Recorded | undefined;
  attributes: Record<string, AttributeValue>;
  events: Array<{ name: string; attributes: Record<string, AttributeValue>; at: number }>;
  error: boolean;
  start: number;
  end: number | undefined;
  children: Recorded[];
}

function hex(bytes: number): string {
  return Array.from(crypto.getRandomValues(new Uint8Array(bytes)), (b) => b.toString(16).padStart(2, '0')).join('');
}

function defined(attributes: Attributes | undefined): Record<string, AttributeValue> {
  const out: Record<string, AttributeValue> = {};
  for (const [k, v] of Object.entries(attributes ?? {})) if (v !== undefined) out[k] = v;
  return out;
}

/** A parent in this recorder's "context": the span itself. */
type Context = { span: Recorded } | undefined;

/** Records every span of one command; {@link render} draws them. */
export class SpanRecorder {
  readonly #roots: Recorded[] = [];
  readonly #traceId = hex(16);

  /** The API object to pass as the clients' `tracing: { api }`. */
  readonly api: OpenTelemetryApi = {
    trace: {
      getTracer: (): TracerLike => ({ startSpan: (name, options, context?: Context) => this.#start(name, options?.attributes, context) }),
      setSpan: (_context: Context, span: SpanLike & { record?: Recorded }): Context => (span.record ? { span: span.record } : undefined),
    },
    context: { active: (): Context => undefined },
    // No propagator: the clients write a W3C traceparent from the span.
    propagation: { inject: () => {} },
  };

  #start(name: string, attributes: Attributes | undefined, context: Context): SpanLike {
    const parent = context?.span;
    const record: Recorded = { name, parent, attributes: defined(attributes), events: [], error: false, start: performance.now(), end: undefined, children: [] };
    (parent ? parent.children : this.#roots).push(record);
    const spanId = hex(8);
    const traceId = this.#traceId;
    return {
      record,
      setAttribute: (key: string, value: AttributeValue) => void (record.attributes[key] = value),
      addEvent: (event: string, attrs?: Attributes) => void record.events.push({ name: event, attributes: defined(attrs), at: performance.now() }),
      setStatus: (status: { code: number }) => void (record.error ||= status.code === 2),
      recordException: () => {},
      spanContext: () => ({ traceId, spanId, traceFlags: 1 }),
      end: () => void (record.end ??= performance.now()),
    } as SpanLike;
  }

  /** Whether any span was recorded. */
  get empty(): boolean {
    return this.#roots.length === 0;
  }

  /**
   * The tree, one line per span and event, in start order:
   *
   * ```text
   * trace 4bf92f3577b34da6a3ce929d0e0e4736
   * ├─ GET /api/jobs/{job_or_submission_id} 503 ✗ 3 ms
   * ├─ GET /api/jobs/{job_or_submission_id} 200 resend=1 2 ms
   * └─ tail /jobs/{job_id}/logs items=2 41 ms
   *    ├─ · fallback error.type=WS_REFUSED
   *    └─ GET /jobs/{job_id}/logs/stream/ 200 30 ms
   * ```
   */
  render(): string {
    type Item = { at: number; line: string; node?: Recorded };
    const spans = (nodes: Recorded[]): Item[] => nodes.map((node) => ({ at: node.start, line: describeSpan(node), node }));
    const lines = [`trace ${this.#traceId}`];
    const draw = (items: Item[], prefix: string) => {
      items.sort((a, b) => a.at - b.at);
      items.forEach((item, i) => {
        const last = i === items.length - 1;
        lines.push(`${prefix}${last ? '└─ ' : '├─ '}${item.line}`);
        if (!item.node) return;
        const events: Item[] = item.node.events.map((e) => ({ at: e.at, line: `· ${e.name}${attrs(e.attributes)}` }));
        draw([...events, ...spans(item.node.children)], prefix + (last ? '   ' : '│  '));
      });
    };
    draw(spans(this.#roots), '');
    return `${lines.join('\n')}\n`;
  }
}

function attrs(attributes: Record<string, AttributeValue>): string {
  const shown = Object.entries(attributes).map(([k, v]) => `${k.replace(/^agentwire\.(stream|tail)\./, '')}=${v}`);
  return shown.length ? ` ${shown.join(' ')}` : '';
}

function describeSpan(node: Recorded): string {
  const a = node.attributes;
  const parts = [node.name];
  if (a['http.response.status_code'] !== undefined) parts.push(String(a['http.response.status_code']));
  if (a['http.request.resend_count'] !== undefined) parts.push(`resend=${a['http.request.resend_count']}`);
  if (a['agentwire.stream.items'] !== undefined) parts.push(`items=${a['agentwire.stream.items']}`);
  if (node.error) parts.push(`✗ ${a['error.type'] ?? 'error'}`);
  parts.push(node.end === undefined ? 'unfinished' : `${Math.round(node.end - node.start)} ms`);
  return parts.join(' ');
}
