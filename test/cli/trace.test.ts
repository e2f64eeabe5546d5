/**
 * `agentwire --trace`: the spans of a command on stderr as a tree, against the shared mock —
 * stdout unchanged, no credential in the tree.
 */
import { describe, expect, inject, it, vi } from 'vitest';
import { cli } from './helpers.js';

vi.setConfig({ testTimeout: 45_000 });

const { urls } = inject('mock');
const TOKEN = 'agent-token-for-trace-tests';
const env = { AGENT_URL: urls.agent, AGENT_TOKEN: TOKEN };
const JOB = 'raysubmit_NRBzaQRtepYZud2i';

describe('--trace', () => {
  it('jobs list: one request span under the trace; stdout as without --trace', async () => {
    const [plain, traced] = await Promise.all([cli(['jobs', 'list', '--json'], { env }), cli(['--trace', 'jobs', 'list', '--json'], { env })]);
    expect(traced.code).toBe(0);
    expect(traced.stdout).toBe(plain.stdout);
    expect(plain.stderr).toBe('');
    const tree = traced.stderr.trimEnd().split('\n');
    expect(tree[0]).toMatch(/^trace [0-9a-f]{32}$/);
    expect(tree.slice(1)).toHaveLength(1);
    expect(tree[1]).toMatch(/^└─ GET \/jobs\/ 200 \d+ ms$/);
  });

  it('a tail that falls back: the stream span, its fallback event and its HTTP request, nested; no token', async () => {
    const r = await cli(['--trace', '-H', 'Prefer: delay=0, refuse=503', 'logs', JOB], { env });
    expect(r.code).toBe(0);
    const tree = r.stderr.slice(r.stderr.indexOf('trace ')).trimEnd().split('\n');
    expect(tree[1]).toMatch(/^└─ tail \/jobs\/\{job_id\}\/logs items=\d+ \d+ ms$/);
    expect(tree[2]).toMatch(/^   ├─ · fallback protocol=http error\.type=\S+ items=0$/);
    expect(tree[3]).toMatch(/^   └─ GET \/jobs\/\{job_id\}\/logs\/stream\/ 200 \d+ ms$/);
    expect(tree).toHaveLength(4);
    expect(r.stderr).not.toContain(TOKEN);
  });
});
