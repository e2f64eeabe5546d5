import { idleWait } from './idle.js';

/** The default bound on a partial line, in characters (UTF-16 code units): 1 Mi. */
export const DEFAULT_MAX_LINE_LENGTH = 1024 * 1024;

/**
 * Splits a text stream that arrives in chunks (Ray's log frames, an HTTP body) into lines: a
 * line ends at `\n`, and a `\r` before it is removed. A chunk may end mid-line; the partial
 * line is held until a later chunk ends it, or until it grows past `maxLineLength`
 * characters, when it is handed out as a line of its own and the rest follows as the next.
 *
 * Linear in the input: each chunk is searched once from its start, the held pieces are joined
 * once, when their line ends (no re-scan of held text, however many chunks a line spans).
 */
export class LineDecoder {
  #parts: string[] = [];
  #held = 0;

  constructor(private readonly maxLineLength = DEFAULT_MAX_LINE_LENGTH) {}

  /** Appends a chunk; returns the lines it completes (without their newline), in order. */
  push(text: string): string[] {
    const lines: string[] = [];
    let start = 0;
    for (let nl = text.indexOf('\n'); nl !== -1; nl = text.indexOf('\n', start)) {
      let line = text.slice(start, nl);
      if (this.#held) {
        this.#parts.push(line);
        line = this.#parts.join('');
        this.#parts = [];
        this.#held = 0;
      }
      lines.push(line.charCodeAt(line.length - 1) === 13 ? line.slice(0, -1) : line);
      start = nl + 1;
    }
    if (start < text.length) {
      const rest = start ? text.slice(start) : text;
      this.#parts.push(rest);
      this.#held += rest.length;
      if (this.#held > this.maxLineLength) this.#cut(lines);
    }
    return lines;
  }

  /** Ends the stream: returns the partial last line, or `undefined` when none is held. */
  end(): string | undefined {
    if (!this.#held) return undefined;
    const rest = this.#parts.join('');
    this.#parts = [];
    this.#held = 0;
    return rest;
  }

  /** The held text is over the bound: hand out whole `maxLineLength` pieces, keep the rest. */
  #cut(lines: string[]): void {
    const text = this.#parts.join('');
    let at = 0;
    for (; text.length - at > this.maxLineLength; at += this.maxLineLength) lines.push(text.slice(at, at + this.maxLineLength));
    const rest = text.slice(at);
    this.#parts = rest ? [rest] : [];
    this.#held = rest.length;
  }
}

/** Options of {@link bodyLines}. */
export interface BodyLinesOptions {
  /** ms one read of the body may wait for the server; none when unset. */
  idleTimeoutMs?: number;
  /** The error a read that waited `idleTimeoutMs` rejects with (the body is then cancelled). */
  onIdle?: () => Error;
  /** See {@link LineDecoder}; default 1 Mi characters. */
  maxLineLength?: number;
}

/**
 * The lines of a streamed UTF-8 body (`\n` or `\r\n` removed, empty lines included, a last
 * line without a newline at the end), as the lines each chunk read completes (arrays that may
 * be empty): the caller hands them out one at a time from its own generator, so a line costs
 * one generator step, not two. Web streams only: a `TextDecoder` in streaming mode, so a
 * character split between chunks survives.
 *
 * The body is read only when the caller asks for more, so only those reads count against
 * `idleTimeoutMs` (core's `idleWait`). Ending the loop early, a timeout or a body failure
 * cancels the body (the connection closes); a failure rejects with the body's error.
 */
export async function* bodyLines(body: ReadableStream<Uint8Array>, options: BodyLinesOptions = {}): AsyncGenerator<readonly string[], void, undefined> {
  const reader = body.getReader();
  const text = new TextDecoder();
  const lines = new LineDecoder(options.maxLineLength);
  const onIdle = options.onIdle ?? (() => new Error(`no data for ${options.idleTimeoutMs} ms`));
  try {
    for (;;) {
      const { value, done } = await idleWait(reader.read(), options.idleTimeoutMs, onIdle);
      if (done) break;
      yield lines.push(text.decode(value, { stream: true }));
    }
    const last = lines.push(text.decode());
    const rest = lines.end();
    if (rest !== undefined) last.push(rest);
    yield last;
  } finally {
    await reader.cancel().catch(() => {});
  }
}
