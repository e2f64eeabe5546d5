/**
 * How a {@link StreamScenario} reaches a stream request. Three sources, merged field by field,
 * later wins:
 *
 * 1. a scenario set for the API programmatically (`mock.setScenario(api, s, { times })`) or
 *    with `PUT /__mock/scenario` — sticky until reset, or consumed after `times` stream requests;
 * 2. the request's `Prefer` header: `Prefer: delay=10, drop-after=3, truncate, refuse=503,
 *    invalid-payload`, freely mixed with Prism's own `code=`, `example=`, `dynamic=` tokens
 *    (ignored here; the proxy forwards the header to Prism unchanged);
 * 3. the request's `__mock` query parameter, same syntax (`?__mock=drop-after=3,truncate`), for
 *    browser WebSockets, which cannot set headers. The front removes it before any module or
 *    Prism sees the URL.
 *
 * Token syntax: tokens separated by `,` (or `;`), each `name` or `name=value`, names
 * case-insensitive, values optionally double-quoted.
 *
 * | token                   | field            | value                                  |
 * |-------------------------|------------------|----------------------------------------|
 * | `delay=<ms>`            | `delayMs`        | integer ≥ 0, milliseconds              |
 * | `drop-after=<n>`        | `dropAfter`      | integer ≥ 0, frames                    |
 * | `truncate[=true|false]` | `truncate`       | boolean, bare name = true              |
 * | `refuse=<status>`       | `refuse`         | integer HTTP status in 200–599         |
 * | `invalid-payload[=…]`   | `invalidPayload` | boolean, bare name = true              |
 *
 * A malformed token (a known name with a bad value, e.g. `delay=soon`) is **ignored** in a
 * header or query parameter (the rest of the tokens still apply), and is a **400** from the
 * control route. Unknown names (Prism's tokens, anything else) are ignored in a header or query
 * parameter, and are a 400 from the control route.
 */
import { ValidationError } from 'agentwire';
import type { ApiName, StreamScenario } from './types.js';
import { API_NAMES } from './types.js';

/** The query parameter that carries a scenario, for clients that cannot set headers. */
export const MOCK_QUERY_PARAM = '__mock';

/** The result of reading a token list: what was understood, and what was not. */
export interface ParsedScenarioTokens {
  /** The fields set by well-formed known tokens. */
  scenario: StreamScenario;
  /** Known tokens whose value is bad (`delay=-1`, `refuse=42`), verbatim. */
  malformed: string[];
  /** Tokens whose name is not a scenario token (`code=404`, `example=done`), verbatim. */
  unknown: string[];
}

const INT = /^\d{1,9}$/;

function parseBool(value: string | undefined): boolean | undefined {
  if (value === undefined || value === 'true' || value === '1') return true;
  if (value === 'false' || value === '0') return false;
  return undefined;
}

function parseInt09(value: string | undefined): number | undefined {
  return value !== undefined && INT.test(value) ? Number(value) : undefined;
}

/**
 * Reads one comma/semicolon separated token list (a `Prefer` header value or a `__mock`
 * query value). Pure; never throws.
 */
export function parseScenarioTokens(text: string): ParsedScenarioTokens {
  const scenario: StreamScenario = {};
  const malformed: string[] = [];
  const unknown: string[] = [];
  for (const raw of text.split(/[,;]/)) {
    const token = raw.trim();
    if (!token) continue;
    const eq = token.indexOf('=');
    const name = (eq < 0 ? token : token.slice(0, eq)).trim().toLowerCase();
    let value: string | undefined = eq < 0 ? undefined : token.slice(eq + 1).trim();
    if (value !== undefined && value.length >= 2 && value.startsWith('"') && value.endsWith('"')) {
      value = value.slice(1, -1);
    }
    switch (name) {
      case 'delay': {
        const n = parseInt09(value);
        if (n === undefined) malformed.push(token);
        else scenario.delayMs = n;
        break;
      }
      case 'drop-after': {
        const n = parseInt09(value);
        if (n === undefined) malformed.push(token);
        else scenario.dropAfter = n;
        break;
      }
      case 'refuse': {
        const n = parseInt09(value);
        if (n === undefined || n < 200 || n > 599) malformed.push(token);
        else scenario.refuse = n;
        break;
      }
      case 'truncate': {
        const b = parseBool(value);
        if (b === undefined) malformed.push(token);
        else scenario.truncate = b;
        break;
      }
      case 'invalid-payload': {
        const b = parseBool(value);
        if (b === undefined) malformed.push(token);
        else scenario.invalidPayload = b;
        break;
      }
      default:
        unknown.push(token);
    }
  }
  return { scenario, malformed, unknown };
}

