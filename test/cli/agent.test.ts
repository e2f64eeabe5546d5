/**
 * `agentwire jobs|logs|nodes|tasks|serve` as a process against the shared mock (`/agent`), and
 * against small real servers where the mock cannot show what the command did (the close of a
 * WebSocket on Ctrl-C, requests that must never be sent).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, inject, it, vi } from 'vitest';
import { parse } from 'yaml';
import type { WebSocket } from 'ws';
import { closedPort, startServer } from '../support/servers.js';
import { cli, lines, records } from './helpers.js';

// Each test runs the command as a process, often several at once: room for a loaded machine.
vi.setConfig({ testTimeout: 45_000 });

const { urls } = inject('mock');
const TOKEN = 'agent-token-for-cli-tests';
const env = { AGENT_URL: urls.agent, AGENT_TOKEN: TOKEN };
const JOB = 'raysubmit_NRBzaQRtepYZud2i';

const asyncapi = parse(readFileSync(new URL('../../openapi/agent-logs.asyncapi.yaml', import.meta.url), 'utf8'));
/** The lines of the captured tail, as the mock replays them (its `log` examples, split at newlines). */
const LINES: string[] = asyncapi.components.messages.log.examples
  .map((e: { payload: { message: string } }) => e.payload.message)
  .join('')
  .split('\n')
  .filter((l: string) => l !== '');

async function mockJson(path: string): Promise<unknown> {
  const res = await fetch(`${urls.agent}${path}`, { headers: { Authorization: TOKEN } });
  expect(res.status).toBe(200);
  return res.json();
}

/** `2026-11-22 03:56:53` for an epoch-ms instant, in UTC (the tests run with TZ=UTC). */
const utc = (ms: number) => new Date(ms).toISOString().slice(0, 19).replace('T', ' ');

describe.concurrent('agent: jobs', () => {
  it('jobs list: an aligned table, newest first, times in local time; --json is the server’s array', async () => {
    const jobs = (await mockJson('/jobs/')) as Array<{ submission_id: string; start_time: number; status: string }>;
    const [human, json] = await Promise.all([cli(['jobs', 'list'], { env }), cli(['jobs', 'list', '--json'], { env })]);
    expect(human.code).toBe(0);
    expect(human.stderr).toBe('');
    const out = lines(human.stdout);
    expect(out[0]).toMatch(/^SUBMISSION ID\s+JOB ID\s+STATUS\s+START\s+END\s+DURATION\s+ENTRYPOINT$/);
    expect(out).toHaveLength(jobs.length + 1);
    const newestFirst = [...jobs].sort((a, b) => b.start_time - a.start_time);
    newestFirst.forEach((job, i) => {
      expect(out[i + 1]).toContain(job.submission_id);
      expect(out[i + 1]).toContain(job.status);
      expect(out[i + 1]).toContain(utc(job.start_time));
    });
    // Columns are aligned: STATUS starts at the same offset on every row.
    const at = out[0]!.indexOf('STATUS');
    for (const [i, job] of newestFirst.entries()) expect(out[i + 1]!.indexOf(job.status)).toBe(at);
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toEqual(jobs);
  });

  it('times follow the local time zone (TZ)', async () => {
    const job = (await mockJson('/jobs/rayrig_long_1/')) as { start_time: number };
    const r = await cli(['jobs', 'get', 'rayrig_long_1'], { env: { ...env, TZ: 'Asia/Kolkata' } });
    expect(r.code).toBe(0);
    const shifted = utc(job.start_time + 5.5 * 3600_000); // UTC+05:30
    expect(r.stdout).toMatch(new RegExp(`^start\\s+${shifted}$`, 'm'));
  });

  it('jobs get: a key/value view; --json the record', async () => {
    const job = (await mockJson('/jobs/rayrig_long_1/')) as { submission_id: string; status: string; entrypoint: string };
    const [human, json] = await Promise.all([cli(['jobs', 'get', 'rayrig_long_1'], { env }), cli(['--json', 'jobs', 'get', 'rayrig_long_1'], { env })]);
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(new RegExp(`^submission id\\s+${job.submission_id}$`, 'm'));
    expect(human.stdout).toMatch(new RegExp(`^status\\s+${job.status}$`, 'm'));
    expect(human.stdout).toMatch(new RegExp(`^entrypoint\\s+${job.entrypoint}$`, 'm'));
    expect(JSON.parse(json.stdout)).toEqual(job);
  });

  it('jobs stop: says what happened; --json is {stopped}', async () => {
    const [human, json] = await Promise.all([cli(['jobs', 'stop', 'rayrig_long_1'], { env }), cli(['jobs', 'stop', 'rayrig_long_1', '--json'], { env })]);
    expect(human.code).toBe(0);
    expect(human.stdout).toBe('Stop requested for job rayrig_long_1 (it may read RUNNING for a few more seconds)\n');
    expect(JSON.parse(json.stdout)).toEqual({ stopped: true });
  });

  it('nodes, tasks, serve: tables of the server’s records', async () => {
    const [nodes, tasks, apps] = (await Promise.all([mockJson('/nodes/'), mockJson('/tasks/'), mockJson('/serve_applications/')])) as [
      Array<{ node_id: string; state: string }>,
      Array<{ task_id: string; state: string }>,
      Array<{ name: string; status: string; last_deployed_time_s: number }>,
    ];
    const [n, t, s, sj] = await Promise.all([cli(['nodes'], { env }), cli(['tasks'], { env }), cli(['serve'], { env }), cli(['serve', '--json'], { env })]);
    for (const r of [n, t, s]) expect(r.code).toBe(0);
    expect(lines(n.stdout)[0]).toMatch(/^NODE ID\s+IP\s+HEAD\s+STATE/);
    for (const node of nodes) expect(n.stdout).toMatch(new RegExp(`^${node.node_id}\\s.*${node.state}`, 'm'));
    expect(lines(t.stdout)).toHaveLength(tasks.length + 1);
    for (const task of tasks) expect(t.stdout).toMatch(new RegExp(`^${task.task_id}\\s.*${task.state}`, 'm'));
    // Serve times are epoch seconds.
    for (const app of apps) expect(s.stdout).toMatch(new RegExp(`^${app.name}\\s.*${app.status}.*${utc(Math.floor(app.last_deployed_time_s) * 1000)}`, 'm'));
    expect(JSON.parse(sj.stdout)).toEqual(apps);
  });
});

