import { Readable, pipeline, type Transform } from 'node:stream';
import { lineSplitter } from './lines.js';

/**
 * The lines of a streamed HTTP body ({@link lineSplitter} over the bytes: `\n` or `\r\n`,
 * empty lines included, the caller decides), read with one `await` per arriving chunk instead
 * of one per line, so a tail can hand them out in batches (see {@link LineIterator}):
 * {@link read} returns the next buffered line (or `null`), {@link wait} resolves when more is
 * buffered or the body has ended ({@link done}), and rejects with the body's failure. A
 * `for await` over the splitter costs an async step per line on top of the tail's own; the
 * agent's HTTP tail bench showed it. The lines are read from the splitter's readable side, so
 * a consumer that falls behind pauses the body instead of buffering it.
 * {@link close} cancels the body (the connection closes at once).
 */
export class BodyLineReader {
  readonly #source: Readable;
  readonly #lines: Transform;
  #done = false;
  #failed = false;
  #error: unknown;
  #ready = false;
  #wake: (() => void) | undefined;

  constructor(body: ReadableStream<Uint8Array>) {
    this.#source = Readable.fromWeb(body as import('node:stream/web').ReadableStream<Uint8Array>);
    this.#lines = lineSplitter();
    pipeline(this.#source, this.#lines, (err) => {
      if (err && !this.#done) {
        this.#failed = true;
        this.#error = err;
      }
      this.#notify();
    });
    this.#lines.on('readable', () => this.#notify());
    this.#lines.on('end', () => {
      this.#done = true;
      this.#notify();
    });
  }

  /** The body ended and every line was read. */
  get done(): boolean {
    return this.#done;
  }

  /** The next buffered line, or `null` when none is buffered (then {@link wait}). */
  read(): string | null {
    return this.#lines.destroyed ? null : (this.#lines.read() as string | null);
  }

  /** Resolves once more lines are buffered or the body ended; rejects if the body failed. */
  async wait(): Promise<void> {
    if (!this.#ready && !this.#done && !this.#failed) await new Promise<void>((resolve) => (this.#wake = resolve));
    this.#ready = false;
    if (this.#failed) throw this.#error;
  }

  /** Stops reading: destroys the splitter and cancels the body. */
  close(): void {
    this.#lines.destroy();
    this.#source.destroy();
  }

  #notify(): void {
    const wake = this.#wake;
    this.#wake = undefined;
    if (wake) wake();
    else this.#ready = true;
  }
}
