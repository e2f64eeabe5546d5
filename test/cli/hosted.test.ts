/**
 * `agentwire run|runs|traces` as a process against the shared mock (`/hosted`: Prism for JSON,
 * the SSE examples replayed), and against a recording server where the request body matters.
 */
import { describe, expect, inject, it, vi } from 'vitest';
import { startServer } from '../support/servers.js';
import { cli, lines, records } from './helpers.js';

// Each test runs the command as a process, often several at once: room for a loaded machine.
vi.setConfig({ testTimeout: 45_000 });

const { urls } = inject('mock');
const KEY = 'ar_live_cli_tests_0123456789';
const env = { AGNTZ_BASE_URL: urls.hosted, AGNTZ_API_KEY: KEY };
const FAST = (more = '') => ['-H', `Prefer: delay=0${more}`];

async function mock(path: string, init: RequestInit = {}): Promise<any> {
  const res = await fetch(`${urls.hosted}${path}`, { ...init, headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json', ...(init.headers as Record<string, string>) } });
  expect(res.ok).toBe(true);
  return res.json();
}

const utc = (ms: number) => new Date(ms).toISOString().slice(0, 19).replace('T', ' ');

describe.concurrent('hosted: run', () => {
  it('run: the output on stdout, the run’s details on stderr; --json the RunResult', async () => {
    const result = await mock('/run', { method: 'POST', body: JSON.stringify({ agentId: 'support-agent', input: 'hi' }) });
    const [human, json] = await Promise.all([cli(['run', 'support-agent', '--input', '"hi"'], { env }), cli(['run', 'support-agent', '--input', '"hi"', '--json'], { env })]);
    expect(human.code).toBe(0);
    expect(human.stdout).toBe(`${result.output}\n`);
    expect(human.stderr).toBe(`run ${result.runId} · session ${result.sessionId} · model ${result.model} · ${result.usage.totalTokens} tokens (${result.usage.inputTokens} in, ${result.usage.outputTokens} out)\n`);
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toEqual(result);
  });

  it('run sends the agent, the JSON input, --session and every --context grant', async () => {
    const fake = await startServer((_req, res) => void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ output: { answer: 42 }, state: {}, runId: 'run_1', status: 'completed', model: 'm', usage: { inputTokens: 1, outputTokens: 2, totalTokens: 3 } })));
    try {
      const r = await cli(['run', 'support-agent', '--url', fake.url, '--api-key', KEY, '--input', '{"query": "hi", "n": [1, 2]}', '--session', 'sess_1', '--context', 'app/user/u_1', '--context', 'app/org/o_1']);
      expect(r.code).toBe(0);
      expect(r.stdout).toBe('{\n  "answer": 42\n}\n');
      expect(fake.requests).toHaveLength(1);
      expect(fake.requests[0]!.url).toBe('/run');
      expect(fake.requests[0]!.headers.authorization).toBe(`Bearer ${KEY}`);
      expect(JSON.parse(fake.requests[0]!.body)).toEqual({ agentId: 'support-agent', input: { query: 'hi', n: [1, 2] }, sessionId: 'sess_1', context: ['app/user/u_1', 'app/org/o_1'] });
    } finally {
      await fake.close();
    }
  });

  it('run --stream: replies as they come, then the output; --json one event per line, without the raw frame', async () => {
    const [human, json] = await Promise.all([
      cli([...FAST(', example=withReply'), 'run', 'support-agent', '--input', '"hi"', '--stream'], { env }),
      cli([...FAST(', example=withReply'), 'run', 'support-agent', '--input', '"hi"', '--stream', '--json'], { env }),
    ]);
    expect(human.code).toBe(0);
    const recs = records(json.stdout);
    expect(recs.map((e) => e.type)).toEqual(['start', 'reply', 'complete']);
    for (const e of recs) expect(e).not.toHaveProperty('raw');
    expect(Object.keys(recs[0]!)[0]).toBe('type');
    expect(human.stdout).toBe(`${recs[1]!.text}\n${recs[2]!.output}\n`);
    expect(human.stderr).toMatch(new RegExp(`^run ${recs[0]!.runId} started`));
  });

  it('run --stream: an error event is exit 9; a stream cut before its terminal event is exit 8', async () => {
    const [failed, truncated] = await Promise.all([
      cli([...FAST(', example=failed'), 'run', 'support-agent', '--input', '"FAIL"', '--stream'], { env }),
      cli([...FAST(', truncate'), 'run', 'support-agent', '--input', '"hi"', '--stream'], { env }),
    ]);
    expect(failed.code).toBe(9);
    expect(failed.stderr).toMatch(/^error: the run failed: .+\n$/m);
    expect(truncated.code).toBe(8);
    expect(truncated.stderr).toMatch(/^error: POST \/run\/stream ended before its terminal event.*\n$/m);
  });

  it('bad --input fails before any request (exit 2); a missing --input is a usage error', async () => {
    const fake = await startServer((_req, res) => void res.writeHead(500).end());
    try {
      const [bad, missing, noKey] = await Promise.all([
        cli(['run', 'a', '--url', fake.url, '--api-key', KEY, '--input', 'hello']),
        cli(['run', 'a', '--url', fake.url, '--api-key', KEY]),
        cli(['run', 'a', '--url', fake.url, '--input', '"hi"']),
      ]);
      expect(bad.code).toBe(2);
      expect(bad.stderr).toBe("error: --input is not valid JSON (Unexpected token 'h')\n");
      expect(missing.code).toBe(2);
      expect(missing.stderr).toBe("error: required option '--input <json>' not specified\n");
      expect(noKey.code).toBe(2);
      expect(noKey.stderr).toBe('error: No API key: pass --api-key <key> or set AGNTZ_API_KEY\n');
      expect(fake.requests).toEqual([]);
    } finally {
      await fake.close();
    }
  });

  it.each([
    [401, 3],
    [404, 4],
    [429, 5],
    [500, 6],
  ])('run: HTTP %i → exit %i', async (status, code) => {
    const r = await cli(['--retries', '0', '-H', `Prefer: code=${status}`, 'run', 'support-agent', '--input', '"hi"'], { env });
    expect(r.code).toBe(code);
    expect(r.stdout).toBe('');
    expect(lines(r.stderr)).toHaveLength(1);
  });
});