describe.concurrent('agent: logs', () => {
  it('streams each line to stdout as it comes (the first before the tail ends), in order, exit 0', async () => {
    let runningAtFirstLine: boolean | undefined;
    const r = await cli(['-H', 'Prefer: delay=300', 'logs', JOB], {
      env,
      onStdout: (_out, child) => (runningAtFirstLine ??= child.exitCode === null && child.signalCode === null),
    });
    expect(r.code).toBe(0);
    expect(runningAtFirstLine).toBe(true);
    expect(lines(r.stdout)).toEqual(LINES);
    expect(r.stderr).toBe('');
  });

  it('--json: one JSON object per line, {line}', async () => {
    const r = await cli(['--json', '-H', 'Prefer: delay=0', 'logs', JOB, '--protocol', 'http'], { env });
    expect(r.code).toBe(0);
    expect(records(r.stdout)).toEqual(LINES.map((line) => ({ line })));
  });

  it('auto falls back to HTTP when the WebSocket is refused with 503, says so on stderr, and repeats no line', async () => {
    const r = await cli(['-H', 'Prefer: delay=0, refuse=503', 'logs', JOB], { env });
    expect(r.code).toBe(0);
    expect(lines(r.stdout)).toEqual(LINES);
    expect(r.stderr).toMatch(/^note: the WebSocket failed \(.*503.*\); following over HTTP\n$/);
  });

  it('a reader that goes away (| head) ends the tail quietly with exit 0', async () => {
    let closed = false;
    const r = await cli(['-H', 'Prefer: delay=200', 'logs', JOB], {
      env,
      onStdout: (_out, child) => {
        if (!closed) {
          closed = true;
          child.stdout!.destroy(); // the next line the command writes meets a closed pipe
        }
      },
    });
    expect(r.signal).toBeNull();
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
  });

  it('--no-follow prints the log so far', async () => {
    const { logs } = (await mockJson('/jobs/rayrig_long_1/logs/')) as { logs: string };
    const r = await cli(['logs', 'rayrig_long_1', '--no-follow'], { env });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(logs.endsWith('\n') ? logs : `${logs}\n`);
  });

  it('the tail’s error frame is a server error (exit 6); --protocol is checked before any request (exit 2)', async () => {
    const [missing, bad] = await Promise.all([cli(['-H', 'Prefer: delay=0', 'logs', 'raysubmit_doesnotexist', '--protocol', 'websocket'], { env }), cli(['logs', JOB, '--protocol', 'grpc'], { env })]);
    expect(missing.code).toBe(6);
    expect(missing.stderr).toBe('error: Job raysubmit_doesnotexist does not exist (HTTP 500)\n');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^error: option '--protocol <protocol>' argument 'grpc' is invalid\. Allowed choices are auto, websocket, http\.\n$/);
  });

  it.each([
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const)('%s (Ctrl-C) closes the WebSocket of a tail that would never end and exits %i, keeping the lines already printed', async (signal, exitCode) => {
    const server: { ws?: (ws: WebSocket) => void } = {};
    const closed = new Promise<void>((resolve) => {
      server.ws = (ws: WebSocket) => {
        ws.send(JSON.stringify({ type: 'log', message: 'first line\nsecond line\n' }));
        ws.on('close', () => resolve());
      };
    });
    const fake = await startServer((_req, res) => void res.writeHead(500).end(), { ws: (ws) => server.ws!(ws) });
    try {
      let sent = false;
      const r = await cli(['logs', 'job_1', '--url', fake.url], {
        env: { AGENT_TOKEN: TOKEN },
        onStdout: (out, child) => {
          if (!sent && out.includes('second line\n')) {
            sent = true;
            child.kill(signal);
          }
        },
      });
      await closed; // the server saw the connection close
      expect(r.signal).toBeNull(); // not killed by the helper's timer: the tail stopped on Ctrl-C
      expect(r.code).toBe(exitCode);
      expect(r.stdout).toBe('first line\nsecond line\n');
      expect(r.stderr).toBe('');
      expect(fake.requests.map((q) => `${q.method} ${q.url}`)).toEqual(['UPGRADE /jobs/job_1/logs/']);
    } finally {
      await fake.close();
    }
  });
});

