import { EventSourceParserStream } from 'eventsource-parser/stream';

/** One server-sent event as it came off the wire (`event:` defaults to `message`). */
export interface SseEvent {
  event: string;
  data: string;
  id: string | undefined;
}

/**
 * The server-sent events of a `text/event-stream` body, parsed by eventsource-parser: frames
 * split across chunks at any byte are reassembled. Breaking out of the loop cancels the body,
 * which closes the connection.
 */
export async function* sseEvents(body: ReadableStream<Uint8Array>): AsyncGenerator<SseEvent> {
  const text = body.pipeThrough(new TextDecoderStream() as unknown as TransformStream<Uint8Array, string>);
  const reader = text.pipeThrough(new EventSourceParserStream()).getReader();
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      yield { event: value.event ?? 'message', data: value.data, id: value.id };
    }
  } finally {
    await reader.cancel().catch(() => {});
  }
}
