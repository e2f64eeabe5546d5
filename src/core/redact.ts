const MASK = '[REDACTED]';

/** Node's `util.inspect.custom`, without importing `node:util` (the clients also run in browsers). */
export const inspectCustom = Symbol.for('nodejs.util.inspect.custom');

/**
 * The credentials of one client. Messages and details pass through {@link Secrets.redact}
 * before they reach an error or a log line, so a server that echoes a token back (or a URL
 * that carries `?token=`) never leaks it. Inspecting or serialising a `Secrets` shows no value.
 */
export class Secrets {
  readonly #values = new Set<string>();

  /** Remember credential values (empty and very short values are ignored: they would mask noise). */
  add(...values: Array<string | undefined | null>): this {
    for (const v of values) if (v && v.length >= 4) this.#values.add(v);
    return this;
  }

  /** `text` with every known credential replaced by `[REDACTED]`. */
  redact(text: string): string {
    let out = text;
    for (const v of this.#values) if (out.includes(v)) out = out.split(v).join(MASK);
    return out;
  }

  /** A deep copy of a JSON-like value with every string redacted. */
  redactValue<T>(value: T): T {
    if (!this.#values.size) return value;
    if (typeof value === 'string') return this.redact(value) as T;
    if (Array.isArray(value)) return value.map((v) => this.redactValue(v)) as T;
    if (value && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value)) out[k] = this.redactValue(v);
      return out as T;
    }
    return value;
  }

  toJSON(): string {
    return MASK;
  }

  [inspectCustom](): string {
    return `Secrets(${this.#values.size})`;
  }
}

/** Shows a credential as `[REDACTED]` when set, so a client's inspect output says it is configured. */
export function mask(value: string | undefined): string | undefined {
  return value ? MASK : undefined;
}
