import { createParser } from 'eventsource-parser';
import { RequestTimeoutError } from './errors.js';
import { idleWait } from './idle.js';

/** One server-sent event as it came off the wire (`event:` defaults to `message`). */
export interface SseEvent {
  event: string;
  data: string;
  id: string | undefined;
}

/** Options of {@link sseChunks}. */
export interface SseOptions {
  /**
   * Longest wait for the next chunk of the body, in **ms**; `undefined` waits for ever. Only
   * the waits for the server count: the consumer's time between two events does not.
   */
  idleTimeoutMs?: number | undefined;
  /** The error thrown when the body is silent that long (default: a `RequestTimeoutError`, 408). */
  onIdle?: () => Error;
}

/**
 * The server-sent events of a `text/event-stream` body, parsed by eventsource-parser, as the
 * events each chunk read completes (arrays that may be empty, reused: take the events before
 * asking for more): the caller hands them out one at a time from its own generator, so an event
 * costs one generator step, not two (as core's `bodyLines` does for lines). Frames split across
 * chunks at any byte are reassembled. At the end of the body the parser is flushed: a final
 * `\r` (a bare-CR line ending, allowed by the WHATWG SSE grammar, held back by the parser in
 * case `\n` follows) still ends its line, so the last event is not lost; an event without its
 * closing blank line is dropped, as the grammar says. When the body is silent for
 * `idleTimeoutMs`, throws `onIdle()`. Leaving the loop, an error or a timeout cancels the body,
 * which closes the connection.
 */
export async function* sseChunks(body: ReadableStream<Uint8Array>, options: SseOptions = {}): AsyncGenerator<readonly SseEvent[], void, undefined> {
  const { idleTimeoutMs, onIdle = () => new RequestTimeoutError(`no data on the event stream for ${idleTimeoutMs} ms`, { statusCode: 408 }) } = options;
  const reader = body.getReader();
  const decoder = new TextDecoder();
  const parsed: SseEvent[] = [];
  const parser = createParser({ onEvent: (e) => void parsed.push({ event: e.event ?? 'message', data: e.data, id: e.id }) });
  let endsInCr = false;
  try {
    for (;;) {
      const { value, done } = await idleWait(reader.read(), idleTimeoutMs, onIdle);
      const text = done ? decoder.decode() : decoder.decode(value, { stream: true });
      if (text) {
        parser.feed(text);
        endsInCr = text.endsWith('\r');
      }
      // The body is over, so a held-back CR is a line ending: "\r" + "\n" is one CRLF.
      if (done && endsInCr) parser.feed('\n');
      yield parsed;
      parsed.length = 0;
      if (done) return;
    }
  } finally {
    await reader.cancel().catch(() => {});
  }
}
