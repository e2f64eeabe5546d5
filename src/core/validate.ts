import { ValidationError } from './errors.js';

/** Throws {@link ValidationError} (400) with `message`: bad input, caught before any I/O. */
export function invalid(message: string, detail?: unknown): never {
  throw new ValidationError(message, { statusCode: 400, code: 'INVALID_ARGUMENT', detail });
}

const ID = /^[a-zA-Z0-9_-]+$/;

/**
 * Checks an id that goes into a URL path (the Synapse SDK's AgentClient rule): non-empty, only
 * `[a-zA-Z0-9_-]`, at most `maxLength` (default 100) characters. Messages are the Synapse SDK's:
 * `job ID cannot be empty`, `Invalid job ID format`, `job ID too long`.
 */
export function checkId(value: unknown, label: string, maxLength = 100): string {
  if (value === undefined || value === null || value === '') invalid(`${label} cannot be empty`);
  if (typeof value !== 'string' || !ID.test(value)) invalid(`Invalid ${label} format: ${JSON.stringify(value)}`);
  if (value.length > maxLength) invalid(`${label} too long (${value.length} > ${maxLength} characters)`);
  return value;
}

/**
 * Checks a name that goes into one URL path segment (a Serve application, an agent id):
 * a non-empty string of at most `maxLength` characters with no `/`, `?` or `#` and no control
 * characters. openapi-fetch percent-encodes the rest.
 */
export function checkName(value: unknown, label: string, maxLength = 256): string {
  if (typeof value !== 'string' || value === '') invalid(`${label} cannot be empty`);
  if (value.length > maxLength) invalid(`${label} too long (${value.length} > ${maxLength} characters)`);
  if (/[/?#\u0000-\u001f]/.test(value) || value === '.' || value === '..') invalid(`Invalid ${label} format: ${JSON.stringify(value)}`);
  return value;
}

/**
 * A value as a message shows it: numbers and booleans as written, a string quoted and named (so
 * the string `'1'` reads `the string "1"`, not `1`), anything else by its type.
 */
export function shown(value: unknown): string {
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  if (typeof value === 'string') return `the string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
  if (value === null || value === undefined) return String(value);
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

/** Checks a whole number within `[min, max]`. */
export function checkInt(value: unknown, label: string, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    invalid(`${label} must be a whole number from ${min} to ${max}, got ${shown(value)}`);
  }
  return value;
}

/** Checks that a value is one of `allowed`. */
export function checkOneOf<T extends string>(value: unknown, label: string, allowed: readonly T[]): T {
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    invalid(`Invalid ${label}: ${JSON.stringify(value)} (expected ${allowed.map((a) => `'${a}'`).join(', ')})`);
  }
  return value as T;
}

/** Reads an environment variable where there is an environment (Node), else `undefined`. */
export function readEnv(name: string): string | undefined {
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env;
  const value = env?.[name]?.trim();
  return value ? value : undefined;
}
