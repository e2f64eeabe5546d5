/** Log levels, most verbose first. `off` silences a logger. */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'off';

/** Where a client writes its log lines: `console` fits, and so does pino or winston. */
export interface Logger {
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

const ORDER: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3, off: 4 };

/** Is `value` one of the {@link LogLevel} names? */
export function isLogLevel(value: unknown): value is LogLevel {
  return typeof value === 'string' && value in ORDER;
}

/**
 * A logger that drops lines below `level` and passes every line through `redact` first, so a
 * credential can never reach a log sink. Default level `warn`, default sink `console`.
 */
export function createLogger(level: LogLevel = 'warn', sink: Logger = console, redact: (s: string) => string = (s) => s): Logger {
  const at = (l: Exclude<LogLevel, 'off'>) =>
    ORDER[l] >= ORDER[level] ? (message: string) => sink[l](`[agentwire] ${redact(message)}`) : () => {};
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}
