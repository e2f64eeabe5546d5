/**
 * `agentwire ray …` as a process: against the shared mock (`/ray`: Prism for REST, the captured
 * tail replayed), and against a small fake dashboard where the test must see what was sent
 * (the submit body, the state query) or script the job (a FAILED job after `--wait`).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, inject, it, vi } from 'vitest';
import { parse } from 'yaml';
import { startServer } from '../support/servers.js';
import { cli, lines, records } from './helpers.js';

// Each test runs the command as a process, often several at once: room for a loaded machine.
vi.setConfig({ testTimeout: 45_000 });

const { urls } = inject('mock');
const env = { RAY_DASHBOARD_ADDRESS: urls.ray };
const FAST = ['-H', 'Prefer: delay=5'];

const asyncapi = parse(readFileSync(new URL('../../openapi/ray-logs.asyncapi.yaml', import.meta.url), 'utf8'));
/** The captured tail's lines, as the mock replays them. */
const LINES: string[] = asyncapi.components.messages.logBatch.examples.map((e: { payload: string }) => e.payload).join('').split('\n').slice(0, -1);

async function mockJson(path: string, init?: RequestInit): Promise<any> {
  const res = await fetch(`${urls.ray}${path}`, init);
  expect(res.ok).toBe(true);
  return res.json();
}

/** A fake dashboard: records requests, answers from `routes` (`METHOD path` → [status, body]) and serves a scripted tail. */
async function fakeRay(routes: Record<string, [number, unknown]>, tail: string[] = []) {
  return startServer(
    (req, res) => {
      const route = routes[`${req.method} ${req.url}`];
      if (!route) return void res.writeHead(404, { 'content-type': 'text/plain' }).end(`no route ${req.method} ${req.url}`);
      const [status, body] = route;
      res.writeHead(status, { 'content-type': typeof body === 'string' ? 'text/plain' : 'application/json' }).end(typeof body === 'string' ? body : JSON.stringify(body));
    },
    {
      ws: async (ws) => {
        for (const frame of tail) ws.send(frame);
        ws.close(1000);
      },
    },
  );
}

