import { StreamLimitError, ValidationError } from './errors.js';
import { shown } from './validate.js';

/**
 * Bounds on what one log tail may deliver (the Synapse SDK's AgentClient
 * `StreamLimits(max_messages, max_lines, max_bytes, max_message_size)`).
 */
export interface StreamLimits {
  /** WebSocket frames per tail. Default 10,000. */
  maxMessages: number;
  /** HTTP lines per tail. Default 50,000. */
  maxLines: number;
  /** Bytes per tail, on both transports (UTF-8 bytes of what was received). Default 50 MiB. */
  maxBytes: number;
  /** Bytes per message or line; a larger one is skipped (but still counted). Default 10,240. */
  maxMessageSize: number;
}

/** The Synapse SDK's defaults: 10,000 frames, 50,000 lines, 50 MiB, 10,240 bytes a message. */
export const DEFAULT_STREAM_LIMITS: Readonly<StreamLimits> = Object.freeze({
  maxMessages: 10_000,
  maxLines: 50_000,
  maxBytes: 50 * 1024 * 1024,
  maxMessageSize: 10_240,
});

/** Merges partial limits over the defaults; each must be a positive whole number. */
export function resolveStreamLimits(limits: Partial<StreamLimits> = {}): StreamLimits {
  const out = { ...DEFAULT_STREAM_LIMITS, ...limits };
  for (const [key, value] of Object.entries(out)) {
    if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0) {
      throw new ValidationError(`streamLimits.${key} must be a positive whole number, got ${shown(value)}`, { statusCode: 400 });
    }
  }
  return out;
}

/**
 * Counts what one tail received against its {@link StreamLimits}. `admit` returns whether to
 * deliver an item, and throws {@link StreamLimitError} (429) with the Synapse SDK's messages once a
 * count or the byte total is exceeded.
 */
export class StreamBudget {
  #items = 0;
  #bytes = 0;
  readonly #maxItems: number;
  readonly #itemMessage: string;

  constructor(
    readonly limits: StreamLimits,
    unit: 'message' | 'line',
  ) {
    this.#maxItems = unit === 'message' ? limits.maxMessages : limits.maxLines;
    this.#itemMessage = unit === 'message' ? 'Stream message limit exceeded' : 'Stream line limit exceeded';
  }

  /** Counts an item of `bytes` UTF-8 bytes; `false` means it is oversized and must be skipped. */
  admit(bytes: number): boolean {
    if (++this.#items > this.#maxItems) {
      throw new StreamLimitError(`${this.#itemMessage} (${this.#maxItems})`, { code: 'STREAM_LIMIT' });
    }
    this.#bytes += bytes;
    if (this.#bytes > this.limits.maxBytes) {
      throw new StreamLimitError(`Stream size limit exceeded (${this.limits.maxBytes} bytes)`, { code: 'STREAM_LIMIT' });
    }
    return bytes <= this.limits.maxMessageSize;
  }
}

const encoder = new TextEncoder();
const nodeBuffer = (globalThis as { Buffer?: { byteLength(s: string, enc: 'utf8'): number } }).Buffer;

/** UTF-8 byte length of a string (Node's native count where there is one, else an encode). */
export function utf8Length(text: string): number {
  return nodeBuffer ? nodeBuffer.byteLength(text, 'utf8') : encoder.encode(text).length;
}
