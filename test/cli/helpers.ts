/**
 * Runs the `agentwire` command as a child process with a clean environment (none of the
 * parent's AGENT_/RAY_/AGNTZ_/RUNAGENT_ variables, HOME in an empty directory so no
 * ~/.runagent/config.json is read, TZ=UTC so local times are known), and collects its stdout,
 * stderr and exit code.
 *
 * The command is `src/` transpiled file by file (esbuild, the transpiler tsx itself uses; ~60 ms
 * for the whole tree) into a temporary package root that links `node_modules`, `package.json`
 * and `openapi/` — the layout of the published `dist/src/cli/main.js`, run as `node main.js`.
 * That starts in less than half the CPU time of `node --import tsx src/cli/main.ts`, which keeps
 * the ~140 runs of the suite within its time budget on a 2-core machine. `AGENTWIRE_CLI_TSX=1`
 * (or esbuild missing) runs `node --import tsx src/cli/main.ts` instead.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const MAIN = join(ROOT, 'src/cli/main.ts');
const HOME = mkdtempSync(join(tmpdir(), 'agentwire-cli-home-'));
process.on('exit', () => rmSync(HOME, { recursive: true, force: true }));

/** The node arguments that start the command: the transpiled `main.js`, or tsx on the sources. */
async function commandLine(): Promise<string[]> {
  const viaTsx = ['--import', 'tsx', MAIN];
  if (process.env.AGENTWIRE_CLI_TSX) return viaTsx;
  let esbuild: typeof import('esbuild');
  try {
    esbuild = await import('esbuild');
  } catch {
    return viaTsx;
  }
  const out = mkdtempSync(join(tmpdir(), 'agentwire-cli-build-'));
  process.on('exit', () => rmSync(out, { recursive: true, force: true }));
  const files = (readdirSync(join(ROOT, 'src'), { recursive: true }) as string[]).filter((f) => f.endsWith('.ts')).map((f) => join(ROOT, 'src', f));
  await esbuild.build({ entryPoints: files, outdir: join(out, 'src'), outbase: join(ROOT, 'src'), format: 'esm', platform: 'node', target: 'node20', logLevel: 'error' });
  for (const name of ['node_modules', 'package.json', 'openapi']) symlinkSync(join(ROOT, name), join(out, name));
  symlinkSync(out, join(out, 'dist')); // package.json `imports` maps `#platform` to dist/src/platform/node.js
  return [join(out, 'src/cli/main.js')];
}

/** How the command is started: `[script]` or `['--import', 'tsx', script]`. */
export const COMMAND: readonly string[] = await commandLine();

/** What a run of the command left behind. */
export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  /** Variables added to the clean environment (`undefined` removes one). */
  env?: Record<string, string | undefined>;
  /** Called with the child and everything on stdout so far, after each chunk. */
  onStdout?: (stdout: string, child: ChildProcess) => void;
  /** Kill the child (SIGKILL) after this long, ms; the test then sees `signal`. Default 30,000. */
  killAfterMs?: number;
}

const PREFIXES = ['AGENT_', 'RAY_', 'AGNTZ_', 'RUNAGENT_'];

/** The environment a run starts from: the parent's, without any API variable, colour setting or CI marker. */
export function cleanEnv(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (PREFIXES.some((p) => k.startsWith(p)) || k === 'NO_COLOR' || k === 'FORCE_COLOR' || k === 'CI' || k.startsWith('VITEST') || k === 'NODE_OPTIONS') continue;
    env[k] = v;
  }
  env.HOME = HOME;
  env.TZ = 'UTC';
  for (const [k, v] of Object.entries(extra)) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  return env;
}

/** Runs `agentwire <args…>` and resolves when it exits. */
export function cli(args: readonly string[], options: CliOptions = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...COMMAND, ...args], { cwd: ROOT, env: cleanEnv(options.env), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      options.onStdout?.(stdout, child);
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.killAfterMs ?? 30_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

/** The lines of a text, without the empty last one. */
export function lines(text: string): string[] {
  const all = text.split('\n');
  if (all.at(-1) === '') all.pop();
  return all;
}

/** Every line of an NDJSON text, parsed. */
export function records(text: string): Array<Record<string, unknown>> {
  return lines(text).map((l) => JSON.parse(l) as Record<string, unknown>);
}

/** A terminal escape sequence (colour, cursor). */
export const ANSI = /\u001b\[/;
