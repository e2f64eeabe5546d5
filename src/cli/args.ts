/**
 * Parsers for option values, so bad input fails before any request: numbers through commander
 * (`InvalidArgumentError`, exit 2), JSON in the action as a {@link ValidationError} (exit 2)
 * whose message never repeats the value (a runtime env or an input may hold secrets).
 */
import { InvalidArgumentError } from 'commander';
import { invalid } from '../core/validate.js';

/** A commander parser of a whole number in `[min, max]`. */
export function intArg(min: number, max: number): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!/^\s*\d+\s*$/.test(value) || !Number.isSafeInteger(n) || n < min || n > max) {
      throw new InvalidArgumentError(`expected a whole number from ${min} to ${max}.`);
    }
    return n;
  };
}

/** A commander collector for a repeatable option: each use adds its value. */
export function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/**
 * `text` parsed as JSON. Throws {@link ValidationError} `<flag> is not valid JSON (<reason>)`;
 * the reason keeps the parser's position but drops the quoted piece of input it may cite.
 */
export function parseJson(text: string, flag: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    const reason = (err as Error).message.replace(/,?\s*"(?:[^"\\]|\\.)*"\s*is not valid JSON/, '').replace(/\s+/g, ' ').trim();
    invalid(`${flag} is not valid JSON${reason ? ` (${reason})` : ''}`);
  }
}

/** {@link parseJson}, and the value must be a JSON object. */
export function parseJsonObject(text: string, flag: string): Record<string, unknown> {
  const value = parseJson(text, flag);
  if (!value || typeof value !== 'object' || Array.isArray(value)) {
    invalid(`${flag} must be a JSON object such as '{"key": "value"}', got ${value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value}`);
  }
  return value as Record<string, unknown>;
}
