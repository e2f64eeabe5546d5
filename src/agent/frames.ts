import type { ClientError } from '../core/errors.js';
import { utf8Length, type StreamBudget } from '../core/stream-limits.js';
import { LineAssembler } from '../core/lines.js';

/**
 * The `type`s of a log-tail event this client acts on (PROTOCOLS §1; the messages of
 * `openapi/agent-logs.asyncapi.yaml` and the `StreamEvent` schema of `openapi/agent.yaml`):
 * `log` (or no `type`) → log text, `error` → the tail failed (500), `complete` → normal end.
 * Events of any other type are ignored (but counted against the limits).
 */
export const TAIL_EVENT_TYPES = ['log', 'error', 'complete'] as const;
export type TailEventType = (typeof TAIL_EVENT_TYPES)[number];

/** A parsed `{type, message}` tail event. */
export interface TailEvent {
  type?: string | null;
  message?: unknown;
  [key: string]: unknown;
}

/** The `data: ` prefix of an event line in the HTTP tail (PROTOCOLS §1, "HTTP tail"). */
export const DATA_PREFIX = 'data: ';

/**
 * `text` parsed as a tail event when it is a JSON **object**; `undefined` for anything else
 * (not JSON, or JSON such as `"123"`, `42`, `[1]`), which the tail treats as log text as-is.
 */
export function parseTailEvent(text: string): TailEvent | undefined {
  const first = text.charCodeAt(0);
  if (first !== 123 /* { */ && !(first <= 32 && text.trimStart().startsWith('{'))) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as TailEvent) : undefined;
}

export interface TailDecoderOptions {
  /** Counts what arrives against the tail's limits (messages on WebSocket, lines on HTTP). */
  budget: StreamBudget;
  /** The error to throw for an `error` event: a 500 built by the transport from the event. */
  errorFrom(event: TailEvent): ClientError;
  /** Called once, the first time a message or line over `maxMessageSize` is skipped. */
  onOversized?(bytes: number): void;
}

/**
 * Decodes one tail connection: WebSocket frames ({@link frame}) or HTTP body lines
 * ({@link line}) in, log lines out (appended to the caller's array, see {@link LineAssembler}).
 * Throws the `error` event's 500, or {@link StreamLimitError} (429) once a limit is exceeded.
 * After a `complete` event {@link complete} is true and the rest must not be read.
 */
export class TailDecoder {
  /** A `complete` event arrived: the tail ended normally. */
  complete = false;
  /**
   * One text stream for the connection: every chunk (a WebSocket `log` message, a non-JSON
   * frame, the `message` of an HTTP `data:` event) is pushed, an HTTP body line goes in whole.
   * Empty lines are dropped on both transports (PROTOCOLS §1 skips them on HTTP), so a line
   * count means the same thing on either — what lets `auto` resume over HTTP by count.
   */
  readonly #lines = new LineAssembler();
  readonly #o: TailDecoderOptions;
  #warned = false;

  constructor(options: TailDecoderOptions) {
    this.#o = options;
  }

  /**
   * One WebSocket text frame: a JSON object is an event; anything else is log text as-is.
   * A frame over `maxMessageSize` bytes is skipped (and counted).
   */
  frame(text: string, out: string[]): void {
    const bytes = utf8Length(text);
    if (!this.#o.budget.admit(bytes)) return this.#oversized(bytes);
    const event = parseTailEvent(text);
    if (event === undefined) this.#lines.push(text, out);
    else this.#event(event, out);
  }

  /**
   * One line of the HTTP tail body (newline removed): empty lines are skipped; a
   * `data: {json object}` line is an event; any other line is a log line as-is. A line over
   * `maxMessageSize` bytes is skipped (and counted); a line's bytes include its newline.
   */
  line(line: string, out: string[]): void {
    if (line === '') return;
    const bytes = utf8Length(line) + 1;
    if (!this.#o.budget.admit(bytes)) return this.#oversized(bytes);
    if (line.startsWith(DATA_PREFIX)) {
      const event = parseTailEvent(line.slice(DATA_PREFIX.length));
      if (event !== undefined) return this.#event(event, out);
    }
    this.#lines.pushLine(line, out);
  }

  /** The stream ended (closed or body done): the partial last line, if any, goes to `out`. */
  end(out: string[]): void {
    this.#lines.flush(out);
  }

  #event(event: TailEvent, out: string[]): void {
    const type = event.type;
    if (type === undefined || type === null || type === 'log') {
      if (typeof event.message === 'string') this.#lines.push(event.message, out);
    } else if (type === 'error') {
      throw this.#o.errorFrom(event);
    } else if (type === 'complete') {
      this.complete = true;
      this.#lines.flush(out);
    }
    // Any other type: not ours to act on (DESIGN.md: unknown events are ignored).
  }

  #oversized(bytes: number): void {
    if (this.#warned) return;
    this.#warned = true;
    this.#o.onOversized?.(bytes);
  }
}
