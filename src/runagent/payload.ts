/**
 * RunAgent's structured payload (`StructuredPayload` in the package's `openapi/runagent.yaml`).
 * `POST /run`'s `data` and every run-stream `data` frame's `content` is a JSON **string**
 * `{"type": "<JSON kind>", "payload": "<JSON>"}` whose `payload` is JSON again: decode twice.
 */
import { StreamError } from '../core/errors.js';

/** The JSON kinds a structured payload's `type` names. An open set: others are decoded alike. */
export type StructuredPayloadType = 'string' | 'object' | 'array' | 'number' | 'boolean' | 'null';

/**
 * Decodes a structured payload to the entrypoint's value, for every `type`:
 * `{"type": "object", "payload": "{\"answer\": 1}"}` → `{answer: 1}`,
 * `{"type": "string", "payload": "\"chunk 1\""}` → `'chunk 1'`, likewise arrays, numbers,
 * booleans and `null`. Rules, in order:
 *
 * 1. `raw` is a string: it must be JSON (else {@link StreamError}, code `INVALID_PAYLOAD`);
 *    an object that is not `{type, payload}` is returned as it is (a server that sends plain JSON).
 * 2. `raw` is already an object `{type, payload}` (a server that does not double-encode): used as is.
 * 3. `payload` a string: parsed as JSON; when that fails the string itself is the value (what
 *    runagent-ts and the Rust SDK do, e.g. a `string` payload sent without JSON quotes).
 *    `payload` not a string: it already is the value.
 * 4. `type: "null"` gives `null` whatever the payload.
 *
 * `what` names the source in the error message (`POST /run data`, `run-stream data frame 3`).
 */
export function decodeStructuredPayload(raw: unknown, what: string): unknown {
  let envelope: unknown = raw;
  if (typeof raw === 'string') {
    try {
      envelope = JSON.parse(raw);
    } catch {
      throw new StreamError(`${what} is not JSON: ${preview(raw)}`, { code: 'INVALID_PAYLOAD', detail: raw });
    }
  }
  if (!isStructured(envelope)) return envelope;
  if (envelope.type === 'null') return null;
  const { payload } = envelope;
  if (typeof payload !== 'string') return payload;
  try {
    return JSON.parse(payload);
  } catch {
    return payload;
  }
}

function isStructured(value: unknown): value is { type: string; payload: unknown } {
  return !!value && typeof value === 'object' && !Array.isArray(value) && typeof (value as { type?: unknown }).type === 'string' && 'payload' in value;
}

/** The first 80 characters of a text, for messages. */
export function preview(text: string): string {
  return text.length > 80 ? `${JSON.stringify(text.slice(0, 80))}…` : JSON.stringify(text);
}
