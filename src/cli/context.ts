/**
 * What every command action gets: the parsed global options, the {@link Output}, the signal
 * that Ctrl-C aborts, the options shared by every client (`--header`, `--timeout`, `--retries`,
 * a stderr logger), and the CLI's {@link Secrets} — every credential found in the environment
 * or on the command line, redacted from everything the command writes.
 */
import type { Command } from 'commander';
import type { Logger, LogLevel } from '../core/log.js';
import { Secrets } from '../core/redact.js';
import { invalid } from '../core/validate.js';
import { Output, type Io } from './output.js';
import { SpanRecorder } from './trace.js';
import type { TracingOptions } from '../core/tracing.js';

/** The options of the root command, valid on every command. */
export interface GlobalOptions {
  json?: boolean;
  debug?: boolean;
  header?: string[];
  timeout?: number;
  retries?: number;
  color?: boolean;
  trace?: boolean;
}

/** Environment variables that hold credentials: their values are redacted from all output. */
export const CREDENTIAL_ENV = ['AGENT_TOKEN', 'AGENT_USER_TOKEN', 'AGENT_TENANT', 'AGNTZ_API_KEY', 'RUNAGENT_API_KEY', 'RAY_AUTH_TOKEN'] as const;

/** Flags whose value is a credential (redacted from all output, commander's own errors included). */
export const CREDENTIAL_FLAGS = ['--token', '--user-token', '--tenant', '--api-key'] as const;

/** The shortest credential the command masks in its own output (see {@link Cli.addSecret}). */
export const MIN_SECRET_LENGTH = 8;

/** Options every client constructor takes, filled from the global options. */
export interface SharedClientOptions {
  headers?: Record<string, string>;
  timeout?: number;
  maxRetries?: number;
  logger: Logger;
  logLevel?: LogLevel;
  tracing?: TracingOptions;
}

/** One run of the command line: its streams, its secrets, and the signal Ctrl-C aborts. */
export class Cli {
  readonly io: Io;
  readonly secrets = new Secrets();
  readonly signal: AbortSignal;
  /** The spans of this run's clients, with `--trace`; printed by `runCli` at the end. */
  spans: SpanRecorder | undefined;

  constructor(io: Io, signal: AbortSignal, argv: readonly string[]) {
    this.io = io;
    this.signal = signal;
    for (const name of CREDENTIAL_ENV) this.addSecret(io.env[name]);
    this.#scanArgv(argv);
  }

  /**
   * Remembers a credential so nothing the command writes shows it. Values under
   * {@link MIN_SECRET_LENGTH} characters are not masked in the command's output (the clients
   * still mask them in their errors): masking `test` would garble every word that contains it.
   */
  addSecret(value: string | undefined): void {
    const v = value?.trim();
    if (v && v.length >= MIN_SECRET_LENGTH) this.secrets.add(v);
  }

  /** The context of the action of `command` (global options merged in). */
  session(command: Command): Session {
    return new Session(this, command.optsWithGlobals<GlobalOptions>());
  }

  /** Credential values on the command line: after a credential flag, and the value of every `--header`. */
  #scanArgv(argv: readonly string[]): void {
    for (let i = 0; i < argv.length; i++) {
      const arg = argv[i]!;
      if (arg === '--') break;
      for (const flag of [...CREDENTIAL_FLAGS, '--header', '-H']) {
        let value: string | undefined;
        if (arg === flag) value = argv[i + 1];
        else if (arg.startsWith(`${flag}=`)) value = arg.slice(flag.length + 1);
        else if (flag === '-H' && arg.startsWith('-H') && arg.length > 2) value = arg.slice(2);
        if (value === undefined) continue;
        if (flag === '--header' || flag === '-H') {
          const colon = value.indexOf(':');
          const headerValue = colon < 0 ? value : value.slice(colon + 1).trim();
          this.addSecret(headerValue);
          this.addSecret(headerValue.replace(/^(Bearer|Token)\s+/i, ''));
        } else {
          this.addSecret(value);
        }
      }
    }
  }
}

/** The context of one command action. */
export class Session {
  readonly out: Output;
  readonly globals: GlobalOptions;
  readonly cli: Cli;

  constructor(cli: Cli, globals: GlobalOptions) {
    this.cli = cli;
    this.globals = globals;
    this.out = new Output(cli.io, cli.secrets, { json: globals.json === true, colour: globals.color !== false, spinner: globals.debug !== true });
  }

  get json(): boolean {
    return this.out.json;
  }

  get signal(): AbortSignal {
    return this.cli.signal;
  }

  /** Remembers a credential given as an option, so nothing written can show it. */
  secret(value: string | undefined): string | undefined {
    this.cli.addSecret(value);
    return value;
  }

  /**
   * `--header`, `--timeout`, `--retries`, `--trace` (a span recorder) and a logger that writes to stderr (`--debug`: from
   * `debug` up; otherwise the client's default level). Throws {@link ValidationError} for a
   * header that is not `Name: value` (naming the header, never its value).
   */
  clientOptions(): SharedClientOptions {
    const o: SharedClientOptions = { logger: this.#logger() };
    if (this.globals.header?.length) o.headers = parseHeaders(this.globals.header);
    if (this.globals.timeout !== undefined) o.timeout = this.globals.timeout;
    if (this.globals.retries !== undefined) o.maxRetries = this.globals.retries;
    if (this.globals.debug) o.logLevel = 'debug';
    if (this.globals.trace) o.tracing = { api: (this.cli.spans ??= new SpanRecorder()).api };
    return o;
  }

  #logger(): Logger {
    const write = (level: string) => (message: string) => this.out.note(`${level}: ${message}`);
    return { debug: write('debug'), info: write('info'), warn: write('warn'), error: write('error') };
  }
}

const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/** `Name: value` strings (curl's `-H` syntax) → a header record. Throws {@link ValidationError}. */
export function parseHeaders(values: readonly string[]): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const raw of values) {
    const colon = raw.indexOf(':');
    const name = colon < 0 ? '' : raw.slice(0, colon).trim();
    if (!name || !HEADER_NAME.test(name)) {
      invalid(`--header must look like "Name: value"${name ? ` (bad header name ${JSON.stringify(name)})` : ''}`);
    }
    const value = raw.slice(colon + 1).trim();
    if (/[\u0000-\u001f\u007f]/.test(value)) invalid(`--header ${name}: the value must not contain control characters`);
    headers[name] = name in headers ? `${headers[name]}, ${value}` : value;
  }
  return headers;
}
