/**
 * RunAgentClient configuration (seed `runagent-client.md`, "Configuration"), highest first:
 *
 * 1. constructor options (durations in **ms**, like every agentwire option);
 * 2. environment: `RUNAGENT_API_KEY`, `RUNAGENT_BASE_URL` (agentwire's name) then the seed's
 *    `RUNAGENT_API_URL`, `RUNAGENT_TIMEOUT` (**seconds**, as the seed), `RUNAGENT_LOG_LEVEL`;
 * 3. `~/.runagent/config.json`: `api_key`, `api_url`, `timeout` (**seconds**),
 *    `retry_config.{max_retries, retry_delay (seconds), retry_backoff}`;
 * 4. defaults: `https://api.run-agent.ai`, 30 s, 3 retries, 1 s delay, backoff 2.
 *
 * Seconds from the environment and the file are converted to ms here, at the edge. In a
 * browser there is no environment and no file: steps 2 and 3 are skipped.
 */
import { readHomeFile } from '#platform';
import { ValidationError } from '../core/errors.js';
import { isLogLevel, type LogLevel } from '../core/log.js';
import { checkMaxRetries, normalizeBaseUrl } from '../core/transport.js';
import { resolveTimeout, type Timeout } from '../core/timeout.js';
import { readEnv } from '../core/validate.js';

/** The seed's default base URL. (runagent-ts defaults to `https://backend.run-agent.ai`.) */
export const DEFAULT_BASE_URL = 'https://api.run-agent.ai';
/** 30 s, the seed's default timeout, in ms. */
export const DEFAULT_TIMEOUT_MS = 30_000;
export const DEFAULT_MAX_RETRIES = 3;
/** The seed's `retry_config.retry_delay` example (1.0 s), in ms. */
export const DEFAULT_RETRY_DELAY_MS = 1_000;
export const DEFAULT_RETRY_BACKOFF = 2;

/** Where a setting came from. */
export type RunAgentSettingSource = 'options' | 'default' | `env:${string}` | `file:${string}`;

/** What the client runs with, once every source is merged. Durations in **ms**. */
export interface RunAgentSettings {
  /** The API key, when one is configured anywhere. */
  apiKey: string | undefined;
  /** Without trailing slashes or a trailing `/api/v1`. */
  baseUrl: string;
  timeout: Timeout;
  maxRetries: number;
  /** Delay before the first retry, ms (file: `retry_config.retry_delay` × 1000). */
  retryDelayMs: number;
  /** Multiplier per retry: delay × backoff^n (file: `retry_config.retry_backoff`). */
  retryBackoff: number;
  logLevel: LogLevel;
  /** Where each value came from (for `RunAgentClient.settings()` and debugging). */
  sources: Record<Exclude<keyof RunAgentSettings, 'sources' | 'configFile'>, RunAgentSettingSource>;
  /** The config file that was read, when one exists. */
  configFile: string | undefined;
}

/** The options of {@link resolveRunAgentSettings} that configuration can come from. */
export interface RunAgentSettingsOptions {
  apiKey?: string;
  baseUrl?: string;
  timeout?: Timeout;
  maxRetries?: number;
  logLevel?: LogLevel;
}

/** The fields of `~/.runagent/config.json` agentwire reads, checked and converted to ms. */
export interface RunAgentConfigFile {
  path: string;
  apiKey?: string;
  apiUrl?: string;
  timeoutMs?: number;
  maxRetries?: number;
  retryDelayMs?: number;
  retryBackoff?: number;
}

/**
 * Reads `~/.runagent/config.json` (home from `os.homedir()`, which follows `HOME`) through the
 * package's `#platform` import; a browser build has no file to read and resolves `undefined`.
 * A missing file resolves `undefined`. Throws {@link ValidationError} naming the file (and
 * the field) for a file that cannot be read, is not JSON, or holds a field of the wrong type.
 */
export async function loadRunAgentConfigFile(): Promise<RunAgentConfigFile | undefined> {
  const read: typeof readHomeFile | undefined = readHomeFile;
  if (!read) return undefined;
  const { path, text } = await read('.runagent', 'config.json').catch((err: Error & { path: string }) => {
    throw new ValidationError(`cannot read ${err.path}: ${err.message}`, { statusCode: 400, code: 'INVALID_CONFIG', cause: err });
  });
  return text === undefined ? undefined : parseRunAgentConfigFile(text, path);
}

