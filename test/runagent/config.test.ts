/**
 * Configuration precedence (options > environment > ~/.runagent/config.json > defaults) with a
 * temporary HOME and a stubbed environment, checked on what a real server receives; malformed
 * files and variables; retry_config driving the retry spacing.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { RunAgentClient, ValidationError } from '../../src/runagent/index.js';
import { startServer, type TestServer } from '../support/servers.js';
import { AGENT, captureLogger, envelope, failure, isolateEnvironment, structured, writeConfig } from './helpers.js';

const env = isolateEnvironment();

const servers: TestServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

/** A server that answers every POST /run with a string result. */
async function runServer(status = 200): Promise<TestServer> {
  const s = await startServer((_req, res) => void res.writeHead(status, { 'content-type': 'application/json' }).end(status === 200 ? envelope(structured('string', 'ok')) : '{"detail":"busy"}'));
  servers.push(s);
  return s;
}

/** What one server saw of the one run: the key and the timeout (seconds on the wire). */
function seen(s: TestServer) {
  expect(s.requests).toHaveLength(1);
  return { authorization: s.requests[0]!.headers.authorization, timeoutSeconds: JSON.parse(s.requests[0]!.body).timeout_seconds };
}

describe('precedence: options > environment > config file > defaults', () => {
  it('defaults when nothing is configured (a missing file is fine)', async () => {
    const s = await new RunAgentClient({ agentId: AGENT }).settings();
    expect(s).toMatchObject({ apiKey: undefined, baseUrl: 'https://api.run-agent.ai', timeout: 30_000, maxRetries: 3, retryDelayMs: 1000, retryBackoff: 2, logLevel: 'warn', configFile: undefined });
    expect(Object.values(s.sources).every((src) => src === 'default')).toBe(true);
  });

  it('the config file: api_key, api_url, timeout in seconds', async () => {
    const fileServer = await runServer();
    const path = await writeConfig(env.home(), { api_key: 'file-key-1234', api_url: fileServer.url, timeout: 11 });
    const c = new RunAgentClient({ agentId: AGENT });
    await c.runGeneric({});
    expect(seen(fileServer)).toEqual({ authorization: 'Bearer file-key-1234', timeoutSeconds: 11 });
    const s = await c.settings();
    expect(s.timeout).toBe(11_000);
    expect(s.configFile).toBe(path);
    expect(s.sources).toMatchObject({ apiKey: `file:${path}`, baseUrl: `file:${path}`, timeout: `file:${path}` });
  });

  it('the environment beats the file (RUNAGENT_API_URL, RUNAGENT_API_KEY, RUNAGENT_TIMEOUT in seconds)', async () => {
    const fileServer = await runServer();
    const envServer = await runServer();
    await writeConfig(env.home(), { api_key: 'file-key-1234', api_url: fileServer.url, timeout: 11 });
    vi.stubEnv('RUNAGENT_API_URL', envServer.url);
    vi.stubEnv('RUNAGENT_API_KEY', 'env-key-5678');
    vi.stubEnv('RUNAGENT_TIMEOUT', '7');
    await new RunAgentClient({ agentId: AGENT }).runGeneric({});
    expect(seen(envServer)).toEqual({ authorization: 'Bearer env-key-5678', timeoutSeconds: 7 });
    expect(fileServer.requests).toHaveLength(0);
  });

  it('RUNAGENT_BASE_URL beats the seed\'s RUNAGENT_API_URL', async () => {
    const base = await runServer();
    const api = await runServer();
    vi.stubEnv('RUNAGENT_BASE_URL', base.url);
    vi.stubEnv('RUNAGENT_API_URL', api.url);
    await new RunAgentClient({ agentId: AGENT }).runGeneric({});
    expect(base.requests).toHaveLength(1);
    expect(api.requests).toHaveLength(0);
  });

  it('constructor options beat the environment and the file', async () => {
    const fileServer = await runServer();
    const envServer = await runServer();
    const optionServer = await runServer();
    await writeConfig(env.home(), { api_key: 'file-key-1234', api_url: fileServer.url, timeout: 11 });
    vi.stubEnv('RUNAGENT_BASE_URL', envServer.url);
    vi.stubEnv('RUNAGENT_API_KEY', 'env-key-5678');
    vi.stubEnv('RUNAGENT_TIMEOUT', '7');
    const c = new RunAgentClient({ agentId: AGENT, baseUrl: optionServer.url, apiKey: 'opt-key-9012', timeout: 4_500 });
    await c.runGeneric({});
    expect(seen(optionServer)).toEqual({ authorization: 'Bearer opt-key-9012', timeoutSeconds: 5 });
    expect(fileServer.requests.length + envServer.requests.length).toBe(0);
    expect((await c.settings()).sources).toMatchObject({ apiKey: 'options', baseUrl: 'options', timeout: 'options' });
  });

  it('fields are picked one by one: a file key with an environment URL', async () => {
    const envServer = await runServer();
    await writeConfig(env.home(), { api_key: 'file-key-1234' });
    vi.stubEnv('RUNAGENT_API_URL', envServer.url);
    await new RunAgentClient({ agentId: AGENT }).runGeneric({});
    expect(seen(envServer).authorization).toBe('Bearer file-key-1234');
  });

  it('null fields in the file count as absent; a trailing /api/v1 on a URL is dropped', async () => {
    const s = await runServer();
    await writeConfig(env.home(), { api_key: null, api_url: `${s.url}/api/v1/`, timeout: null, retry_config: null });
    await new RunAgentClient({ agentId: AGENT }).runGeneric({});
    expect(s.requests[0]!.url).toBe(`/api/v1/agents/${AGENT}/run`);
    expect(seen(s)).toEqual({ authorization: undefined, timeoutSeconds: 30 });
  });

  it('RUNAGENT_LOG_LEVEL (Python names too) sets the level; the logLevel option beats it', async () => {
    const s = await runServer(503);
    await writeConfig(env.home(), { api_url: s.url, retry_config: { max_retries: 1, retry_delay: 0.01 } });
    vi.stubEnv('RUNAGENT_LOG_LEVEL', 'DEBUG');
    const logger = captureLogger();
    await new RunAgentClient({ agentId: AGENT, logger }).health().catch(() => {});
    expect(logger.lines.some((l) => l.includes('retry 1'))).toBe(true);
    const quiet = captureLogger();
    await new RunAgentClient({ agentId: AGENT, logger: quiet, logLevel: 'error' }).health().catch(() => {});
    expect(quiet.lines).toEqual([]);
    vi.stubEnv('RUNAGENT_LOG_LEVEL', 'WARNING');
    expect((await new RunAgentClient({ agentId: AGENT }).settings()).logLevel).toBe('warn');
  });
});

