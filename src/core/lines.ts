import { Readable, pipeline, type Transform } from 'node:stream';
import split2 from 'split2';

/**
 * A line splitter (split2): write text or bytes in any chunking, read whole lines, `\n` or
 * `\r\n` removed. A chunk may end mid-line (Ray's tail frames do); the rest waits for the next.
 */
export function lineSplitter(): Transform {
  return split2();
}

/**
 * The lines of an HTTP body as it streams. Breaking out of the loop cancels the body, which
 * closes the connection; a body that fails mid-way rejects the loop with that failure.
 */
export function bodyLines(body: ReadableStream<Uint8Array>): AsyncIterable<string> {
  return pipeline(Readable.fromWeb(body as import('node:stream/web').ReadableStream<Uint8Array>), split2(), () => {});
}
