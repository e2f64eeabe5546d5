import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';

const run = promisify(execFile);
const root = resolve(import.meta.dirname, '../..');
const tsc = join(root, 'node_modules/typescript/bin/tsc');

/**
 * The package as a user gets it: `npm pack`, install the tarball into an empty app, and a
 * typed `import { AgentClient } from 'agentwire/agent'` must compile (strict, NodeNext) and run.
 */
describe('packaging', () => {
  let app: string;

  beforeAll(async () => {
    app = await mkdtemp(join(tmpdir(), 'agentwire-app-'));
    const { stdout } = await run('npm', ['pack', '--silent', '--pack-destination', app], { cwd: root });
    const tarball = stdout.trim().split('\n').pop()!;
    await writeFile(join(app, 'package.json'), JSON.stringify({ name: 'app', private: true, type: 'module' }));
    await run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', '--ignore-scripts', join(app, tarball)], { cwd: app });
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
import { startMockServer } from 'agentwire/mock';
import { ClientError, NotFoundError } from 'agentwire';
export const all = [AgentClient, HostedClient, RunAgentClient, RayClient, startMockServer, ClientError];
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