describe.concurrent('ray: jobs', () => {
  it('ray jobs: the jobs table; --json the dashboard’s array', async () => {
    const jobs = await mockJson('/api/jobs/');
    const [human, json] = await Promise.all([cli(['ray', 'jobs'], { env }), cli(['ray', 'jobs', '--json'], { env })]);
    expect(human.code).toBe(0);
    expect(lines(human.stdout)[0]).toMatch(/^SUBMISSION ID\s+JOB ID\s+STATUS/);
    for (const job of jobs) expect(human.stdout).toMatch(new RegExp(`^${job.submission_id}\\s.*${job.status}`, 'm'));
    expect(JSON.parse(json.stdout)).toEqual(jobs);
  });

  it('ray status: the job’s fields; an unknown job is exit 4', async () => {
    const [ok, missing] = await Promise.all([cli(['ray', 'status', 'rayrig_tasks_1'], { env }), cli(['ray', 'status', 'nope', '-H', 'Prefer: code=404'], { env })]);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/^status\s+SUCCEEDED$/m);
    expect(ok.stdout).toMatch(/^exit code\s+0$/m);
    expect(missing.code).toBe(4);
    expect(missing.stderr).toMatch(/^error: Job \S+ does not exist \(HTTP 404\)\n$/);
  });

  it('ray submit -- <entrypoint…>: the words shell-quoted as ray does, the options as Ray’s body; prints the submission id', async () => {
    const fake = await fakeRay({ 'POST /api/jobs/': [200, { submission_id: 'my_job_1', job_id: null }] });
    try {
      const r = await cli(
        ['ray', 'submit', '--address', fake.url, '--submission-id', 'my_job_1', '--runtime-env', '{"pip": ["requests"]}', '--metadata', '{"team": "ml"}', '--entrypoint-num-cpus', '2', '--', 'python', '-c', "print('hi there')", '--epochs', '3'],
      );
      expect(r.code).toBe(0);
      expect(r.stdout).toBe("Job 'my_job_1' submitted successfully\n");
      expect(r.stderr).toContain('agentwire ray logs my_job_1 --follow');
      expect(fake.requests).toHaveLength(1);
      expect(JSON.parse(fake.requests[0]!.body)).toEqual({
        entrypoint: `python -c 'print('"'"'hi there'"'"')' --epochs 3`,
        submission_id: 'my_job_1',
        runtime_env: { pip: ['requests'] },
        metadata: { team: 'ml' },
        entrypoint_num_cpus: 2,
      });
    } finally {
      await fake.close();
    }
  });

  it('ray submit --wait (mock): follows the log to the end, then the final status; --json one object per line', async () => {
    const [human, json] = await Promise.all([cli([...FAST, 'ray', 'submit', '--wait', '--', 'python', 'x.py'], { env }), cli([...FAST, 'ray', 'submit', '--wait', '--json', '--', 'python', 'x.py'], { env })]);
    expect(human.code).toBe(0);
    const out = lines(human.stdout);
    expect(out[0]).toMatch(/^Job '\S+' submitted successfully$/);
    expect(out.slice(1, -1)).toEqual(LINES);
    expect(out.at(-1)).toMatch(/^Job '\S+' succeeded$/);
    expect(human.stderr).toContain('Tailing logs until the job exits');
    expect(json.code).toBe(0);
    const recs = records(json.stdout);
    expect(recs[0]).toMatchObject({ type: 'submitted' });
    expect(recs.slice(1, -1)).toEqual(LINES.map((line) => ({ type: 'log', line })));
    expect(recs.at(-1)).toMatchObject({ type: 'status', job: { status: 'SUCCEEDED' } });
  });

  it('ray submit --wait: a job that FAILED ends the command with exit 9 and its whole message', async () => {
    const failed = { type: 'SUBMISSION', job_id: null, submission_id: 'j_fail', status: 'FAILED', entrypoint: 'exit 3', message: 'Job entrypoint command failed with exit code 3, last available logs (truncated to 20,000 chars):\nline one\nline two\n', start_time: 1, end_time: 2 };
    const fake = await fakeRay({ 'POST /api/jobs/': [200, { submission_id: 'j_fail', job_id: null }], 'GET /api/jobs/j_fail': [200, failed] }, ['line one\nline ', 'two\n']);
    try {
      const r = await cli(['ray', 'submit', '--wait', '--address', fake.url, '--', 'exit', '3']);
      expect(r.code).toBe(9);
      expect(r.stdout).toBe("Job 'j_fail' submitted successfully\nline one\nline two\n");
      expect(r.stderr).toMatch(/error: Job 'j_fail' failed: Job entrypoint command failed with exit code 3, last available logs \(truncated to 20,000 chars\):\nline one\nline two\n$/);
      expect(fake.requests.map((q) => `${q.method} ${q.url}`)).toContain('UPGRADE /api/jobs/j_fail/logs/tail');
    } finally {
      await fake.close();
    }
  });

  it('ray logs: the whole log; --follow streams its lines', async () => {
    const { logs } = await mockJson('/api/jobs/rayrig_tasks_1/logs');
    const [whole, follow] = await Promise.all([cli(['ray', 'logs', 'rayrig_tasks_1'], { env }), cli([...FAST, 'ray', 'logs', 'raysubmit_NRBzaQRtepYZud2i', '-f'], { env })]);
    expect(whole.code).toBe(0);
    expect(whole.stdout).toBe(logs); // byte for byte: no newline added
    expect(follow.code).toBe(0);
    expect(lines(follow.stdout)).toEqual(LINES);
  });

  it('ray logs: a log without a final newline is printed without one', async () => {
    const fake = await fakeRay({ 'GET /api/jobs/j_partial/logs': [200, { logs: 'one\ntwo, still running' }] });
    try {
      const r = await cli(['ray', 'logs', 'j_partial', '--address', fake.url]);
      expect(r.code).toBe(0);
      expect(r.stdout).toBe('one\ntwo, still running');
    } finally {
      await fake.close();
    }
  });

  it('no address names the flag, not an option object (exit 2)', async () => {
    const [none, creds] = await Promise.all([cli(['ray', 'jobs']), cli(['ray', 'jobs', '--address', 'http://u:p@127.0.0.1:1'])]);
    expect(none.code).toBe(2);
    expect(none.stderr).toBe('error: No Ray dashboard address: pass --address http://<head>:8265 or set RAY_DASHBOARD_ADDRESS (or RAY_ADDRESS to an http(s) URL)\n');
    expect(creds.code).toBe(2);
    expect(creds.stderr).toBe('error: --address must not carry credentials: pass --token <token> or set RAY_AUTH_TOKEN\n');
  });

  it('ray stop: says a stop was requested; --json {stopped}', async () => {
    const [human, json] = await Promise.all([cli(['ray', 'stop', 'rayrig_long_1'], { env }), cli(['ray', 'stop', 'rayrig_long_1', '--json'], { env })]);
    expect(human.code).toBe(0);
    expect(human.stdout).toBe("Stop requested for job 'rayrig_long_1' (it may read RUNNING for a few more seconds)\n");
    expect(JSON.parse(json.stdout)).toEqual({ stopped: true });
  });

  it('a ray:// RAY_ADDRESS and bad JSON options fail before any request (exit 2)', async () => {
    const fake = await fakeRay({});
    try {
      const [rayUrl, badEnv, badMeta, noWords] = await Promise.all([
        cli(['ray', 'jobs'], { env: { RAY_ADDRESS: 'ray://head:10001' } }),
        cli(['ray', 'submit', '--address', fake.url, '--runtime-env', '{"env_vars": {"HF_TOKEN": "hf_secretvalue"', '--', 'x']),
        cli(['ray', 'submit', '--address', fake.url, '--metadata', '[1]', '--', 'x']),
        cli(['ray', 'submit', '--address', fake.url]),
      ]);
      for (const r of [rayUrl, badEnv, badMeta, noWords]) {
        expect(r.code).toBe(2);
        expect(lines(r.stderr)).toHaveLength(1);
      }
      expect(rayUrl.stderr).toContain('RAY_ADDRESS=ray://head:10001 is not a dashboard address');
      expect(badEnv.stderr).toMatch(/^error: --runtime-env is not valid JSON/);
      expect(badEnv.stderr).not.toContain('hf_secretvalue'); // the value is never repeated
      expect(badMeta.stderr).toBe("error: --metadata must be a JSON object such as '{\"key\": \"value\"}', got an array\n");
      expect(noWords.stderr).toBe("error: missing required argument 'entrypoint'\n");
      expect(fake.requests).toEqual([]);
    } finally {
      await fake.close();
    }
  });
});

