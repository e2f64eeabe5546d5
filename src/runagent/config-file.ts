/**
 * Node only (reached through `#platform`): reads what the `runagent` tools keep on disk, in the
 * directory `RUNAGENT_CACHE_DIR`, else `~/.runagent` (home from `os.homedir()`, which follows
 * `HOME`), highest first:
 *
 * 1. `runagent_local.db` — the SQLite database of the `runagent` CLI (RunAgent 0.1.x,
 *    `runagent setup`): table `user_metadata`, rows `(key, value)` with JSON-encoded values;
 *    agentwire reads `api_key` and `base_url`.
 * 2. `config.json` — the file RunAgent's Python SDK documents: `api_key`, `api_url`, `timeout`
 *    (seconds), `retry_config.{max_retries, retry_delay (seconds), retry_backoff}`.
 *
 * Why sql.js, and only when installed: `node:sqlite` needs Node ≥ 22.5 (agentwire supports
 * Node 20); `better-sqlite3` is a native addon that needs a compiler or a downloaded binary on
 * every install; sql.js is SQLite compiled to WebAssembly, maintained by the sql.js project,
 * runs on Node 20, Bun and Deno, but weighs ~30 MB installed — too much to put on every user
 * for one key lookup. So it is an optional peer dependency: `npm install sql.js` and the CLI's
 * database is read; without it the database is skipped (the client's `debug` log says so) and
 * the environment or `config.json` must carry the key.
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ValidationError } from '../core/errors.js';
import { readEnv } from '../core/validate.js';
import { parseRunAgentConfigFile, parseRunAgentDatabase, type RunAgentConfigFile } from './config.js';

/** The `runagent` CLI's database, in the RunAgent directory. */
export const RUNAGENT_DATABASE = 'runagent_local.db';
/** The Python SDK's config file, in the RunAgent directory. */
export const RUNAGENT_CONFIG_JSON = 'config.json';

/** What {@link readRunAgentUserConfig} found: the files with settings (highest first) and notes for the debug log. */
export interface RunAgentUserConfig {
  files: RunAgentConfigFile[];
  notes: string[];
}

/**
 * Reads the `runagent` database and `config.json` (see the module comment). Missing files are
 * skipped. Throws {@link ValidationError} (`INVALID_CONFIG`) naming the file (and the field) for
 * a file that cannot be read, is not JSON / not SQLite, or holds a field of the wrong type.
 */
export async function readRunAgentUserConfig(): Promise<RunAgentUserConfig> {
  const dir = readEnv('RUNAGENT_CACHE_DIR') ?? join(homedir(), '.runagent');
  const notes: string[] = [];
  const dbPath = join(dir, RUNAGENT_DATABASE);
  const jsonPath = join(dir, RUNAGENT_CONFIG_JSON);
  const [db, json] = await Promise.all([readIfPresent(dbPath), readIfPresent(jsonPath)]);
  const files: RunAgentConfigFile[] = [];
  if (db) {
    const rows = await userMetadata(db, dbPath);
    if (rows) files.push(parseRunAgentDatabase(rows, dbPath));
    else notes.push(`${dbPath} not read: install the optional peer dependency sql.js to read the runagent CLI's settings`);
  }
  if (json) files.push(parseRunAgentConfigFile(new TextDecoder().decode(json), jsonPath));
  return { files, notes };
}

async function readIfPresent(path: string): Promise<Uint8Array | undefined> {
  try {
    return await readFile(path);
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw new ValidationError(`cannot read ${path}: ${(err as Error).message}`, { statusCode: 400, code: 'INVALID_CONFIG', cause: err });
  }
}

type InitSqlJs = (config?: object) => Promise<{ Database: new (data?: Uint8Array) => SqlDatabase }>;
interface SqlDatabase {
  exec(sql: string): { columns: string[]; values: unknown[][] }[];
  close(): void;
}

/**
 * sql.js, when the application installed it. Resolved at run time (not a static or literal
 * `import('sql.js')`), so a bundler neither pulls it in nor fails where it is absent.
 */
async function loadSqlJs(): Promise<InitSqlJs | undefined> {
  let entry: string;
  try {
    entry = createRequire(import.meta.url).resolve('sql.js');
  } catch {
    return undefined;
  }
  const mod = (await import(pathToFileURL(entry).href)) as { default: InitSqlJs };
  return mod.default;
}

let sqlJs: ReturnType<InitSqlJs> | undefined;

/**
 * The `user_metadata` rows of the database, or `undefined` when sql.js is not installed. A
 * database without that table (a CLI that never ran `setup`) has no rows.
 */
async function userMetadata(bytes: Uint8Array, path: string): Promise<Array<[string, string]> | undefined> {
  const init = await loadSqlJs();
  if (!init) return undefined;
  const SQL = await (sqlJs ??= init());
  let db: SqlDatabase | undefined;
  try {
    db = new SQL.Database(bytes);
    const tables = db.exec("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'user_metadata'");
    if (!tables.length) return [];
    const [result] = db.exec("SELECT key, value FROM user_metadata WHERE key IN ('api_key', 'base_url')");
    return (result?.values ?? []).map(([key, value]) => [String(key), String(value)]);
  } catch (err) {
    throw new ValidationError(`${path}: not a readable SQLite database (${(err as Error).message})`, {
      statusCode: 400,
      code: 'INVALID_CONFIG',
      detail: { file: path },
      cause: err,
    });
  } finally {
    db?.close();
  }
}
