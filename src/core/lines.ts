import type { Transform } from 'node:stream';
import split2 from 'split2';

/**
 * A line splitter (split2): write text or bytes in any chunking, read whole lines, `\n` or
 * `\r\n` removed. A chunk may end mid-line (Ray's tail frames do); the rest waits for the next,
 * and `end()` releases it (a last line without a newline; an empty rest is no line).
 *
 * With `onLine`, each line goes to it synchronously, during the `write()` or `end()` that
 * completed it, and nothing is queued on the readable side (split2 drops a line its mapper
 * maps to `undefined`): no stream push per line, no backpressure to wait for. Strings are then
 * split as they are, without the UTF-8 round trip a `Writable` makes by default
 * (`decodeStrings: false`; split2's `StringDecoder` passes a string through).
 */
export function lineSplitter(onLine?: (line: string) => void): Transform {
  if (!onLine) return split2();
  return split2(
    (line: string) => {
      onLine(line);
      return undefined;
    },
    { decodeStrings: false },
  );
}

/** Options of a {@link LineAssembler}. */
export interface LineAssemblerOptions {
  /**
   * Hand out empty lines (default `false`: dropped). The agent's tail drops them (PROTOCOLS §1
   * skips empty lines on HTTP, so a line count means the same on both transports); Ray's tail
   * keeps them (PROTOCOLS §4: the frames are the log's raw text, and a blank line is content).
   */
  keepEmpty?: boolean;
}

/**
 * Turns a text stream cut into chunks into lines, appended to the caller's array — so a
 * tail gathers a burst of chunks into one batch without a promise or a stream push per line.
 *
 * A log tail is one text stream in chunks: Ray sends batches of lines, about one a second, and
 * a batch may end mid-line (PROTOCOLS §4); the agent relays them as WebSocket `log` messages
 * or HTTP `data:` events (PROTOCOLS §1). Each chunk is appended with {@link push}; a line ends
 * at `\n` (`\r\n` too), a partial last line waits for the next chunk, and {@link end} returns
 * it once the stream is over. An already whole line (an HTTP body line) goes in with
 * {@link pushLine}.
 *
 * Splitting is core's {@link lineSplitter} (split2, with a mapper that collects each line, so
 * lines come out synchronously); the common case of the agent's tail — no partial line pending
 * and a chunk that is exactly one line — skips it.
 */
export class LineAssembler {
  readonly #keepEmpty: boolean;
  /** Created on the first chunk that needs it, and again after {@link end}. */
  #splitter: Transform | undefined;
  /** The splitter holds the start of a line (the last chunk did not end with `\n`). */
  #partial = false;
  /** Where the splitter's lines go: the array of the current call. */
  #out: string[] = [];

  constructor(options: LineAssemblerOptions = {}) {
    this.#keepEmpty = options.keepEmpty ?? false;
  }

  /** Appends a chunk of the text stream; the lines it completes are appended to `out`, which is returned. */
  push(text: string, out: string[] = []): string[] {
    if (text === '') return out;
    if (!this.#partial) {
      const nl = text.indexOf('\n');
      if (nl === text.length - 1) {
        const line = nl > 0 && text.charCodeAt(nl - 1) === 13 ? text.slice(0, nl - 1) : text.slice(0, nl);
        if (line || this.#keepEmpty) out.push(line);
        return out;
      }
    }
    this.#out = out;
    (this.#splitter ??= this.#newSplitter()).write(text);
    this.#partial = text.charCodeAt(text.length - 1) !== 10;
    return out;
  }

  /** Appends one whole line (its `\n` already removed) to `out`; it ends any partial line. */
  pushLine(line: string, out: string[]): void {
    if (this.#partial) this.push(`${line}\n`, out);
    else if (line || this.#keepEmpty) out.push(line);
  }

  /**
   * Ends the text stream: returns the partial last line (what followed the last newline, as
   * split2 releases it), or `undefined` when the text ended with a newline. A later
   * {@link push} starts a new stream.
   */
  end(): string | undefined {
    if (!this.#partial) return undefined;
    this.#partial = false;
    const rest: string[] = [];
    this.#out = rest;
    this.#splitter!.end();
    this.#splitter = undefined;
    return rest[0];
  }

  /** {@link end}, with the partial last line (if any) appended to `out`. */
  flush(out: string[]): void {
    const rest = this.end();
    if (rest !== undefined) out.push(rest);
  }

  #newSplitter(): Transform {
    return lineSplitter(
      this.#keepEmpty
        ? (line) => this.#out.push(line)
        : (line) => {
            if (line) this.#out.push(line);
          },
    );
  }
}