describe.concurrent('hosted: runs and traces', () => {
  it('runs list: one page and the cursor of the next; --all every page; --json {rows, cursor}', async () => {
    const first = await mock('/runs');
    const second = await mock(`/runs?cursor=${encodeURIComponent(first.cursor)}`);
    const [human, json, all] = await Promise.all([cli(['runs', 'list'], { env }), cli(['runs', 'list', '--json'], { env }), cli(['runs', 'list', '--all', '--json'], { env })]);
    expect(human.code).toBe(0);
    const out = lines(human.stdout);
    expect(out[0]).toMatch(/^RUN ID\s+AGENT\s+STATUS\s+STARTED\s+DURATION\s+INPUT$/);
    first.rows.forEach((run: { id: string; status: string; startedAt: number }, i: number) => {
      expect(out[i + 1]).toMatch(new RegExp(`^${run.id}\\s.*${run.status}\\s+${utc(run.startedAt)}`));
    });
    expect(human.stderr).toBe(`more: add --cursor ${first.cursor} (or --all)\n`);
    expect(JSON.parse(json.stdout)).toEqual({ rows: first.rows, cursor: first.cursor });
    expect(second.cursor).toBeUndefined();
    expect(JSON.parse(all.stdout)).toEqual({ rows: [...first.rows, ...second.rows] });
  });

  it('runs list: bad filters fail before any request (exit 2)', async () => {
    const fake = await startServer((_req, res) => void res.writeHead(500).end());
    try {
      const [status, limit] = await Promise.all([
        cli(['runs', 'list', '--url', fake.url, '--api-key', KEY, '--status', 'sleeping']),
        cli(['runs', 'list', '--url', fake.url, '--api-key', KEY, '--limit', '500']),
      ]);
      expect(status.code).toBe(2);
      expect(status.stderr).toMatch(/^error: Invalid status: "sleeping" \(expected 'pending', .*\)\n$/);
      expect(limit.code).toBe(2);
      expect(fake.requests).toEqual([]);
    } finally {
      await fake.close();
    }
  });

  it('runs get / runs cancel: the Run’s fields; what a cancel did', async () => {
    const run = await mock('/runs/run_iCZXXZXn-j7V');
    const [get, cancel] = await Promise.all([cli(['runs', 'get', 'run_iCZXXZXn-j7V'], { env }), cli(['runs', 'cancel', 'run_iCZXXZXn-j7V'], { env })]);
    expect(get.code).toBe(0);
    expect(get.stdout).toMatch(new RegExp(`^run id\\s+${run.id}$`, 'm'));
    expect(get.stdout).toMatch(new RegExp(`^started\\s+${utc(run.startedAt)}$`, 'm'));
    expect(get.stdout).toMatch(new RegExp(`^output\\s+${run.result.output}$`, 'm'));
    expect(cancel.code).toBe(0);
    expect(cancel.stdout).toMatch(/^Cancel requested for run \S+ \(status now running; it becomes cancelled shortly\)\n$/);
  });

  it('runs cancel on a run that has ended says so, not "it becomes cancelled shortly"', async () => {
    const base = { id: 'run_x', rootId: 'run_x', agentId: 'echo-bot', userId: 'u', retentionMode: 'session', input: 'hi', startedAt: 1795318902108, depth: 0 };
    const fake = await startServer((req, res) => {
      const status = req.url?.includes('run_done') ? 'completed' : 'cancelled';
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ ...base, status }));
    });
    try {
      const [cancelled, done] = await Promise.all([
        cli(['runs', 'cancel', 'run_gone', '--url', fake.url, '--api-key', KEY]),
        cli(['runs', 'cancel', 'run_done', '--url', fake.url, '--api-key', KEY]),
      ]);
      expect(cancelled.code).toBe(0);
      expect(cancelled.stdout).toBe('Run run_x is cancelled\n');
      expect(done.code).toBe(0);
      expect(done.stdout).toBe('Run run_x had already ended (completed): nothing to cancel\n');
    } finally {
      await fake.close();
    }
  });

  it('runs watch: one line per event (child runs marked) until the root ends; --json events; a failed run is exit 9', async () => {
    const [human, json, failed] = await Promise.all([
      cli([...FAST(', example=allEvents'), 'runs', 'watch', 'run_abc'], { env }),
      cli([...FAST(', example=allEvents'), 'runs', 'watch', 'run_abc', '--json'], { env }),
      cli([...FAST(', example=failed'), 'runs', 'watch', 'run_abc'], { env }),
    ]);
    expect(json.code).toBe(0);
    const events = records(json.stdout);
    expect(events.at(-1)).toMatchObject({ type: 'run-complete', runId: 'run_abc' });
    expect(events.map((e) => e.seq)).toEqual(events.map((_e, i) => i + 1));
    expect(human.code).toBe(0);
    const out = lines(human.stdout);
    expect(out).toHaveLength(events.length);
    out.forEach((line, i) => {
      const e = events[i]!;
      expect(line).toMatch(new RegExp(`^#${e.seq}\\s+${e.type}\\s+${e.runId}${e.runId === 'run_abc' ? '\\s' : ' \\(child\\)'}`));
    });
    expect(failed.code).toBe(9);
    expect(failed.stderr).toMatch(/^error: run run_abc failed: .+\n$/);
  });

  it('traces list / traces get: summaries; a trace’s spans as a tree', async () => {
    const [page, trace] = await Promise.all([mock('/traces'), mock('/traces/run_iCZXXZXn-j7V')]);
    const [list, get, json] = await Promise.all([cli(['traces', 'list'], { env }), cli(['traces', 'get', 'run_iCZXXZXn-j7V'], { env }), cli(['traces', 'get', 'run_iCZXXZXn-j7V', '--json'], { env })]);
    expect(list.code).toBe(0);
    for (const t of page.rows) expect(list.stdout).toMatch(new RegExp(`^${t.traceId}\\s.*${t.status}`, 'm'));
    expect(get.code).toBe(0);
    expect(get.stdout).toMatch(new RegExp(`^trace id\\s+${trace.summary.traceId}$`, 'm'));
    const spanLines = lines(get.stdout.slice(get.stdout.indexOf('SPAN')));
    expect(spanLines).toHaveLength(trace.spans.length + 1);
    // The root span first, each child indented one level more than its parent.
    expect(spanLines[1]).toMatch(/^agent\.run\s/);
    expect(spanLines[2]).toMatch(/^ {2}agent\.manifest\s/);
    expect(JSON.parse(json.stdout)).toEqual(trace);
  });
});
