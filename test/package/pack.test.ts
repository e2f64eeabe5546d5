import { execFile } from 'node:child_process';
import { cp, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';

const run = promisify(execFile);
const root = resolve(import.meta.dirname, '../..');
const tsc = join(root, 'node_modules/typescript/bin/tsc');

/** Both packages packed once per run (one after the other: each `npm pack` builds its `dist/`). */
let packed: Promise<{ dir: string; sdk: string; mock: string }> | undefined;
function pack(): Promise<{ dir: string; sdk: string; mock: string }> {
  packed ??= (async () => {
    const dir = await mkdtemp(join(tmpdir(), 'agentwire-tgz-'));
    const last = (out: string) => join(dir, out.trim().split('\n').pop()!);
    const sdk = last((await run('npm', ['pack', '--silent', '--pack-destination', dir], { cwd: root })).stdout);
    const mock = last((await run('npm', ['pack', '--silent', '--workspace', 'agentwire-mock', '--pack-destination', dir], { cwd: root })).stdout);
    return { dir, sdk, mock };
  })();
  return packed;
}
const npmInstall = ['install', '--no-audit', '--no-fund', '--prefer-offline'];

afterAll(async () => {
  if (packed) await rm((await packed).dir, { recursive: true, force: true });
});

/**
 * The package as a user gets it: `npm pack`, install the tarball into an empty app, and a
 * typed `import { AgentClient } from 'agentwire/agent'` must compile (strict, NodeNext) and run.
 */
describe('packaging', () => {
  let app: string;

  beforeAll(async () => {
    app = await mkdtemp(join(tmpdir(), 'agentwire-app-'));
    const { sdk } = await pack();
    expect(sdk).toMatch(/agentwire-\d+\.\d+\.\d+\.tgz$/);
    await writeFile(join(app, 'package.json'), JSON.stringify({ name: 'app', private: true, type: 'module' }));
    await run('npm', [...npmInstall, '--ignore-scripts', sdk], { cwd: app });
  }, 240_000);

  afterAll(async () => {
    if (app) await rm(app, { recursive: true, force: true });
  });

  it('ships only the built code, its types, the specs and the LICENSE', async () => {
    const files = await readdir(join(app, 'node_modules/agentwire'));
    expect(files.sort()).toEqual(expect.arrayContaining(['dist', 'openapi', 'package.json', 'README.md', 'LICENSE']));
    expect(files).not.toContain('src');
    expect(files).not.toContain('test');
    expect(await readFile(join(app, 'node_modules/agentwire/LICENSE'), 'utf8')).toMatch(/^MIT License/);
  });

  it('ships no source map (they would point at TypeScript sources the tarball lacks)', async () => {
    const shipped = (await readdir(join(app, 'node_modules/agentwire/dist'), { recursive: true })) as string[];
    expect(shipped.filter((f) => f.endsWith('.d.ts')).length).toBeGreaterThan(10);
    expect(shipped.filter((f) => f.endsWith('.map'))).toEqual([]);
  });

  it('states the Node it needs, and require() of a subpath works there (Node ≥ 20.19 loads ESM from CommonJS)', async () => {
    const pkg = JSON.parse(await readFile(join(app, 'node_modules/agentwire/package.json'), 'utf8'));
    expect(pkg.engines.node).toBe('>=20.19');
    expect(pkg.sideEffects).toBe(false);
    await writeFile(join(app, 'use.cjs'), `const { RayClient } = require('agentwire/ray'); const root = require('agentwire'); console.log(typeof RayClient, typeof root.AgentClient, typeof root.Transport);`);
    const { stdout } = await run(process.execPath, ['--no-warnings', join(app, 'use.cjs')], { cwd: app });
    expect(stdout.trim()).toBe('function function undefined'); // the root has the clients, not the internals
  });

  it('its prepare script builds only in a checkout: in an installed copy it does nothing', async () => {
    const dir = join(app, 'node_modules/agentwire');
    const before = (await readdir(join(dir, 'dist'), { recursive: true })).length;
    await run('npm', ['run', 'prepare', '--silent'], { cwd: dir });
    expect((await readdir(join(dir, 'dist'), { recursive: true })).length).toBe(before);
  }, 60_000);

  it('type-checks the subpaths in a project with moduleResolution "node" (typesVersions)', async () => {
    const dir = join(app, 'node10');
    await mkdir(dir, { recursive: true });
    await writeFile(
      join(dir, 'main.ts'),
      `import { AgentClient } from 'agentwire/agent';
import { HostedClient } from 'agentwire/hosted';
import { RunAgentClient } from 'agentwire/runagent';
import { RayClient, type JobDetails } from 'agentwire/ray';
import { ClientError, NotFoundError } from 'agentwire';
export const all = [AgentClient, HostedClient, RunAgentClient, RayClient, ClientError];
export function status(job: JobDetails, err: NotFoundError): [string, number] {
  return [job.status, err.statusCode];
}
`,
    );
    await writeFile(
      join(dir, 'tsconfig.json'),
      JSON.stringify({ compilerOptions: { target: 'ES2022', module: 'CommonJS', moduleResolution: 'node', strict: true, noEmit: true, skipLibCheck: true, types: ['node'], typeRoots: [join(root, 'node_modules/@types')] }, files: ['main.ts'] }),
    );
    await run(process.execPath, [tsc, '-p', dir], { cwd: app });
  }, 60_000);

  it('installs without the mock: no Prism, no @types hoisted, at most 30 packages', async () => {
    const installed = await readdir(join(app, 'node_modules'));
    expect(installed).toContain('agentwire');
    expect(installed).not.toContain('@stoplight');
    expect(installed).not.toContain('@types');
    const { stdout } = await run('npm', ['ls', '--all', '--parseable'], { cwd: app });
    const packages = stdout.trim().split('\n').slice(1); // the first line is the app itself
    expect(packages.length).toBeGreaterThan(1);
    expect(packages.length).toBeLessThanOrEqual(30);
  });

  it('agentwire mock without agentwire-mock installed says in one line how to install it (exit 2)', async () => {
    const result = await run(process.execPath, [join(app, 'node_modules/agentwire/dist/src/cli/main.js'), 'mock'], { cwd: app }).then(
      () => ({ code: 0, stderr: '' }),
      (error: { code: number; stderr: string }) => error,
    );
    expect(result.code).toBe(2);
    expect(result.stderr).toBe('error: agentwire mock needs the agentwire-mock package: npm install --save-dev agentwire-mock\n');
  });

  it('compiles a typed import of agentwire/agent and runs it against the mock', async () => {
    const { urls } = inject('mock');
    await writeFile(
      join(app, 'main.ts'),
      `import { AgentClient, NotFoundError } from 'agentwire/agent';
import type { StreamLimits } from 'agentwire';
const limits: Partial<StreamLimits> = { maxLines: 10 };
const client = new AgentClient({ baseUrl: process.argv[2]!, agentToken: 'tok_pack_test', streamLimits: limits });
const jobs = await client.listJobs();
const first: string = jobs[0]!.submission_id ?? '';
console.log(JSON.stringify({ count: jobs.length, first, notFound: NotFoundError.name }));
`,
    );
    await writeFile(
      join(app, 'tsconfig.json'),
      JSON.stringify({ compilerOptions: { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, skipLibCheck: false, types: ['node'], typeRoots: [join(root, 'node_modules/@types')], outDir: 'out' }, files: ['main.ts'] }),
    );
    await run(process.execPath, [tsc, '-p', app], { cwd: app });
    const { stdout } = await run(process.execPath, [join(app, 'out/main.js'), urls.agent], { cwd: app });
    const out = JSON.parse(stdout);
    expect(out.count).toBeGreaterThan(0);
    expect(out.first).toMatch(/^ray/);
    expect(out.notFound).toBe('NotFoundError');
  }, 60_000);
});

/**
 * The consumers' recipe (`examples/mock-consumer/`): the example project, installed from the two
 * tarballs (`agentwire`, `agentwire-mock`) in a temporary directory, passes its own tests — a
 * vitest globalSetup that starts the packed mock, an app that submits a job and follows it.
 */
describe('examples/mock-consumer, installed from the tarballs', () => {
  let project: string;

  beforeAll(async () => {
    project = await mkdtemp(join(tmpdir(), 'agentwire-example-'));
    await cp(join(root, 'examples/mock-consumer'), project, { recursive: true, filter: (src) => !src.includes('node_modules') });
    const { sdk, mock } = await pack();
    await run('npm', [...npmInstall, sdk, mock], { cwd: project });
  }, 240_000);

  afterAll(async () => {
    if (project) await rm(project, { recursive: true, force: true });
  });

  it('runs its tests against agentwire-mock: submit → follow → SUCCEEDED / FAILED / STOPPED, unknown id 404', async () => {
    const vitest = join(project, 'node_modules/vitest/vitest.mjs');
    const { stdout } = await run(process.execPath, [vitest, 'run', '--reporter=json'], { cwd: project, env: { ...process.env, VITEST: undefined, VITEST_POOL_ID: undefined, VITEST_WORKER_ID: undefined, NODE_OPTIONS: undefined } });
    const report = JSON.parse(stdout.slice(stdout.indexOf('{')));
    expect(report.numFailedTests).toBe(0);
    expect(report.numPassedTests).toBe(4);
  }, 120_000);
});