/**
 * The scenario in one or more `Prefer` header values (or `__mock` query values), lenient:
 * Prism's tokens, unknown tokens and malformed tokens are ignored. Later values win.
 */
export function scenarioFromPrefer(values: string | readonly string[] | undefined): StreamScenario {
  if (values === undefined) return {};
  const list = typeof values === 'string' ? [values] : values;
  return mergeScenarios(...list.map((v) => parseScenarioTokens(v).scenario));
}

/** Merges scenarios field by field; later arguments win. `undefined` entries are skipped. */
export function mergeScenarios(...scenarios: (StreamScenario | undefined)[]): StreamScenario {
  const out: StreamScenario = {};
  for (const s of scenarios) {
    if (!s) continue;
    if (s.delayMs !== undefined) out.delayMs = s.delayMs;
    if (s.dropAfter !== undefined) out.dropAfter = s.dropAfter;
    if (s.truncate !== undefined) out.truncate = s.truncate;
    if (s.refuse !== undefined) out.refuse = s.refuse;
    if (s.invalidPayload !== undefined) out.invalidPayload = s.invalidPayload;
  }
  return out;
}

/** Either a valid value or the reason it is not (one line, for a 400 body or an error). */
export type Checked<T> = { ok: true; value: T } | { ok: false; error: string };

const SCENARIO_KEYS = new Set(['delayMs', 'dropAfter', 'truncate', 'refuse', 'invalidPayload']);

/**
 * Validates a scenario given as a JSON object (`{delayMs: 10, dropAfter: 3}`) or as a token
 * string (`"delay=10, drop-after=3"`), strictly: unknown keys or tokens, wrong types and
 * out-of-range values are errors. `delayMs` is a finite number ≥ 0 (ms); `dropAfter` an
 * integer ≥ 0; `refuse` an integer in 200–599; `truncate` / `invalidPayload` booleans.
 */
export function checkScenario(input: unknown): Checked<StreamScenario> {
  if (typeof input === 'string') {
    const { scenario, malformed, unknown } = parseScenarioTokens(input);
    if (malformed.length) return { ok: false, error: `malformed scenario token(s): ${malformed.join(', ')}` };
    if (unknown.length) return { ok: false, error: `unknown scenario token(s): ${unknown.join(', ')}` };
    return { ok: true, value: scenario };
  }
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    return { ok: false, error: 'scenario must be an object or a token string' };
  }
  const src = input as Record<string, unknown>;
  const extra = Object.keys(src).filter((k) => !SCENARIO_KEYS.has(k));
  if (extra.length) return { ok: false, error: `unknown scenario field(s): ${extra.join(', ')}` };
  const out: StreamScenario = {};
  const { delayMs, dropAfter, truncate, refuse, invalidPayload } = src;
  if (delayMs !== undefined) {
    if (typeof delayMs !== 'number' || !Number.isFinite(delayMs) || delayMs < 0) {
      return { ok: false, error: 'delayMs must be a finite number ≥ 0 (milliseconds)' };
    }
    out.delayMs = delayMs;
  }
  if (dropAfter !== undefined) {
    if (!Number.isSafeInteger(dropAfter) || (dropAfter as number) < 0) {
      return { ok: false, error: 'dropAfter must be an integer ≥ 0' };
    }
    out.dropAfter = dropAfter as number;
  }
  if (refuse !== undefined) {
    if (!Number.isInteger(refuse) || (refuse as number) < 200 || (refuse as number) > 599) {
      return { ok: false, error: 'refuse must be an integer HTTP status in 200-599' };
    }
    out.refuse = refuse as number;
  }
  if (truncate !== undefined) {
    if (typeof truncate !== 'boolean') return { ok: false, error: 'truncate must be a boolean' };
    out.truncate = truncate;
  }
  if (invalidPayload !== undefined) {
    if (typeof invalidPayload !== 'boolean') return { ok: false, error: 'invalidPayload must be a boolean' };
    out.invalidPayload = invalidPayload;
  }
  return { ok: true, value: out };
}