/** Checks the text of a config file (see {@link loadRunAgentConfigFile}). `null` fields count as absent. */
export function parseRunAgentConfigFile(text: string, path: string): RunAgentConfigFile {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw bad(path, undefined, `is not valid JSON (${(err as Error).message})`);
  }
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) throw bad(path, undefined, `must hold a JSON object, got ${kind(doc)}`);
  const d = doc as Record<string, unknown>;
  const out: RunAgentConfigFile = { path };
  const apiKey = field(d, 'api_key');
  if (apiKey !== undefined) {
    if (typeof apiKey !== 'string' || !apiKey) throw bad(path, 'api_key', `must be a non-empty string, got ${apiKey === '' ? 'an empty string' : typeof apiKey}`);
    out.apiKey = apiKey;
  }
  const apiUrl = field(d, 'api_url');
  if (apiUrl !== undefined) {
    if (typeof apiUrl !== 'string') throw bad(path, 'api_url', `must be a string, got ${kind(apiUrl)}`);
    out.apiUrl = configUrl(apiUrl, 'api_url', (what) => bad(path, 'api_url', what));
  }
  const timeout = field(d, 'timeout');
  if (timeout !== undefined) out.timeoutMs = seconds(timeout, path, 'timeout', false, false);
  const retry = field(d, 'retry_config');
  if (retry !== undefined) {
    if (typeof retry !== 'object' || Array.isArray(retry)) throw bad(path, 'retry_config', `must be an object, got ${kind(retry)}`);
    const r = retry as Record<string, unknown>;
    const max = field(r, 'max_retries');
    if (max !== undefined) {
      if (typeof max !== 'number' || !Number.isInteger(max) || max < 0 || max > 10) {
        throw bad(path, 'retry_config.max_retries', `must be a whole number from 0 to 10, got ${kind(max)}`);
      }
      out.maxRetries = max;
    }
    const delay = field(r, 'retry_delay');
    if (delay !== undefined) out.retryDelayMs = seconds(delay, path, 'retry_config.retry_delay', true, false);
    const backoff = field(r, 'retry_backoff');
    if (backoff !== undefined) {
      if (typeof backoff !== 'number' || !Number.isFinite(backoff) || backoff < 1 || backoff > 10) {
        throw bad(path, 'retry_config.retry_backoff', `must be a number from 1 to 10, got ${kind(backoff)}`);
      }
      out.retryBackoff = backoff;
    }
  }
  return out;
}

/**
 * Merges options, environment, file and defaults (see the module comment). Throws
 * {@link ValidationError} naming the variable for a malformed environment value
 * (`RUNAGENT_TIMEOUT=abc`, `RUNAGENT_LOG_LEVEL=loud`, a base URL that is not http(s)).
 */
