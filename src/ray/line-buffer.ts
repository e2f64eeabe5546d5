/**
 * Reassembles Ray's tail frames into lines (PROTOCOLS.md §4: a frame is a batch of raw log
 * text that may end mid-line). Same rules as split2's default (`/\r?\n/`: `\n` or `\r\n`
 * removed, empty lines kept, the unterminated rest held for the next frame), without a stream
 * per line: a string scan costs ~25 ns a line where a `Transform` push costs ~250 ns, which
 * is the difference between the tail keeping up with a raw client or not (scripts/bench/ray.ts).
 */
export class LineBuffer {
  #rest = '';

  /** Appends one frame; returns the lines it completed, in order (possibly none), appended to `lines`. */
  push(text: string, lines: string[] = []): string[] {
    const from = this.#rest.length;
    const all = from ? this.#rest + text : text;
    let start = 0;
    for (let i = all.indexOf('\n', from); i !== -1; i = all.indexOf('\n', start)) {
      lines.push(all.slice(start, i > start && all.charCodeAt(i - 1) === 13 ? i - 1 : i));
      start = i + 1;
    }
    this.#rest = start ? all.slice(start) : all;
    return lines;
  }

  /** The unterminated rest (a partial line), or `undefined` when the text ended with a newline. */
  get partial(): string | undefined {
    return this.#rest ? this.#rest : undefined;
  }
}