describe('retry_config drives retries: delay × backoff^n (seconds in the file), with jitter', () => {
  it('max_retries, retry_delay and retry_backoff space the attempts', async () => {
    const s = await runServer(503);
    await writeConfig(env.home(), { api_url: s.url, retry_config: { max_retries: 2, retry_delay: 0.1, retry_backoff: 3 } });
    await expect(new RunAgentClient({ agentId: AGENT }).architecture()).rejects.toThrow();
    const at = s.requests.map((r) => r.at);
    expect(at).toHaveLength(3);
    // 100 ms then 300 ms, each up to 25 % shorter (jitter).
    expect(at[1]! - at[0]!).toBeGreaterThanOrEqual(74);
    expect(at[2]! - at[1]!).toBeGreaterThanOrEqual(224);
  });

  it('the maxRetries option beats retry_config.max_retries', async () => {
    const s = await runServer(503);
    await writeConfig(env.home(), { api_url: s.url, retry_config: { max_retries: 3, retry_delay: 0.01 } });
    await expect(new RunAgentClient({ agentId: AGENT, maxRetries: 1 }).architecture()).rejects.toThrow();
    expect(s.requests).toHaveLength(2);
  });
});

describe('a malformed config file is a ValidationError naming the file and the field', () => {
  it.each<[string, unknown, RegExp]>([
    ['bad JSON', '{"api_key": "k", ', /config\.json: is not valid JSON/],
    ['not an object', '[1, 2]', /config\.json: must hold a JSON object, got an array/],
    ['timeout as a string', { timeout: '30' }, /config\.json: field "timeout" must be a positive number of seconds.*got the string "30"/],
    ['timeout of 0', { timeout: 0 }, /field "timeout" must be a positive number/],
    ['api_key as a number', { api_key: 12345 }, /field "api_key" must be a non-empty string, got number/],
    ['api_url not a URL', { api_url: 'api.run-agent.ai' }, /field "api_url" is not a URL/],
    ['retry_config as a list', { retry_config: [3] }, /field "retry_config" must be an object/],
    ['max_retries not whole', { retry_config: { max_retries: 1.5 } }, /field "retry_config\.max_retries" must be a whole number/],
    ['retry_delay negative', { retry_config: { retry_delay: -1 } }, /field "retry_config\.retry_delay" must be a non-negative number of seconds/],
    ['retry_backoff below 1', { retry_config: { retry_backoff: 0.5 } }, /field "retry_config\.retry_backoff" must be a number from 1 to 10/],
  ])('%s', async (_name, content, message) => {
    const s = await runServer();
    const path = await writeConfig(env.home(), content);
    vi.stubEnv('RUNAGENT_BASE_URL', s.url);
    const error = await failure(new RunAgentClient({ agentId: AGENT }).runGeneric({}));
    expect(error).toBeInstanceOf(ValidationError);
    expect(error.message).toMatch(message);
    expect(error.message).toContain(path);
    expect(error.code).toBe('INVALID_CONFIG');
    expect(s.requests).toHaveLength(0);
  });

  it('the mistake is not cached: a fixed file is read on the next call', async () => {
    const s = await runServer();
    await writeConfig(env.home(), '{oops');
    const c = new RunAgentClient({ agentId: AGENT });
    await expect(c.runGeneric({})).rejects.toBeInstanceOf(ValidationError);
    await writeConfig(env.home(), { api_url: s.url });
    expect(await c.runGeneric({})).toBe('ok');
  });

  it('the key never appears in the message', async () => {
    await writeConfig(env.home(), { api_key: 'file-key-1234', timeout: 'soon' });
    const error = await failure(new RunAgentClient({ agentId: AGENT }).settings());
    expect(error.message).not.toContain('file-key-1234');
  });
});