describe.concurrent('agent: errors and exit codes', () => {
  it.each([
    [400, 2],
    [401, 3],
    [403, 3],
    [404, 4],
    [422, 2],
    [429, 5],
    [500, 6],
    [503, 6],
  ])('HTTP %i → exit %i, one line on stderr', async (status, code) => {
    const r = await cli(['--retries', '0', '-H', `Prefer: code=${status}`, 'jobs', 'get', 'rayrig_long_1'], { env });
    expect(r.code).toBe(code);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^error: \S.*\n$/);
    expect(lines(r.stderr)).toHaveLength(1);
  });

  it('a closed port is a connection error (exit 7); a server that never answers times out (exit 7)', async () => {
    const port = await closedPort();
    const silent = await startServer(() => new Promise(() => {}));
    try {
      const [refused, slow] = await Promise.all([
        cli(['jobs', 'list', '--retries', '0'], { env: { AGENT_URL: `http://127.0.0.1:${port}`, AGENT_TOKEN: TOKEN } }),
        cli(['jobs', 'list', '--retries', '0', '--timeout', '1000'], { env: { AGENT_URL: silent.url, AGENT_TOKEN: TOKEN } }),
      ]);
      expect(refused.code).toBe(7);
      expect(refused.stderr).toMatch(/^error: .*(ECONNREFUSED|refused).*\n$/i);
      expect(slow.code).toBe(7);
      expect(slow.stderr).toMatch(/^error: .*tim(ed|e) ?out.*\n$/i);
      expect(silent.requests.length).toBeLessThanOrEqual(1); // --retries 0: no second attempt
    } finally {
      await silent.close();
    }
  });

  it('a 2xx the client cannot read (not JSON) is a server-side failure (exit 6), still one line', async () => {
    const fake = await startServer((_req, res) => void res.writeHead(200, { 'content-type': 'application/json' }).end('{not json'));
    try {
      const r = await cli(['jobs', 'list'], { env: { AGENT_URL: fake.url, AGENT_TOKEN: TOKEN } });
      expect(r.code).toBe(6);
      expect(r.stderr).toBe('error: GET /jobs/: HTTP 200 with a body that is not JSON (application/json)\n');
    } finally {
      await fake.close();
    }
  });

  it('bad input fails before any request: a bad job id, a bad header, no URL or token (exit 2)', async () => {
    const fake = await startServer((_req, res) => void res.writeHead(200, { 'content-type': 'application/json' }).end('{}'));
    try {
      const e = { AGENT_URL: fake.url, AGENT_TOKEN: TOKEN };
      const results = await Promise.all([
        cli(['jobs', 'get', 'bad id!'], { env: e }),
        cli(['logs', 'bad/id'], { env: e }),
        cli(['-H', 'no colon here', 'jobs', 'list'], { env: e }),
        cli(['jobs', 'list'], { env: { AGENT_TOKEN: TOKEN } }),
        cli(['jobs', 'list'], { env: { AGENT_URL: fake.url } }),
        cli(['logs', JOB, '--idle-timeout', 'soon'], { env: e }),
      ]);
      for (const r of results) {
        expect(r.code).toBe(2);
        expect(r.stdout).toBe('');
        expect(lines(r.stderr)).toHaveLength(1);
      }
      expect(results[0]!.stderr).toBe('error: Invalid job ID format: "bad id!"\n');
      expect(results[2]!.stderr).toBe('error: --header must look like "Name: value"\n');
      expect(results[3]!.stderr).toBe('error: No agent server: pass --url <url> or set AGENT_URL\n');
      expect(results[4]!.stderr).toBe('error: No agent token: pass --token <token> or set AGENT_TOKEN\n');
      expect(fake.requests).toEqual([]);
    } finally {
      await fake.close();
    }
  });

  it('flags win over the environment', async () => {
    const port = await closedPort();
    const r = await cli(['jobs', 'list', '--url', urls.agent, '--token', TOKEN], { env: { AGENT_URL: `http://127.0.0.1:${port}`, AGENT_TOKEN: 'wrong-token-value' } });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^SUBMISSION ID/);
  });
});
