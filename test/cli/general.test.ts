/**
 * What every command shares: `--help` (in-process over the whole command tree, plus the
 * process), usage errors, exit codes, colour (pipe, NO_COLOR, FORCE_COLOR, a real terminal via
 * `script`), that no credential ever reaches stdout or stderr, and `agentwire mock`.
 */
import { execFile, execFileSync, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';
import { chmodSync, readFileSync } from 'node:fs';
import type { ChildProcess } from 'node:child_process';
import { describe, expect, inject, it, vi } from 'vitest';
import { Command } from 'commander';
import { Cli } from '../../src/cli/context.js';
import { EXIT } from '../../src/cli/errors.js';
import { buildProgram } from '../../src/cli/program.js';
import { startServer } from '../support/servers.js';
import { ANSI, cleanEnv, cli, COMMAND, lines, MAIN, ROOT } from './helpers.js';

// Each test runs the command as a process, often several at once: room for a loaded machine.
vi.setConfig({ testTimeout: 45_000 });

const { urls } = inject('mock');
const VERSION = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

/** Every command of the tree with its full name (`ray submit`). */
function commands(cmd: Command, prefix = ''): Array<[string, Command]> {
  return cmd.commands.flatMap((c) => {
    const name = `${prefix}${c.name()}`;
    return [[name, c] as [string, Command], ...commands(c, `${name} `)];
  });
}

/** The help of one command as `--help` prints it (the after-text included), captured in-process. */
function helpOf(path: string[]): string {
  let text = '';
  const sink = { write: (chunk: string) => ((text += chunk), true), isTTY: false } as unknown as NodeJS.WritableStream;
  const program = buildProgram(new Cli({ stdout: sink, stderr: sink, env: {} }, new AbortController().signal, []));
  let cmd: Command = program;
  for (const name of path) cmd = cmd.commands.find((c) => c.name() === name)!;
  cmd.outputHelp();
  return text;
}

describe('help', () => {
  const program = buildProgram(new Cli({ stdout: process.stdout, stderr: process.stderr, env: {} }, new AbortController().signal, []));
  const all = commands(program).filter(([name]) => name !== 'help');

  it('the tree has every command the issue asks for', () => {
    const names = all.map(([n]) => n);
    for (const name of ['jobs list', 'jobs get', 'jobs stop', 'logs', 'nodes', 'tasks', 'serve', 'ray submit', 'ray logs', 'ray jobs', 'ray status', 'ray stop', 'ray nodes', 'ray tasks', 'run', 'runs list', 'runs get', 'runs cancel', 'runs watch', 'traces list', 'traces get', 'runagent', 'mock']) {
      expect(names).toContain(name);
    }
  });

  it('every command has a description and a help that names the environment it reads', () => {
    const envOf: Record<string, string[]> = {
      jobs: ['AGENT_URL', 'AGENT_TOKEN', 'AGENT_USER_TOKEN', 'AGENT_TENANT'],
      logs: ['AGENT_URL', 'AGENT_TOKEN'],
      nodes: ['AGENT_URL'],
      tasks: ['AGENT_URL'],
      serve: ['AGENT_URL'],
      ray: ['RAY_DASHBOARD_ADDRESS', 'RAY_ADDRESS', 'RAY_AUTH_TOKEN'],
      run: ['AGNTZ_API_KEY', 'AGNTZ_BASE_URL'],
      runs: ['AGNTZ_API_KEY', 'AGNTZ_BASE_URL'],
      traces: ['AGNTZ_API_KEY', 'AGNTZ_BASE_URL'],
      runagent: ['RUNAGENT_API_KEY', 'RUNAGENT_BASE_URL'],
    };
    for (const [name, cmd] of all) {
      expect(cmd.description(), name).not.toBe('');
      const help = helpOf(name.split(' '));
      expect(help, name).toMatch(new RegExp(`^Usage: agentwire ${name}`));
      expect(help, name).toContain('--json'); // the global options are shown on every command
      for (const variable of envOf[name.split(' ')[0]!] ?? []) expect(help, `${name} → ${variable}`).toContain(variable);
    }
  });

  it('agentwire --help: every command, the exit codes, examples; exit 0 on stdout', async () => {
    const r = await cli(['--help']);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/^Usage: agentwire \[options\] \[command\]/);
    for (const name of ['jobs', 'logs', 'nodes', 'tasks', 'serve', 'ray', 'run', 'runs', 'traces', 'runagent', 'mock']) expect(r.stdout).toMatch(new RegExp(`^  ${name}\\b`, 'm'));
    for (const [code, what] of [[0, 'ok'], [1, 'unexpected'], [2, 'usage'], [3, 'authentication'], [4, 'not found'], [5, 'rate limit'], [6, 'server error'], [7, 'connection'], [8, 'stream error'], [9, 'failed'], [130, 'interrupted'], [143, 'SIGTERM']] as const) {
      expect(r.stdout).toMatch(new RegExp(`^  ${code === 143 ? '130' : code}\\s+.*${what}`, 'm'));
    }
    expect(EXIT.interrupted).toBe(130);
  });

  it('agentwire ray submit --help (a process): usage with the entrypoint after --, exit 0', async () => {
    const r = await cli(['ray', 'submit', '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Usage: agentwire ray submit \[options\] <entrypoint\.\.\.>/);
    expect(r.stdout).toContain('RAY_DASHBOARD_ADDRESS');
    expect(r.stdout).toContain('-- python train.py --epochs 3');
  });
});

describe.concurrent('usage', () => {
  it('--version prints the package version: the sources under tsx, and the transpiled entry run as an executable (its #! line)', async () => {
    expect(readFileSync(MAIN, 'utf8').split('\n', 1)[0]).toBe('#!/usr/bin/env node');
    const run = promisify(execFile);
    const tsx = await run(process.execPath, ['--import', 'tsx', MAIN, '--version'], { cwd: ROOT, env: cleanEnv() });
    expect(tsx.stdout).toBe(`${VERSION}\n`);
    if (COMMAND.length === 1) {
      chmodSync(COMMAND[0]!, 0o755);
      const direct = await run(COMMAND[0]!, ['--version'], { cwd: ROOT, env: cleanEnv() });
      expect(direct.stdout).toBe(`${VERSION}\n`);
    }
  });

  it('no command: the help on stderr, exit 2; an unknown command or option: one line with a suggestion, exit 2', async () => {
    const [none, command, option, extra] = await Promise.all([cli([]), cli(['jbos']), cli(['jobs', 'list', '--jsn']), cli(['jobs', 'list', 'extra'])]);
    expect(none.code).toBe(2);
    expect(none.stdout).toBe('');
    expect(none.stderr).toMatch(/^Usage: agentwire/);
    expect(command.code).toBe(2);
    expect(command.stderr).toBe("error: unknown command 'jbos' (Did you mean jobs?)\n");
    expect(option.code).toBe(2);
    expect(option.stderr).toBe("error: unknown option '--jsn' (Did you mean --json?)\n");
    expect(extra.code).toBe(2);
    expect(lines(extra.stderr)).toHaveLength(1);
  });
});

describe.concurrent('colour', () => {
  const env = { AGENT_URL: urls.agent, AGENT_TOKEN: 'agent-token-colour' };

  it('none on a pipe; FORCE_COLOR forces it; NO_COLOR and --no-color win', async () => {
    const [pipe, forced, noColor, flag] = await Promise.all([
      cli(['jobs', 'list'], { env }),
      cli(['jobs', 'list'], { env: { ...env, FORCE_COLOR: '1' } }),
      cli(['jobs', 'list'], { env: { ...env, FORCE_COLOR: '1', NO_COLOR: '1' } }),
      cli(['jobs', 'list', '--no-color'], { env: { ...env, FORCE_COLOR: '1' } }),
    ]);
    for (const r of [pipe, forced, noColor, flag]) expect(r.code).toBe(0);
    expect(pipe.stdout).not.toMatch(ANSI);
    expect(forced.stdout).toMatch(/\u001b\[32mSUCCEEDED\u001b\[39m/);
    expect(forced.stdout).toMatch(/\u001b\[1mSUBMISSION ID\u001b\[22m/);
    expect(noColor.stdout).not.toMatch(ANSI);
    expect(flag.stdout).not.toMatch(ANSI);
    // Colour never reaches --json.
    const json = await cli(['jobs', 'list', '--json'], { env: { ...env, FORCE_COLOR: '1' } });
    expect(json.stdout).not.toMatch(ANSI);
  });

  const hasScript = spawnSync('script', ['--version']).status === 0;
  it.skipIf(!hasScript)('on a real terminal (script): colour on stdout and a spinner on stderr while waiting', async () => {
    const command = [process.execPath, ...COMMAND, 'jobs', 'list'].map((w) => JSON.stringify(w)).join(' ');
    const { stdout: out } = await promisify(execFile)('script', ['-qec', command, '/dev/null'], { cwd: ROOT, env: cleanEnv(env), encoding: 'utf8', timeout: 20_000 });
    expect(out).toMatch(/\u001b\[32mSUCCEEDED\u001b\[39m/);
    expect(out).toContain('listing jobs…'); // the spinner's text, then cleared
    expect(out).toMatch(/\u001b\[0K/); // the clear
  });
});

describe.concurrent('credentials never reach the output', () => {
  const AGENT_TOKEN = 'SECRET-agent-token-abc123';
  const USER_TOKEN = 'SECRET-user-token-xyz789';
  const HEADER_KEY = 'SECRET-header-key-555';
  const API_KEY = 'ar_live_SECRET_api_key_777';

  it('not even when the server echoes them in data and in errors, with --debug stacks, or in a usage error', async () => {
    // A server that repeats every credential it receives: in a 200 body, and in a 401 body.
    const fake = await startServer((req, res) => {
      const seen = [req.headers.authorization, req.headers['synapse-user'], req.headers['x-api-key']].join(' ');
      if (req.url === '/jobs/') {
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify([{ submission_id: 'job_1', job_id: null, status: 'RUNNING', entrypoint: `echo ${seen}`, start_time: 1, end_time: null, message: seen }]));
      } else {
        res.writeHead(401, { 'content-type': 'application/json' }).end(JSON.stringify({ detail: `credentials ${seen} are revoked`, error: seen }));
      }
    });
    try {
      const env = { AGENT_URL: fake.url, AGENT_TOKEN, AGENT_USER_TOKEN: USER_TOKEN };
      const header = ['-H', `X-Api-Key: ${HEADER_KEY}`];
      const runs = await Promise.all([
        cli([...header, 'jobs', 'list'], { env }),
        cli([...header, 'jobs', 'list', '--json'], { env }),
        cli([...header, '--debug', 'jobs', 'get', 'job_1'], { env }),
        cli([...header, 'jobs', 'get', 'job_1', '--json'], { env }),
        cli(['jobs', 'get', 'job_1', '--url', fake.url, '--token', AGENT_TOKEN, '--user-token', USER_TOKEN, '--debug']),
        cli(['jobs', 'list', '--url', fake.url, `--token=${AGENT_TOKEN}`, '--bogus', USER_TOKEN]),
        cli(['--debug', 'run', 'a', '--input', '"x"', '--url', fake.url, '--api-key', API_KEY]),
        cli(['--debug', 'runs', 'list', '--url', fake.url], { env: { AGNTZ_API_KEY: API_KEY } }),
      ]);
      expect(runs.map((r) => r.code)).toEqual([0, 0, 3, 3, 3, 2, 3, 3]);
      for (const r of runs) {
        for (const secret of [AGENT_TOKEN, USER_TOKEN, HEADER_KEY, API_KEY]) {
          expect(r.stdout).not.toContain(secret);
          expect(r.stderr).not.toContain(secret);
        }
      }
      expect(runs[0]!.stdout).toContain('[REDACTED]'); // the echo was there, masked
      expect(runs[2]!.stderr).toMatch(/^error: credentials \[REDACTED\]/);
      expect(runs[2]!.stderr).toContain('at '); // --debug: the stack
      // The server did receive them: the test would catch a command that sent none.
      expect(fake.requests.some((q) => q.headers.authorization === AGENT_TOKEN && q.headers['x-api-key'] === HEADER_KEY)).toBe(true);
      expect(fake.requests.some((q) => q.headers.authorization === `Bearer ${API_KEY}`)).toBe(true);
    } finally {
      await fake.close();
    }
  });
});

describe('agentwire mock', () => {
  it('prints each API’s URL (--json: the first line), serves them, and closes everything on Ctrl-C (exit 0)', async () => {
    let started: ((v: { child: ChildProcess; doc: { url: string; urls: Record<string, string> } }) => void) | undefined;
    const ready = new Promise<{ child: ChildProcess; doc: { url: string; urls: Record<string, string> } }>((resolve) => (started = resolve));
    const run = cli(['mock', '--json', '--quiet'], {
      killAfterMs: 40_000,
      onStdout: (out, child) => {
        if (out.includes('\n')) started?.({ child, doc: JSON.parse(out.slice(0, out.indexOf('\n'))) });
      },
    });
    const { child, doc } = await ready;
    expect(Object.keys(doc.urls).sort()).toEqual(['agent', 'hosted', 'ray', 'runagent']);
    for (const [api, url] of Object.entries(doc.urls)) expect(url).toBe(`${doc.url}/${api}`);
    const children = execFileSync('pgrep', ['-P', String(child.pid)], { encoding: 'utf8' }).trim().split('\n').map(Number);
    expect(children.length).toBeGreaterThan(0); // Prism (under its guard)
    const jobs = await cli(['jobs', 'list', '--json'], { env: { AGENT_URL: doc.urls.agent!, AGENT_TOKEN: 'mock-token' } });
    expect(jobs.code).toBe(0);
    expect(Array.isArray(JSON.parse(jobs.stdout))).toBe(true);
    child.kill('SIGINT');
    const r = await run;
    expect(r.signal).toBeNull();
    expect(r.code).toBe(0);
    expect(lines(r.stdout)).toHaveLength(1);
    for (const pid of children) expect(() => process.kill(pid, 0)).toThrow(/ESRCH/);
    expect((await fetch(`${doc.url}/__mock/health`).catch((e: Error) => e)) instanceof Error).toBe(true);
  }, 45_000);
});