/** Checks an API name. */
export function checkApiName(input: unknown): Checked<ApiName> {
  return typeof input === 'string' && (API_NAMES as readonly string[]).includes(input)
    ? { ok: true, value: input as ApiName }
    : { ok: false, error: `api must be one of ${API_NAMES.join(', ')}` };
}

/** Checks a `times` count: absent / `null` (sticky) or an integer ≥ 1. */
export function checkTimes(input: unknown): Checked<number | undefined> {
  if (input === undefined || input === null) return { ok: true, value: undefined };
  if (!Number.isSafeInteger(input) || (input as number) < 1) {
    return { ok: false, error: 'times must be an integer ≥ 1 (or absent for a sticky scenario)' };
  }
  return { ok: true, value: input as number };
}

/** The body of `PUT /__mock/scenario`, checked. */
export interface ScenarioRequest {
  api: ApiName;
  scenario: StreamScenario;
  times: number | undefined;
}

/**
 * Checks the JSON body of `PUT /__mock/scenario`: `{api, scenario, times?}` where `scenario`
 * is an object or a token string (see {@link checkScenario}). Any other top-level key is an
 * error.
 */
export function checkScenarioRequest(body: unknown): Checked<ScenarioRequest> {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    return { ok: false, error: 'body must be a JSON object {api, scenario, times?}' };
  }
  const b = body as Record<string, unknown>;
  const extra = Object.keys(b).filter((k) => k !== 'api' && k !== 'scenario' && k !== 'times');
  if (extra.length) return { ok: false, error: `unknown field(s): ${extra.join(', ')}` };
  const api = checkApiName(b.api);
  if (!api.ok) return api;
  const scenario = checkScenario(b.scenario);
  if (!scenario.ok) return scenario;
  const times = checkTimes(b.times);
  if (!times.ok) return times;
  return { ok: true, value: { api: api.value, scenario: scenario.value, times: times.value } };
}

/**
 * Removes every `__mock` parameter from `url` (in place) and returns their values in order.
 */
export function takeMockParam(url: URL): string[] {
  if (!url.searchParams.has(MOCK_QUERY_PARAM)) return [];
  const values = url.searchParams.getAll(MOCK_QUERY_PARAM);
  url.searchParams.delete(MOCK_QUERY_PARAM);
  return values;
}

/** One stored scenario and how many stream requests it still applies to. */
export interface StoredScenario {
  scenario: StreamScenario;
  /** Uses left; `undefined` = sticky until reset. */
  times: number | undefined;
}

/** The programmatic scenarios, one per API. */
export class ScenarioStore {
  readonly #byApi = new Map<ApiName, StoredScenario>();

  /**
   * Sets (replaces) the scenario for `api`. Throws `ValidationError` (code `INVALID_SCENARIO`)
   * when the api, scenario or `times` is invalid.
   */
  set(api: ApiName, scenario: StreamScenario | string, times?: number): void {
    const checked = checkScenarioRequest({ api, scenario, times });
    if (!checked.ok) {
      throw new ValidationError(`Invalid mock scenario: ${checked.error}`, { statusCode: 400, code: 'INVALID_SCENARIO' });
    }
    this.#byApi.set(checked.value.api, { scenario: checked.value.scenario, times: checked.value.times });
  }

  /** Forgets every API's scenario. */
  reset(): void {
    this.#byApi.clear();
  }

  /** The current scenarios, for `GET /__mock/scenario`. */
  snapshot(): Partial<Record<ApiName, StoredScenario>> {
    const out: Partial<Record<ApiName, StoredScenario>> = {};
    for (const [api, s] of this.#byApi) out[api] = { scenario: { ...s.scenario }, times: s.times };
    return out;
  }

  /**
   * The scenario for one stream request to `api`, counting one use: a scenario with `times`
   * is removed once its uses are spent.
   */
  take(api: ApiName): StreamScenario | undefined {
    const entry = this.#byApi.get(api);
    if (!entry) return undefined;
    if (entry.times !== undefined) {
      entry.times -= 1;
      if (entry.times <= 0) this.#byApi.delete(api);
    }
    return { ...entry.scenario };
  }
}

/**
 * The scenario of one request: stored (counted as one use), then `Prefer`, then `__mock`.
 * `take` is called once, when the result is first needed.
 */
export function resolveScenario(
  take: () => StreamScenario | undefined,
  prefer: string | readonly string[] | undefined,
  mockParams: readonly string[],
): StreamScenario {
  return mergeScenarios(take(), scenarioFromPrefer(prefer), scenarioFromPrefer(mockParams));
}
