/**
 * Shared set-up of the RunAgent tests: a temporary HOME (so no developer's
 * `~/.runagent/config.json` leaks in), a clean RUNAGENT_* environment, and a capturing logger.
 */
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, vi } from 'vitest';
import type { Logger } from '../../src/core/log.js';

export const TOKEN = 'ra_live_key_7f3a9c2e';
export const AGENT = '14bc8f86-c108-485b-adb7-cf06f2831091';
export const ENV_NAMES = ['RUNAGENT_API_KEY', 'RUNAGENT_BASE_URL', 'RUNAGENT_API_URL', 'RUNAGENT_TIMEOUT', 'RUNAGENT_LOG_LEVEL', 'RUNAGENT_CACHE_DIR'];

/** Gives every test its own empty HOME and no RUNAGENT_* variables; returns the HOME getter. */
export function isolateEnvironment(): { home(): string } {
  let home = '';
  beforeEach(async () => {
    home = await mkdtemp(join(tmpdir(), 'runagent-home-'));
    vi.stubEnv('HOME', home);
    vi.stubEnv('USERPROFILE', home);
    for (const name of ENV_NAMES) vi.stubEnv(name, '');
  });
  afterEach(async () => {
    vi.unstubAllEnvs();
    await rm(home, { recursive: true, force: true });
  });
  return { home: () => home };
}

/** Writes `~/.runagent/config.json` under `home` (a string is written as is). */
export async function writeConfig(home: string, content: unknown): Promise<string> {
  const dir = join(home, '.runagent');
  await mkdir(dir, { recursive: true });
  const path = join(dir, 'config.json');
  await writeFile(path, typeof content === 'string' ? content : JSON.stringify(content));
  return path;
}

/** A logger that keeps every line. */
export function captureLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  const push = (m: string) => void lines.push(m);
  return { lines, debug: push, info: push, warn: push, error: push };
}

/** A RunAgent envelope as the server sends it (PROTOCOLS §3). */
export function envelope(data: unknown, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({ success: true, data, message: 'Agent execution completed successfully', error: null, timestamp: '2026-11-22T04:10:32.156605', request_id: 'b55564a7-40a8-42b3-84d0-2495017b1684', ...extra });
}

/** A structured payload string `{"type", "payload"}` holding `value` (Python's separators). */
export function structured(type: string, value: unknown): string {
  return JSON.stringify({ type, payload: JSON.stringify(value) });
}

/** Collects a stream; returns what it yielded and the error it threw, if any. */
export async function drain<T>(stream: AsyncIterable<T>): Promise<{ items: T[]; error: unknown }> {
  const items: T[] = [];
  try {
    for await (const item of stream) items.push(item);
    return { items, error: undefined };
  } catch (error) {
    return { items, error };
  }
}

/** The error a promise rejects with (`undefined` if it resolves), typed loosely for assertions. */
export async function failure(promise: Promise<unknown>): Promise<any> {
  try {
    await promise;
    return undefined;
  } catch (error) {
    return error;
  }
}
