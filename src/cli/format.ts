/**
 * Turning wire values into human text: instants in **local time** (Ray and agent records carry
 * epoch ms, Serve epoch seconds, hosted Runs epoch ms and traces ISO-8601 strings), durations,
 * status colours, JSON. `--json` output never goes through here: machines get the values as sent.
 */
import type { Style } from './output.js';

/** What an absent value shows as in a table. */
export const NONE = '-';

/**
 * An instant as `YYYY-MM-DD HH:MM:SS` in the local time zone (`TZ`). Takes epoch **ms** (a
 * number), epoch **seconds** with `unit: 's'`, or an ISO-8601 string. `null`, `undefined`, `0`
 * and unreadable values show as `-`.
 */
export function localTime(value: number | string | null | undefined, unit: 'ms' | 's' = 'ms'): string {
  const ms = instantMs(value, unit);
  if (ms === undefined) return NONE;
  const d = new Date(ms);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

/** An instant as epoch ms (see {@link localTime} for the inputs), or `undefined`. */
export function instantMs(value: number | string | null | undefined, unit: 'ms' | 's' = 'ms'): number | undefined {
  if (value === null || value === undefined || value === 0 || value === '') return undefined;
  const ms = typeof value === 'number' ? (unit === 's' ? value * 1000 : value) : Date.parse(value);
  return Number.isFinite(ms) ? ms : undefined;
}

/** A duration in ms as `850ms`, `4.2s`, `3m 05s`, `2h 03m`; `-` when unknown. */
export function duration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms) || ms < 0) return NONE;
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`;
  const s = Math.floor(ms / 1000);
  if (s < 3600) return `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

/** The time between two instants (ms, seconds or ISO strings), or `-`. */
export function between(start: number | string | null | undefined, end: number | string | null | undefined, unit: 'ms' | 's' = 'ms'): string {
  const a = instantMs(start, unit);
  const b = instantMs(end, unit);
  return a === undefined || b === undefined ? NONE : duration(b - a);
}

/** Any value as one short text: strings as they are, `null`/`undefined` as `-`, the rest as JSON. */
export function text(value: unknown): string {
  if (value === null || value === undefined || value === '') return NONE;
  if (typeof value === 'string') return value;
  return JSON.stringify(value);
}

/** `undefined` for an absent value (so {@link Output.fields} leaves the row out), else {@link text}. */
export function opt(value: unknown): string | undefined {
  return value === null || value === undefined || value === '' ? undefined : text(value);
}

/** A `{k: v}` object as `k=v, k2=v2`; `undefined` when empty or absent. */
export function pairs(value: unknown): string | undefined {
  if (!value || typeof value !== 'object') return undefined;
  const entries = Object.entries(value as Record<string, unknown>);
  return entries.length ? entries.map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`).join(', ') : undefined;
}

/** The first line of `value`, cut to `max` characters with `…`. */
export function short(value: string | null | undefined, max = 60): string {
  if (!value) return NONE;
  const first = value.split(/\r?\n/, 1)[0] ?? '';
  const more = first.length < value.trimEnd().length;
  if (first.length > max) return `${first.slice(0, max - 1)}…`;
  return more ? `${first} …` : first;
}

/** A byte count as `22.2 GiB`, `190.7 MiB`, `512 B`. */
export function bytes(value: unknown): string {
  if (typeof value !== 'number' || !Number.isFinite(value)) return NONE;
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = value;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return i === 0 ? `${v} B` : `${v.toFixed(1)} ${units[i]}`;
}

const STATUS_STYLES: Record<string, Style> = {
  // Ray jobs and agent jobs
  SUCCEEDED: 'green', FAILED: 'red', STOPPED: 'yellow', RUNNING: 'cyan', PENDING: 'gray',
  // Ray state
  ALIVE: 'green', DEAD: 'red', FINISHED: 'green', HEALTHY: 'green', UNHEALTHY: 'red',
  DEPLOYING: 'cyan', DEPLOY_FAILED: 'red', NOT_STARTED: 'gray',
  // hosted Runs and spans
  completed: 'green', ok: 'green', failed: 'red', error: 'red', cancelled: 'yellow',
  running: 'cyan', draining: 'cyan', pending: 'gray',
};

/** The colour of a status word (jobs, nodes, tasks, Runs, spans); `undefined` when it has none. */
export function statusStyle(status: unknown): Style | undefined {
  return typeof status === 'string' ? STATUS_STYLES[status] : undefined;
}

/** A JSON value shown to a human: strings as they are, everything else as indented JSON. */
export function humanValue(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value === undefined) return '';
  return JSON.stringify(value, null, 2);
}
