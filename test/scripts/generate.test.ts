/**
 * `npm run generate -- --check` covers the AsyncAPI documents: run against a copy of
 * `openapi/` and `generated/` (`--root`), it passes on the copy as it is, fails when one
 * description of an AsyncAPI document changes without regeneration (naming only that file), and
 * passes again once the copy is regenerated, whose types then carry the new text.
 */
import { spawnSync } from 'node:child_process';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SCRIPT = join(ROOT, 'scripts/generate.ts');
let dir: string;

function generate(...args: string[]) {
  const run = spawnSync(process.execPath, ['--import', 'tsx', SCRIPT, '--root', dir, ...args], { cwd: ROOT, encoding: 'utf8' });
  return { status: run.status, out: run.stdout + run.stderr };
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'agentwire-generate-'));
  await cp(join(ROOT, 'openapi'), join(dir, 'openapi'), { recursive: true });
  await cp(join(ROOT, 'generated'), join(dir, 'generated'), { recursive: true });
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('generate --check over the AsyncAPI documents', { timeout: 120_000 }, () => {
  it('passes on an unchanged copy, fails on an edited AsyncAPI description, passes once regenerated', async () => {
    const generated = await readFile(join(dir, 'generated/ray-logs.asyncapi.ts'), 'utf8');
    expect(generated).toContain('export interface messages');
    expect(generated).toContain('logBatch: components["schemas"]["LogBatchPayload"]');

    expect(generate('--check')).toMatchObject({ status: 0 });

    const spec = join(dir, 'openapi/ray-logs.asyncapi.yaml');
    const text = await readFile(spec, 'utf8');
    const old = "description: Raw log text, not JSON; about 20 kB at most (Ray's batch limit), never empty.";
    expect(text).toContain(old);
    await writeFile(spec, text.replace(old, 'description: Raw log text, edited without regenerating.'));

    const stale = generate('--check');
    expect(stale.status).toBe(1);
    expect(stale.out).toContain('generated/ is stale');
    expect(stale.out).toContain('ray-logs.asyncapi.ts');
    for (const other of ['agent-logs.asyncapi.ts', 'runagent-stream.asyncapi.ts', 'agent.ts']) expect(stale.out).not.toContain(`/${other}`);

    expect(generate().status).toBe(0);
    expect(generate('--check')).toMatchObject({ status: 0 });
    expect(await readFile(join(dir, 'generated/ray-logs.asyncapi.ts'), 'utf8')).toContain('Raw log text, edited without regenerating.');
  });

  it('fails when an AsyncAPI document is added without regeneration, and when a message payload changes type', async () => {
    const spec = join(dir, 'openapi/agent-logs.asyncapi.yaml');
    const text = await readFile(spec, 'utf8');
    await writeFile(join(dir, 'openapi/extra.asyncapi.yaml'), text);
    const added = generate('--check');
    expect(added.status).toBe(1);
    expect(added.out).toContain('extra.asyncapi.ts');
    await rm(join(dir, 'openapi/extra.asyncapi.yaml'));

    const schema = "        message:\n          type: string\n      additionalProperties: true\n    ErrorEvent:";
    expect(text).toContain(schema);
    await writeFile(spec, text.replace(schema, schema.replace('type: string', 'type: integer')));
    const changed = generate('--check');
    expect(changed.status).toBe(1);
    expect(changed.out).toContain('agent-logs.asyncapi.ts');
  });
});