describe('a malformed environment variable is a ValidationError naming it', () => {
  it.each([
    ['RUNAGENT_TIMEOUT', 'abc', /RUNAGENT_TIMEOUT must be a positive number of seconds/],
    ['RUNAGENT_TIMEOUT', '-3', /RUNAGENT_TIMEOUT must be a positive number/],
    ['RUNAGENT_LOG_LEVEL', 'loud', /RUNAGENT_LOG_LEVEL must be one of/],
    ['RUNAGENT_API_URL', 'nowhere', /RUNAGENT_API_URL is not a URL/],
    ['RUNAGENT_BASE_URL', 'ws://x', /RUNAGENT_BASE_URL must be an http\(s\) URL/],
  ])('%s=%s', async (name, value, message) => {
    vi.stubEnv(name, value);
    const error = await failure(new RunAgentClient({ agentId: AGENT }).settings());
    expect(error).toBeInstanceOf(ValidationError);
    expect(error.message).toMatch(message);
  });
});

/**
 * The `runagent` CLI's own store: `~/.runagent/runagent_local.db`, table `user_metadata`
 * (key, JSON-encoded value), as RunAgent 0.1.x's `runagent setup` writes it. The database is
 * a real SQLite file, written here with sql.js.
 */
async function writeDatabase(dir: string, rows: Record<string, unknown>, table = 'user_metadata'): Promise<string> {
  const { default: initSqlJs } = await import('sql.js');
  const SQL = await initSqlJs();
  const db = new SQL.Database();
  db.run(`CREATE TABLE ${table} (key VARCHAR NOT NULL PRIMARY KEY, value TEXT NOT NULL, created_at DATETIME, updated_at DATETIME)`);
  for (const [key, value] of Object.entries(rows)) db.run(`INSERT INTO ${table} (key, value) VALUES (?, ?)`, [key, JSON.stringify(value)]);
  const bytes = db.export();
  db.close();
  await mkdir(dir, { recursive: true });
  const path = join(dir, 'runagent_local.db');
  await writeFile(path, bytes);
  return path;
}

