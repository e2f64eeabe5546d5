import type { Transform } from 'node:stream';
import { lineSplitter } from '../core/lines.js';

/**
 * Turns the text of a log tail into lines, so that both transports yield the same units.
 *
 * The tail is one text stream cut into chunks: Ray sends batches of lines, about one a second,
 * and a batch may end mid-line (PROTOCOLS §4). Each chunk (a WebSocket `log` message, a
 * non-JSON frame, the `message` of an HTTP `data:` event) is appended with {@link push}; a
 * line ends at `\n` (`\r\n` too), a partial last line waits for the next chunk and is
 * released by {@link flush} at the end. An HTTP body line is already a whole line
 * ({@link pushLine}). Empty lines are dropped on both transports (PROTOCOLS §1 skips them on
 * HTTP), so a line count means the same thing on either.
 *
 * Splitting is core's {@link lineSplitter} (split2, which emits synchronously); the common case
 * — no partial line pending and a chunk that is exactly one line — skips it.
 */
export class LineAssembler {
  readonly #splitter: Transform = lineSplitter();
  /** The splitter holds the start of a line (the last chunk did not end with `\n`). */
  #partial = false;
  #out: string[] = [];

  constructor() {
    this.#splitter.on('data', (line: string) => {
      if (line) this.#out.push(line);
    });
  }

  /** Appends a chunk of the text stream; whole non-empty lines go to `out`. */
  push(text: string, out: string[]): void {
    if (text === '') return;
    if (!this.#partial) {
      const nl = text.indexOf('\n');
      if (nl === text.length - 1) {
        const line = nl > 0 && text.charCodeAt(nl - 1) === 13 ? text.slice(0, nl - 1) : text.slice(0, nl);
        if (line) out.push(line);
        return;
      }
    }
    this.#out = out;
    this.#splitter.write(text);
    this.#partial = text.charCodeAt(text.length - 1) !== 10;
  }

  /** Appends one whole line (its `\n` already removed); it ends any partial line. */
  pushLine(line: string, out: string[]): void {
    if (this.#partial) this.push(`${line}\n`, out);
    else if (line) out.push(line);
  }

  /** Ends the stream: the partial last line, if any, goes to `out`. */
  flush(out: string[]): void {
    if (!this.#partial) return;
    this.#partial = false;
    this.#out = out;
    this.#splitter.end();
  }
}