export function resolveRunAgentSettings(options: RunAgentSettingsOptions, file: RunAgentConfigFile | undefined): RunAgentSettings {
  const from = (name: string): RunAgentSettingSource => `env:${name}`;
  const fromFile: RunAgentSettingSource = `file:${file?.path ?? ''}`;
  const sources = {} as RunAgentSettings['sources'];
  const pick = <T>(key: keyof RunAgentSettings['sources'], candidates: Array<[T | undefined, RunAgentSettingSource]>, fallback: T): T => {
    for (const [value, source] of candidates) {
      if (value !== undefined) {
        sources[key] = source;
        return value;
      }
    }
    sources[key] = 'default';
    return fallback;
  };

  const envKey = readEnv('RUNAGENT_API_KEY');
  const envBase = readEnv('RUNAGENT_BASE_URL');
  const envApiUrl = readEnv('RUNAGENT_API_URL');
  const envTimeout = readEnv('RUNAGENT_TIMEOUT');
  const envLevel = readEnv('RUNAGENT_LOG_LEVEL');

  const apiKey = pick<string | undefined>('apiKey', [[options.apiKey, 'options'], [envKey, from('RUNAGENT_API_KEY')], [file?.apiKey, fromFile]], undefined);
  const baseUrl = pick('baseUrl', [
    [options.baseUrl === undefined ? undefined : baseUrlFrom(options.baseUrl, 'baseUrl'), 'options'],
    [envBase === undefined ? undefined : configUrl(envBase, 'RUNAGENT_BASE_URL', envError('RUNAGENT_BASE_URL')), from('RUNAGENT_BASE_URL')],
    [envApiUrl === undefined ? undefined : configUrl(envApiUrl, 'RUNAGENT_API_URL', envError('RUNAGENT_API_URL')), from('RUNAGENT_API_URL')],
    [file?.apiUrl, fromFile],
  ], DEFAULT_BASE_URL);
  const timeout = pick<Timeout>('timeout', [
    [options.timeout, 'options'],
    [envTimeout === undefined ? undefined : seconds(envTimeout, 'RUNAGENT_TIMEOUT', undefined, false, true), from('RUNAGENT_TIMEOUT')],
    [file?.timeoutMs, fromFile],
  ], DEFAULT_TIMEOUT_MS);
  resolveTimeout(timeout);
  const maxRetries = pick('maxRetries', [[checkMaxRetries(options.maxRetries), 'options'], [file?.maxRetries, fromFile]], DEFAULT_MAX_RETRIES);
  const retryDelayMs = pick('retryDelayMs', [[file?.retryDelayMs, fromFile]], DEFAULT_RETRY_DELAY_MS);
  const retryBackoff = pick('retryBackoff', [[file?.retryBackoff, fromFile]], DEFAULT_RETRY_BACKOFF);
  const logLevel = pick<LogLevel>('logLevel', [[options.logLevel, 'options'], [envLevel === undefined ? undefined : logLevelFrom(envLevel), from('RUNAGENT_LOG_LEVEL')]], 'warn');
  return { apiKey, baseUrl, timeout, maxRetries, retryDelayMs, retryBackoff, logLevel, sources, configFile: file?.path };
}

/** A base URL checked as http(s) and without trailing slashes or a trailing `/api/v1` (the paths add it). */
export function baseUrlFrom(value: string, name: string): string {
  return normalizeBaseUrl(value, name).replace(/\/api\/v1$/, '');
}

const PYTHON_LEVELS: Record<string, LogLevel> = { warning: 'warn', critical: 'error', fatal: 'error', none: 'off', notset: 'debug' };

/**
 * A log level from `RUNAGENT_LOG_LEVEL`: agentwire's names (`debug`, `info`, `warn`, `error`,
 * `off`) or Python's (`DEBUG`, `INFO`, `WARNING`, `ERROR`, `CRITICAL`), any case.
 */
export function logLevelFrom(value: string): LogLevel {
  const v = value.trim().toLowerCase();
  const level = PYTHON_LEVELS[v] ?? v;
  if (!isLogLevel(level)) {
    throw envError('RUNAGENT_LOG_LEVEL')(`must be one of debug, info, warn(ing), error, critical, off; got ${JSON.stringify(value)}`);
  }
  return level;
}

/** A duration given in seconds (a number; a numeric string only from the environment), in ms. */
function seconds(value: unknown, where: string, fieldName: string | undefined, zeroOk: boolean, fromText: boolean): number {
  const n = fromText && typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isFinite(n) || n < 0 || (!zeroOk && n === 0) || n > 86_400) {
    const what = `must be a ${zeroOk ? 'non-negative' : 'positive'} number of seconds (at most 86400), got ${kind(value)}`;
    if (fieldName) throw bad(where, fieldName, what);
    throw envError(where)(what);
  }
  return n * 1000;
}

/** A base URL from the environment or the file; `fail` turns the problem into the error to throw. */
function configUrl(value: string, name: string, fail: (what: string) => ValidationError): string {
  try {
    return baseUrlFrom(value, name);
  } catch (err) {
    throw fail((err as Error).message.replace(`${name} `, ''));
  }
}

function envError(name: string): (what: string) => ValidationError {
  return (what) => new ValidationError(`${name} ${what}`, { statusCode: 400, code: 'INVALID_CONFIG', detail: { variable: name } });
}

function field(obj: Record<string, unknown>, key: string): unknown {
  const value = obj[key];
  return value === null ? undefined : value;
}

function bad(path: string, fieldName: string | undefined, what: string): ValidationError {
  return new ValidationError(`${path}: ${fieldName ? `field "${fieldName}" ` : ''}${what}`, {
    statusCode: 400,
    code: 'INVALID_CONFIG',
    detail: { file: path, ...(fieldName ? { field: fieldName } : {}) },
  });
}

function kind(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'string') return `the string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
  return `${typeof value} ${String(value)}`;
}
