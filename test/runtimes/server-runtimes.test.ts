/**
 * Bun and Deno (the `bun` and `deno` npm packages' binaries) run every call of `calls.ts`
 * against the mock server, each in one process; Node runs them in this worker as the
 * reference. The calls are bundled from the sources with esbuild (npm packages left as
 * imports, so each runtime resolves `ws`, `openapi-fetch`, … from node_modules itself).
 *
 * Both binaries come from the npm registry: `bun`'s postinstall moves the binary of its
 * `@oven/bun-<platform>` optional dependency into place (its fallback fetches that package's
 * tarball from the registry), `deno`'s links `@deno/<platform>`'s.
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { bundle, ROOT } from './bundle.js';
import { EXPECTED, runCalls, SERVER_CALLS, type Outcome } from './calls.js';

const run = promisify(execFile);
const { urls } = inject('mock');
const NAMES = SERVER_CALLS;

/** How each runtime runs one ES module file, with no install step and no prompt. */
const RUNTIMES: Record<string, { bin: string; args: string[] }> = {
  bun: { bin: resolve(ROOT, 'node_modules/.bin/bun'), args: ['run', '--no-install'] },
  deno: {
    bin: resolve(ROOT, 'node_modules/.bin/deno'),
    // Loopback only; env and the home folder for the clients' settings (RunAgent's
    // ~/.runagent/config.json); read for node_modules and that file.
    args: ['run', '--no-prompt', '--no-lock', '--node-modules-dir=manual', '--allow-net=127.0.0.1', '--allow-env', '--allow-read', '--allow-sys=homedir'],
  },
};

let dir: string;
const results: Record<string, Record<string, Outcome> | Error> = {};

/** Runs the bundled calls in `name`'s binary; the last line it prints is the outcomes' JSON. */
async function runIn(name: string, file: string): Promise<Record<string, Outcome>> {
  const { bin, args } = RUNTIMES[name]!;
  const { stdout } = await run(bin, [...args, file], {
    cwd: ROOT,
    timeout: 60_000,
    env: { ...process.env, DENO_NO_UPDATE_CHECK: '1', NO_COLOR: '1' },
  });
  return JSON.parse(stdout.trim().split('\n').at(-1)!);
}

beforeAll(async () => {
  await mkdir(join(ROOT, '.vitest-tmp'), { recursive: true });
  dir = await mkdtemp(join(ROOT, '.vitest-tmp', 'runtimes-'));
  const entry = `import { runCalls, SERVER_CALLS } from './calls.ts';\nconsole.log(JSON.stringify(await runCalls(${JSON.stringify(urls)}, SERVER_CALLS)));\n`;
  const { code } = await bundle('server', { contents: entry, resolveDir: import.meta.dirname }, { minify: false });
  const file = join(dir, 'calls.mjs');
  await writeFile(file, code);
  // All at once: each run mostly waits for the mock's paced streams.
  await Promise.all([
    runCalls(urls, NAMES).then((r) => (results.node = r)),
    ...Object.keys(RUNTIMES).map((name) => runIn(name, file).then((r) => (results[name] = r), (err: Error) => (results[name] = err))),
  ]);
}, 90_000);

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe.each(['node', ...Object.keys(RUNTIMES)])('%s', (runtime) => {
  it('ran', () => {
    const r = results[runtime];
    if (r instanceof Error) throw r; // the process failed: its stderr is in the message
    expect(Object.keys(r ?? {}).sort()).toEqual([...NAMES].sort());
  });

  it.each(NAMES)('%s', (name) => {
    const r = results[runtime];
    expect(r instanceof Error ? r.message : r?.[name]).toEqual({ ok: true, value: EXPECTED[name] });
  });
});
