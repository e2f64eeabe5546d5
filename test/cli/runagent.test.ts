/**
 * `agentwire runagent <agent>` as a process against the shared mock (`/runagent`: Prism for
 * `POST /run`, the run-stream WebSocket replaying the captured frames), and a recording server
 * for what must never be sent. HOME is an empty directory: no ~/.runagent/config.json is read.
 */
import { describe, expect, inject, it, vi } from 'vitest';
import { startServer } from '../support/servers.js';
import { cli, records } from './helpers.js';

// Each test runs the command as a process, often several at once: room for a loaded machine.
vi.setConfig({ testTimeout: 45_000 });

const { urls } = inject('mock');
const KEY = 'ra_cli_tests_key_0123456789';
const env = { RUNAGENT_BASE_URL: urls.runagent, RUNAGENT_API_KEY: KEY };
const AGENT = '14bc8f86-c108-485b-adb7-cf06f2831091';
/** The captured stream's chunks (test/fixtures/runagent/ws_probe.txt, `[valid]`), as the mock replays them. */
const CHUNKS = [1, 2, 3, 4, 5].map((i) => `chunk ${i}/5 for hi`);

describe.concurrent('runagent', () => {
  it('runs the generic entrypoint: the decoded output for people, the value with --json', async () => {
    const [human, json] = await Promise.all([cli(['runagent', AGENT, '--input', '{"query": "hello rig", "extra": 1}'], { env }), cli(['runagent', AGENT, '--input', '{}', '--json'], { env })]);
    expect(human.code).toBe(0);
    expect(JSON.parse(human.stdout)).toEqual({ answer: 'echo: hello rig', kwargs_seen: ['extra'] });
    expect(human.stdout).toContain('\n  "answer"'); // indented for people
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toEqual({ answer: 'echo: hello rig', kwargs_seen: ['extra'] });
  });

  it('--stream writes the chunks as they come (as the seed’s print(chunk, end="")); --json one chunk per line, then the completion', async () => {
    const [human, json] = await Promise.all([
      cli(['-H', 'Prefer: delay=0', 'runagent', AGENT, '--input', '{"message": "hi"}', '--stream'], { env }),
      cli(['-H', 'Prefer: delay=0', 'runagent', AGENT, '--input', '{"message": "hi"}', '--stream', '--json'], { env }),
    ]);
    expect(human.code).toBe(0);
    expect(human.stdout).toBe(`${CHUNKS.join('')}\n`);
    expect(json.code).toBe(0);
    const recs = records(json.stdout);
    expect(recs.slice(0, -1)).toEqual(CHUNKS.map((value) => ({ type: 'chunk', value })));
    expect(recs.at(-1)).toMatchObject({ type: 'completed', totalChunks: 5 });
    expect(typeof recs.at(-1)!.executionTimeMs).toBe('number');
  });

  it('a stream cut before stream_completed is exit 8; an agent that raised is exit 6; a refused key exit 3; an unknown entrypoint exit 4', async () => {
    const [cut, raised, refused, unknown] = await Promise.all([
      cli(['-H', 'Prefer: delay=0, truncate', 'runagent', AGENT, '--input', '{}', '--stream'], { env }),
      cli(['-H', 'Prefer: example=agentRaised', 'runagent', AGENT, '--input', '{}'], { env }),
      cli(['--retries', '0', '-H', 'Prefer: code=401', 'runagent', AGENT, '--input', '{}'], { env }),
      cli(['-H', 'Prefer: code=404', 'runagent', AGENT, '--input', '{}', '--entrypoint', 'nope'], { env }),
    ]);
    expect(cut.code).toBe(8);
    expect(cut.stderr).toMatch(/^error: run-stream generic_stream closed .*before stream_completed.*\n$/m);
    expect(raised.code).toBe(6);
    expect(raised.stderr).toMatch(/^error: run generic: .*INTERNAL_ERROR.*\n$/);
    expect(refused.code).toBe(3);
    expect(unknown.code).toBe(4);
    expect(unknown.stderr).toMatch(/^error: .*Entrypoint nope not found.*\n$/);
  });

  it('bad input fails before any request: not a JSON object, a streaming tag without --stream, --stream with a plain tag (exit 2, naming the flag)', async () => {
    const fake = await startServer((_req, res) => void res.writeHead(500).end());
    try {
      const e = { RUNAGENT_BASE_URL: fake.url, RUNAGENT_API_KEY: KEY };
      const [arr, text, tag, plain] = await Promise.all([
        cli(['runagent', AGENT, '--input', '[1, 2]'], { env: e }),
        cli(['runagent', AGENT, '--input', 'hello'], { env: e }),
        cli(['runagent', AGENT, '--input', '{}', '--entrypoint', 'x_stream'], { env: e }),
        cli(['runagent', AGENT, '--input', '{}', '--entrypoint', 'generic', '--stream'], { env: e }),
      ]);
      expect(arr.code).toBe(2);
      expect(arr.stderr).toBe("error: --input must be a JSON object such as '{\"key\": \"value\"}', got an array\n");
      expect(text.code).toBe(2);
      expect(tag.code).toBe(2);
      expect(tag.stderr).toBe('error: Entrypoint `x_stream` is a streaming entrypoint (its tag ends in _stream): add --stream\n');
      expect(plain.code).toBe(2);
      expect(plain.stderr).toBe('error: Entrypoint `generic` is not a streaming entrypoint (its tag does not end in _stream): drop --stream\n');
      expect(fake.requests).toEqual([]);
    } finally {
      await fake.close();
    }
  });

  it('--url and --api-key win over RUNAGENT_*', async () => {
    const fake = await startServer((_req, res) => void res.writeHead(500).end());
    try {
      const r = await cli(['runagent', AGENT, '--url', urls.runagent, '--api-key', KEY, '--input', '{}', '--json'], { env: { RUNAGENT_BASE_URL: fake.url, RUNAGENT_API_KEY: 'other-key-value' } });
      expect(r.code).toBe(0);
      expect(fake.requests).toEqual([]);
    } finally {
      await fake.close();
    }
  });
});
