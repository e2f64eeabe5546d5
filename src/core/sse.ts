import { createParser } from 'eventsource-parser';

/** One server-sent event as it came off the wire (`event:` defaults to `message`). */
export interface SseEvent {
  event: string;
  data: string;
  id: string | undefined;
}

/**
 * The server-sent events of a `text/event-stream` body, parsed by eventsource-parser, in
 * batches: every event completed by one chunk of the body comes in one array (never empty).
 * Frames split across chunks at any byte are reassembled; an unterminated last frame is
 * dropped. A reader that handles each event synchronously pays one `await` per chunk, not per
 * event. Breaking out of the loop cancels the body, which closes the connection.
 */
export async function* sseBatches(body: ReadableStream<Uint8Array>): AsyncGenerator<SseEvent[]> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let batch: SseEvent[] = [];
  const parser = createParser({ onEvent: (e) => void batch.push({ event: e.event ?? 'message', data: e.data, id: e.id }) });
  try {
    for (;;) {
      const { value, done } = await reader.read();
      parser.feed(done ? decoder.decode() : decoder.decode(value, { stream: true }));
      if (batch.length) {
        const out = batch;
        batch = [];
        yield out;
      }
      if (done) return;
    }
  } finally {
    await reader.cancel().catch(() => {});
  }
}