describe.concurrent('ray: state', () => {
  it('ray nodes / ray tasks: tables of the state API rows', async () => {
    const [nodes, tasks] = await Promise.all([mockJson('/api/v0/nodes'), mockJson('/api/v0/tasks')]);
    const [n, t] = await Promise.all([cli(['ray', 'nodes'], { env }), cli(['ray', 'tasks'], { env })]);
    expect(n.code).toBe(0);
    for (const node of nodes.data.result.result) expect(n.stdout).toMatch(new RegExp(`^${node.node_id}\\s.*${node.state}`, 'm'));
    expect(t.code).toBe(0);
    expect(lines(t.stdout)).toHaveLength(tasks.data.result.result.length + 1);
  });

  it('--filter, --limit, --detail reach Ray’s query; a cut list says so on stderr; a bad filter is exit 2', async () => {
    const row = { task_id: 't1', attempt_number: 0, name: 'sq', state: 'FINISHED', job_id: '03000000', actor_id: null, type: 'NORMAL_TASK', func_or_class_name: 'sq', parent_task_id: 'p', node_id: null, worker_id: null, worker_pid: 7, error_type: null };
    const envelope = { result: true, msg: '', data: { result: { total: 5, num_after_truncation: 5, num_filtered: 4, result: [row], partial_failure_warning: '', warnings: null } } };
    const query = '/api/v0/tasks?limit=1&detail=true&filter_keys=state&filter_keys=name&filter_predicates=%3D&filter_predicates=!%3D&filter_values=FINISHED&filter_values=other';
    const fake = await fakeRay({ [`GET ${query}`]: [200, envelope] });
    try {
      const [r, bad] = await Promise.all([
        cli(['ray', 'tasks', '--address', fake.url, '--limit', '1', '--detail', '--filter', 'state=FINISHED', '--filter', 'name!=other']),
        cli(['ray', 'tasks', '--address', fake.url, '--filter', 'oops']),
      ]);
      expect(r.code).toBe(0);
      expect(lines(r.stdout)[1]).toMatch(/^t1\s+0\s+sq\s+FINISHED/);
      expect(r.stderr).toBe('showing 1 of 4 (raise --limit to see more)\n');
      expect(bad.code).toBe(2);
      expect(bad.stderr).toBe('error: --filter must look like key=value or key!=value, got "oops"\n');
      expect(fake.requests.map((q) => q.url)).toEqual([query]);
    } finally {
      await fake.close();
    }
  });
});