describe("the runagent CLI's database", () => {
  it('api_key and base_url from user_metadata reach the server; the database beats config.json', async () => {
    const dbServer = await runServer();
    const fileServer = await runServer();
    const path = await writeDatabase(join(env.home(), '.runagent'), { api_key: 'db-key-4321', base_url: `${dbServer.url}/`, user_email: 'a@b.c' });
    await writeConfig(env.home(), { api_key: 'file-key-1234', api_url: fileServer.url, timeout: 11 });
    const c = new RunAgentClient({ agentId: AGENT });
    await c.runGeneric({});
    expect(seen(dbServer)).toEqual({ authorization: 'Bearer db-key-4321', timeoutSeconds: 11 }); // the timeout from config.json
    expect(fileServer.requests).toHaveLength(0);
    const s = await c.settings();
    expect(s.sources).toMatchObject({ apiKey: `file:${path}`, baseUrl: `file:${path}`, timeout: `file:${join(env.home(), '.runagent', 'config.json')}` });
    expect(s.configFile).toBe(path);
    expect((await readFile(path)).subarray(0, 15).toString()).toBe('SQLite format 3'); // a real SQLite file
  });

  it('RUNAGENT_CACHE_DIR moves the directory, as for the CLI', async () => {
    const server = await runServer();
    const dir = join(env.home(), 'elsewhere');
    await writeDatabase(dir, { api_key: 'db-key-4321', base_url: server.url });
    vi.stubEnv('RUNAGENT_CACHE_DIR', dir);
    await new RunAgentClient({ agentId: AGENT }).runGeneric({});
    expect(seen(server).authorization).toBe('Bearer db-key-4321');
  });

  it('a database without user_metadata adds nothing; one that is not SQLite is a ValidationError naming it', async () => {
    const server = await runServer();
    vi.stubEnv('RUNAGENT_BASE_URL', server.url);
    await writeDatabase(join(env.home(), '.runagent'), { x: 1 }, 'agents');
    await new RunAgentClient({ agentId: AGENT }).runGeneric({});
    expect(seen(server).authorization).toBeUndefined();
    const path = join(env.home(), '.runagent', 'runagent_local.db');
    await writeFile(path, 'not a database, but long enough to look like one '.repeat(20));
    const error = await failure(new RunAgentClient({ agentId: AGENT }).settings());
    expect(error).toBeInstanceOf(ValidationError);
    expect(error.message).toContain(path);
    expect(error.code).toBe('INVALID_CONFIG');
  });
});

describe('every option given: nothing on disk is looked up', () => {
  it('a broken database and config.json under HOME are never read', async () => {
    const server = await runServer();
    await writeConfig(env.home(), '{broken');
    await writeFile(join(env.home(), '.runagent', 'runagent_local.db'), 'broken');
    const c = new RunAgentClient({ agentId: AGENT, apiKey: 'opt-key-9012', baseUrl: server.url, timeout: 5_000, maxRetries: 0 });
    await c.runGeneric({});
    expect(seen(server).authorization).toBe('Bearer opt-key-9012');
    expect((await c.settings()).configFile).toBeUndefined();
  });

  it('one option left open reads the files again (the guard is not "never")', async () => {
    const server = await runServer();
    await writeConfig(env.home(), '{broken');
    const error = await failure(new RunAgentClient({ agentId: AGENT, apiKey: 'opt-key-9012', baseUrl: server.url, timeout: 5_000 }).runGeneric({}));
    expect(error.code).toBe('INVALID_CONFIG');
  });
});
