import type { ClientError } from '../core/errors.js';
import { utf8Length, type StreamBudget } from '../core/stream-limits.js';
import type { messages } from '../../generated/agent-logs.asyncapi.js';

/**
 * A declared log-tail event: the payload of one message of the agent's log tail (the Synapse
 * SDK's AgentClient reads the same `{type, message}` events): a `log` event
 * (`{type?: 'log', message: string}`), an `error` event (`{type: 'error', message: string}`,
 * the tail failed) or a `complete` event (`{type: 'complete', message?: string}`, normal end).
 * Generated from the AsyncAPI document `openapi/agent-logs.asyncapi.yaml`; every event may
 * carry more fields.
 */
export type TailEvent = messages[keyof messages];

/** The `type` of a declared tail event (`log` may also be sent without a `type`). */
export type TailEventType = NonNullable<TailEvent['type']>;

/**
 * The `type`s of a log-tail event this client acts on: `log` (or no `type`) → log text,
 * `error` → the tail failed (500), `complete` → normal end. Events of any other type are
 * ignored (but counted against the limits).
 */
export const TAIL_EVENT_TYPES = ['log', 'error', 'complete'] as const satisfies readonly TailEventType[];

// Every declared type is in TAIL_EVENT_TYPES: this fails to compile when the document declares one more.
const listsEveryType: Exclude<TailEventType, (typeof TAIL_EVENT_TYPES)[number]> extends never ? true : never = true;
void listsEveryType;

/** A JSON object received on the tail, before its `type` and fields are checked. */
export type ReceivedEvent = Readonly<Record<string, unknown>>;

/** The `data: ` prefix of an event line in the HTTP tail (`GET jobs/{id}/logs/stream/`). */
export const DATA_PREFIX = 'data: ';

/**
 * `text` parsed as a tail event when it is a JSON **object**; `undefined` for anything else
 * (not JSON, or JSON such as `"123"`, `42`, `[1]`), which the tail treats as log text as-is.
 */
export function parseTailEvent(text: string): ReceivedEvent | undefined {
  const first = text.charCodeAt(0);
  if (first !== 123 /* { */ && !(first <= 32 && text.trimStart().startsWith('{'))) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as ReceivedEvent) : undefined;
}

export interface TailDecoderOptions {
  /** Counts what arrives against the tail's limits (messages on WebSocket, lines on HTTP). */
  budget: StreamBudget;
  /**
   * The error to throw for an `error` event: a 500 built by the transport from the event as
   * received (a server may send an `error` without a string `message`: it still ends the tail).
   */
  errorFrom(event: ReceivedEvent): ClientError;
  /** Called once, the first time a message or line over `maxMessageSize` is skipped. */
  onOversized?(bytes: number): void;
}

const NONE: readonly string[] = Object.freeze([]);

/**
 * The log lines of one message (a `log` event's `message`, a non-JSON frame): split at `\n`, a
 * `\r` before it (or at the end) removed, empty lines skipped. A message ends its last line:
 * an agent server sends one line per message without a trailing newline, so no text is carried
 * into the next message (a slow tail shows each line as it comes, and nothing is held).
 */
export function messageLines(text: string): readonly string[] {
  if (text.indexOf('\n') === -1) {
    const line = text.charCodeAt(text.length - 1) === 13 ? text.slice(0, -1) : text;
    return line ? [line] : NONE;
  }
  const lines: string[] = [];
  for (const piece of text.split('\n')) {
    const line = piece.charCodeAt(piece.length - 1) === 13 ? piece.slice(0, -1) : piece;
    if (line) lines.push(line);
  }
  return lines;
}

/**
 * Decodes one tail connection: WebSocket frames ({@link frame}) or HTTP body lines
 * ({@link line}) in, the log lines each one carries out. One rule on both transports — each
 * message or event gives {@link messageLines}, each plain body line one line, empty lines
 * skipped — so a count of lines means the same on either, which lets `auto` resume over HTTP
 * by count. Throws the `error` event's 500, or {@link StreamLimitError} (429) once a limit is
 * exceeded. After a `complete` event {@link complete} is true and the rest must not be read.
 */
export class TailDecoder {
  /** A `complete` event arrived: the tail ended normally. */
  complete = false;
  readonly #o: TailDecoderOptions;
  #warned = false;

  constructor(options: TailDecoderOptions) {
    this.#o = options;
  }

  /**
   * One WebSocket text frame: a JSON object is an event; anything else is log text as-is.
   * A frame over `maxMessageSize` bytes is skipped (and counted).
   */
  frame(text: string): readonly string[] {
    const bytes = utf8Length(text);
    if (!this.#o.budget.admit(bytes)) return this.#oversized(bytes);
    const event = parseTailEvent(text);
    return event === undefined ? messageLines(text) : this.#event(event);
  }

  /**
   * One line of the HTTP tail body (newline removed): empty lines are skipped; a
   * `data: {json object}` line is an event; any other line is a log line as-is. A line over
   * `maxMessageSize` bytes is skipped (and counted); a line's bytes include its newline.
   */
  line(line: string): readonly string[] {
    if (line === '') return NONE;
    const bytes = utf8Length(line) + 1;
    if (!this.#o.budget.admit(bytes)) return this.#oversized(bytes);
    if (line.startsWith(DATA_PREFIX)) {
      const event = parseTailEvent(line.slice(DATA_PREFIX.length));
      if (event !== undefined) return this.#event(event);
    }
    return messageLines(line);
  }

  /** Acts on the declared `type`s only; `null` or no `type` is `log`. */
  #event(event: ReceivedEvent): readonly string[] {
    const type = event.type ?? 'log';
    if (!isDeclared(type)) return NONE; // not ours to act on (unknown events are ignored)
    switch (type) {
      case 'log':
        return isLogEvent(event) ? messageLines(event.message) : NONE;
      case 'error':
        throw this.#o.errorFrom(event);
      case 'complete':
        this.complete = true;
        return NONE;
      default:
        return type satisfies never; // a declared type without a case fails to compile
    }
  }

  #oversized(bytes: number): readonly string[] {
    if (!this.#warned) {
      this.#warned = true;
      this.#o.onOversized?.(bytes);
    }
    return NONE;
  }
}

function isDeclared(type: unknown): type is TailEventType {
  return (TAIL_EVENT_TYPES as readonly unknown[]).includes(type);
}

/** A `log` event as declared: its `message` is a string (anything else yields nothing). */
function isLogEvent(event: ReceivedEvent): event is messages['log'] {
  return typeof event.message === 'string';
}
