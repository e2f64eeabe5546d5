/**
 * No orphans: a process that started a mock server dies, by SIGKILL (no handler can run) or by
 * SIGTERM, and its Prism process goes too; the merged spec's temp dir is removed.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '../..');
const entry = pathToFileURL(join(root, 'mock/src/index.ts')).href;
const tsx = pathToFileURL(join(root, 'node_modules/tsx/dist/loader.mjs')).href;
const hasProc = existsSync('/proc/self/stat');

/** `/proc/<pid>/stat`: [state, ppid], or undefined once the process is gone. */
function stat(pid: number): { state: string; ppid: number } | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return { state: fields[0]!, ppid: Number(fields[1]) };
  } catch {
    return undefined;
  }
}

/** Alive = exists and is not a zombie (a dead child nobody has reaped yet). */
function alive(pid: number): boolean {
  const s = stat(pid);
  return s !== undefined && s.state !== 'Z' && s.state !== 'X';
}

/** The children of `pid` whose command line mentions `word`. */
function childrenOf(pid: number, word: string): number[] {
  return readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .map(Number)
    .filter((p) => {
      if (stat(p)?.ppid !== pid) return false;
      try {
        return readFileSync(`/proc/${p}/cmdline`, 'utf8').includes(word);
      } catch {
        return false;
      }
    });
}

async function waitFor(check: () => boolean, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (check()) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return check();
}

/** The merged-spec temp dirs in `dir` (tsx keeps its own cache there too). */
function mockDirs(dir: string): string[] {
  return readdirSync(dir).filter((d) => d.startsWith('agentwire-mock-'));
}

const started: ChildProcess[] = [];
const temps: string[] = [];
afterEach(() => {
  for (const c of started.splice(0)) c.kill('SIGKILL');
  for (const t of temps.splice(0)) rmSync(t, { recursive: true, force: true });
});

/** A node process that starts a mock server, prints its URL, and waits. Its TMPDIR is private. */
async function startHost(): Promise<{ child: ChildProcess; url: string; tmp: string; prismPid: number }> {
  const tmp = mkdtempSync(join(tmpdir(), 'agentwire-host-'));
  temps.push(tmp);
  const code = `import { startMockServer } from ${JSON.stringify(entry)};
const mock = await startMockServer({ quiet: true });
process.stdout.write(mock.url + '\\n');
setInterval(() => {}, 1 << 30);`;
  const child = spawn(process.execPath, ['--import', tsx, '--input-type=module', '-e', code], {
    cwd: root,
    env: { ...process.env, TMPDIR: tmp },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  started.push(child);
  let err = '';
  child.stderr!.on('data', (d) => (err += d));
  const url = await new Promise<string>((resolvePromise, reject) => {
    let out = '';
    child.stdout!.on('data', (d) => {
      out += d;
      if (out.includes('\n')) resolvePromise(out.trim());
    });
    child.once('exit', (code) => reject(new Error(`host exited (${code}) before printing its URL: ${err}`)));
  });
  const health = await fetch(`${url}/__mock/health`);
  expect((await health.json()).prism).toBe(true);
  const kids = childrenOf(child.pid!, 'prism-guard');
  expect(kids).toHaveLength(1); // the Prism guard, which is Prism itself
  expect(mockDirs(tmp)).toHaveLength(1);
  return { child, url, tmp, prismPid: kids[0]! };
}

describe('the Prism guard', () => {
  it('is plain JavaScript, so it runs from the sources without a TypeScript loader', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'agentwire-guard-'));
    temps.push(dir);
    const copy = join(dir, 'prism-guard.mjs');
    copyFileSync(join(root, 'mock/src/prism-guard.ts'), copy);
    const check = spawnSync(process.execPath, ['--check', copy], { encoding: 'utf8' });
    expect(check.stderr).toBe('');
    expect(check.status).toBe(0);
  });

  it('refuses to run without its orders', () => {
    const run = spawnSync(process.execPath, ['--input-type=module', '-e', readFileSync(join(root, 'mock/src/prism-guard.ts'), 'utf8')], {
      encoding: 'utf8',
      input: '',
    });
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(/usage: prism-guard/);
  });
});

describe.skipIf(!hasProc)('no orphan Prism', () => {
  it('Prism dies when the process that started it is SIGKILLed', async () => {
    const { child, url, tmp, prismPid } = await startHost();
    expect(alive(prismPid)).toBe(true);
    child.kill('SIGKILL');
    expect(await waitFor(() => !alive(prismPid), 5000)).toBe(true);
    await expect(fetch(`${url}/__mock/health`)).rejects.toThrow();
    // The guard removed the merged spec on its way out.
    expect(await waitFor(() => mockDirs(tmp).length === 0, 2000)).toBe(true);
  });

  it('Prism dies, and the temp dir goes, when that process gets SIGTERM', async () => {
    const { child, tmp, prismPid } = await startHost();
    const exited = new Promise<NodeJS.Signals | null>((r) => child.once('exit', (_code, signal) => r(signal)));
    child.kill('SIGTERM');
    expect(await exited).toBe('SIGTERM'); // the default behaviour is kept: it dies of the signal
    expect(await waitFor(() => !alive(prismPid), 5000)).toBe(true);
    expect(await waitFor(() => mockDirs(tmp).length === 0, 2000)).toBe(true);
  });
});
