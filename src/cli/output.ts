/**
 * Everything the `agentwire` command writes: human output (borderless aligned tables, key/value
 * lists, colour only when stdout is a terminal and `NO_COLOR` is unset), machine output
 * (`--json`: one JSON document, or one JSON object per line for streams), notes and the spinner
 * on stderr (the spinner only on a terminal). Every byte written passes through the CLI's
 * {@link Secrets}, so no credential it knows of can reach either stream.
 */
import { styleText } from 'node:util';
import Table from 'cli-table3';
import yoctoSpinner from 'yocto-spinner';
import type { Secrets } from '../core/redact.js';

/** The streams and environment the command runs with (the process's, in production). */
export interface Io {
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  env: NodeJS.ProcessEnv;
}

/** A colour or text style of `node:util` `styleText`. */
export type Style = Parameters<typeof styleText>[0];

/** One column of a {@link Output.table}: its heading and how to show a row's cell. */
export interface Column<Row> {
  title: string;
  value: (row: Row) => string;
  /** Style of the cell (when colour is on), e.g. a status colour. */
  style?: (row: Row) => Style | undefined;
}

const BORDERLESS = {
  top: '', 'top-mid': '', 'top-left': '', 'top-right': '',
  bottom: '', 'bottom-mid': '', 'bottom-left': '', 'bottom-right': '',
  left: '', 'left-mid': '', mid: '', 'mid-mid': '', right: '', 'right-mid': '',
  middle: '  ',
};

/**
 * Colour decision, the usual conventions: never with `NO_COLOR` (any non-empty value) or
 * `TERM=dumb` or `--no-color`; forced by `FORCE_COLOR` (not `0`); otherwise when the stream is a TTY.
 */
export function colourWanted(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv, flag = true): boolean {
  if (!flag) return false;
  if (env.NO_COLOR) return false;
  if (env.TERM === 'dumb') return false;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '') return env.FORCE_COLOR !== '0';
  return stream.isTTY === true;
}

/** What the command writes, and how. Build one per command run. */
export class Output {
  readonly json: boolean;
  /** Colour on stdout. */
  readonly colour: boolean;
  readonly #errColour: boolean;
  readonly #io: Io;
  readonly #secrets: Secrets;
  readonly #spin: boolean;

  constructor(io: Io, secrets: Secrets, options: { json: boolean; colour: boolean; spinner: boolean }) {
    this.#io = io;
    this.#secrets = secrets;
    this.json = options.json;
    this.colour = colourWanted(io.stdout, io.env, options.colour);
    this.#errColour = colourWanted(io.stderr, io.env, options.colour);
    this.#spin = options.spinner && io.stderr.isTTY === true && !io.env.CI;
  }

  /** `text` in `style` when stdout has colour, else as is. */
  style(style: Style | undefined, text: string): string {
    return style && this.colour && text ? styleText(style, text, { validateStream: false }) : text;
  }

  /** Writes raw text to stdout (no newline added). */
  write(text: string): void {
    this.#io.stdout.write(this.#secrets.redact(text));
  }

  /** Writes one line to stdout. */
  line(text = ''): void {
    this.write(`${text}\n`);
  }

  /** A diagnostic line on stderr (dim on a colour terminal): progress, hints, warnings. */
  note(text: string): void {
    const shown = this.#errColour ? styleText('dim', text, { validateStream: false }) : text;
    this.#io.stderr.write(this.#secrets.redact(`${shown}\n`));
  }

  /** A warning line on stderr: `warning: <text>`. */
  warn(text: string): void {
    const label = this.#errColour ? styleText('yellow', 'warning:', { validateStream: false }) : 'warning:';
    this.#io.stderr.write(this.#secrets.redact(`${label} ${text}\n`));
  }

  /** `--json`: one JSON document on stdout, indented. */
  document(value: unknown): void {
    this.write(`${JSON.stringify(value, null, 2)}\n`);
  }

  /** `--json` for streams: one JSON object on one line. */
  record(value: unknown): void {
    this.write(`${JSON.stringify(value)}\n`);
  }

  /** An aligned, borderless table with a heading row; nothing but a note when there are no rows. */
  table<Row>(columns: readonly Column<Row>[], rows: readonly Row[], empty = 'nothing to show'): void {
    if (!rows.length) {
      this.note(`(${empty})`);
      return;
    }
    const table = new Table({
      head: columns.map((c) => this.style('bold', c.title)),
      chars: BORDERLESS,
      style: { head: [], border: [], 'padding-left': 0, 'padding-right': 0, compact: true },
    });
    for (const row of rows) table.push(columns.map((c) => this.style(c.style?.(row), cell(c.value(row)))));
    this.line(table.toString().split('\n').map((l) => l.trimEnd()).join('\n'));
  }

  /** A key/value list (labels aligned); pairs whose value is `undefined` are left out. */
  fields(pairs: ReadonlyArray<readonly [label: string, value: string | undefined, style?: Style]>): void {
    const shown = pairs.filter((p): p is readonly [string, string, Style?] => p[1] !== undefined);
    const width = Math.max(0, ...shown.map(([label]) => label.length));
    for (const [label, value, style] of shown) {
      const lines = value.split('\n');
      this.line(`${this.style('bold', label.padEnd(width))}  ${this.style(style, lines[0] ?? '')}`);
      for (const rest of lines.slice(1)) this.line(`${' '.repeat(width)}  ${rest}`);
    }
  }

  /**
   * Runs `work` with a spinner on stderr saying `text` (only on a terminal; nothing otherwise).
   * The spinner stops (and its line is cleared) when `work` settles.
   */
  async waiting<T>(text: string, work: () => Promise<T>): Promise<T> {
    const stop = this.spinner(text);
    try {
      return await work();
    } finally {
      stop();
    }
  }

  /** Starts a spinner (terminal only) and returns the function that stops and clears it. */
  spinner(text: string): () => void {
    if (!this.#spin) return () => {};
    const spinner = yoctoSpinner({ text, stream: this.#io.stderr as NodeJS.WriteStream, handleSignals: false }).start();
    let stopped = false;
    return () => {
      if (stopped) return;
      stopped = true;
      spinner.clear();
      spinner.stop();
    };
  }
}

/** A table cell: one line (the first), tabs as spaces. */
function cell(text: string): string {
  const first = text.split(/\r?\n/, 1)[0] ?? '';
  return first.replace(/\t/g, ' ') + (text.includes('\n') ? ' …' : '');
}
