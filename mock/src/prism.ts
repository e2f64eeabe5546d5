/**
 * Prism behind the mock server's front: the OpenAPI documents merged into one (paths prefixed
 * with `/<api>`, components namespaced `<api>_<Name>`), and the Prism child process that
 * serves it on an internal loopback port, run under a guard so it never outlives its parent.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { ClientError } from 'agentwire';
import type { ApiName } from './types.js';
import { API_NAMES } from './types.js';

// ---------------------------------------------------------------------------------------------
// Package root and spec files

/**
 * The folder of the `agentwire` package whose specs the mock serves (it ships `openapi/` at
 * its root): where `agentwire/package.json` resolves from this module (the app's own
 * `agentwire`, a peer dependency); failing that, the nearest folder above this module that
 * holds both `package.json` and `openapi/` (this repository, where the mock lives in `mock/`).
 * Throws a `ClientError` (code `MOCK_NO_SPECS`) if there is none.
 */
export function findPackageRoot(from: string = import.meta.url): string {
  try {
    const dir = dirname(createRequire(from).resolve('agentwire/package.json'));
    if (existsSync(join(dir, 'openapi'))) return dir;
  } catch {
    // not resolvable from here: look upwards
  }
  let dir = dirname(from.startsWith('file:') ? fileURLToPath(from) : from);
  for (;;) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'openapi'))) return dir;
    const parent = dirname(dir);
    if (parent === dir) {
      throw new ClientError(`agentwire mock: no agentwire package (package.json + openapi/) from ${from}`, {
        code: 'MOCK_NO_SPECS',
      });
    }
    dir = parent;
  }
}

/** An OpenAPI document as parsed from YAML: plain JSON values. */
export type SpecDoc = Record<string, any>;

/**
 * Reads `openapi/<api>.yaml` (or `.yml` / `.json`) for each wanted API. Files named
 * `*.asyncapi.*`, files of other names and files whose top level has no `openapi` key are
 * skipped; a missing file is simply absent from the result. Throws (naming the file) when a
 * file is not valid YAML.
 */
export async function loadOpenApiDocs(
  root: string,
  apis: readonly ApiName[] = API_NAMES,
): Promise<Partial<Record<ApiName, SpecDoc>>> {
  const dir = join(root, 'openapi');
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return {};
  }
  const out: Partial<Record<ApiName, SpecDoc>> = {};
  await Promise.all(
    names.map(async (file) => {
      const m = /^([a-z]+)\.(ya?ml|json)$/.exec(file);
      if (!m || file.includes('.asyncapi.')) return;
      const api = m[1] as ApiName;
      if (!apis.includes(api) || out[api]) return;
      const doc = await readSpecFile(join(dir, file));
      if (doc && typeof doc === 'object' && !Array.isArray(doc) && 'openapi' in doc) out[api] = doc as SpecDoc;
    }),
  );
  return out;
}

/** Parses one YAML/JSON spec file. Throws a `ClientError` (code `MOCK_BAD_SPEC`) naming the file. */
export async function readSpecFile(path: string): Promise<unknown> {
  const text = await readFile(path, 'utf8');
  try {
    return parseYaml(text, { maxAliasCount: -1 });
  } catch (error) {
    throw new ClientError(`agentwire mock: ${path} is not valid YAML: ${(error as Error).message.split('\n')[0]}`, {
      code: 'MOCK_BAD_SPEC',
      cause: error,
    });
  }
}

// ---------------------------------------------------------------------------------------------
// Merging

const METHODS = new Set(['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace']);

function decodePointer(segment: string): string {
  return segment.replace(/~1/g, '/').replace(/~0/g, '~');
}
function encodePointer(segment: string): string {
  return segment.replace(/~/g, '~0').replace(/\//g, '~1');
}

/**
 * Rewrites one local `$ref` for the merged document: `#/components/<type>/<Name>…` →
 * `#/components/<type>/<api>_<Name>…`, `#/paths/<path>…` → `#/paths/<prefixed path>…`.
 * Other refs (external files, other pointers) are returned unchanged.
 */
export function rewriteRef(ref: string, api: ApiName): string {
  const comp = /^#\/components\/([^/]+)\/([^/]+)(.*)$/.exec(ref);
  if (comp) return `#/components/${comp[1]}/${namespaced(api, comp[2]!)}${comp[3]}`;
  const path = /^#\/paths\/([^/]+)(.*)$/.exec(ref);
  if (path) return `#/paths/${encodePointer(prefixPath(api, decodePointer(path[1]!)))}${path[2]}`;
  return ref;
}

function namespaced(api: ApiName, name: string): string {
  return `${api}_${name}`;
}

function prefixPath(api: ApiName, path: string): string {
  return `/${api}${path.startsWith('/') ? path : `/${path}`}`;
}

function renameSecurity(requirements: unknown, api: ApiName): unknown {
  if (!Array.isArray(requirements)) return requirements;
  return requirements.map((req) =>
    req && typeof req === 'object'
      ? Object.fromEntries(Object.entries(req as Record<string, unknown>).map(([k, v]) => [namespaced(api, k), v]))
      : req,
  );
}

/**
 * Copies a spec value, rewriting every `$ref` (and discriminator mappings) for `api`. Every
 * `$ref` is rewritten, wherever it is (`x-` extensions, examples included): Prism's ref parser
 * resolves them all against the merged document, so an unrewritten one would not resolve.
 */
function rewrite(node: unknown, api: ApiName): unknown {
  if (Array.isArray(node)) return node.map((item) => rewrite(item, api));
  if (!node || typeof node !== 'object') return node;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(node as Record<string, unknown>)) {
    if (k === '$ref' && typeof v === 'string') out[k] = rewriteRef(v, api);
    else if (k === 'discriminator' && v && typeof v === 'object' && !Array.isArray(v)) {
      out[k] = rewriteDiscriminator(v as Record<string, unknown>, api);
    } else out[k] = rewrite(v, api);
  }
  return out;
}

function rewriteDiscriminator(d: Record<string, unknown>, api: ApiName): Record<string, unknown> {
  const out = structuredClone(d);
  if (out.mapping && typeof out.mapping === 'object') {
    out.mapping = Object.fromEntries(
      Object.entries(out.mapping as Record<string, unknown>).map(([value, target]) => [
        value,
        typeof target !== 'string'
          ? target
          : target.startsWith('#')
            ? rewriteRef(target, api)
            : /^[A-Za-z0-9._-]+$/.test(target)
              ? namespaced(api, target) // a bare schema name
              : target,
      ]),
    );
  }
  return out;
}

function rewritePathItem(item: unknown, api: ApiName, globalSecurity: unknown): unknown {
  if (!item || typeof item !== 'object' || Array.isArray(item)) return rewrite(item, api);
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(item as Record<string, unknown>)) {
    if (k === 'servers') continue; // one origin serves everything
    if (METHODS.has(k) && v && typeof v === 'object') {
      const op = rewrite(v, api) as Record<string, unknown>;
      delete op.servers;
      if (typeof op.operationId === 'string') op.operationId = namespaced(api, op.operationId);
      if ('security' in op) op.security = renameSecurity(op.security, api);
      else if (globalSecurity !== undefined) op.security = renameSecurity(globalSecurity, api);
      out[k] = op;
    } else out[k] = rewrite(v, api);
  }
  return out;
}

function versionOf(doc: SpecDoc): number[] {
  return String(doc.openapi ?? '3.1.0')
    .split('.')
    .map((n) => Number.parseInt(n, 10) || 0);
}

/**
 * Merges one OpenAPI document per API into the single document Prism serves. Pure: the inputs
 * are not modified. For each `docs[api]`:
 *
 * - every path `P` becomes `/<api>P` (`/jobs/{job_id}/` → `/agent/jobs/{job_id}/`), and each
 *   `operationId` becomes `<api>_<operationId>` (they must stay unique);
 * - every component of every kind (`schemas`, `responses`, `parameters`, `examples`,
 *   `requestBodies`, `headers`, `securitySchemes`, `links`, `callbacks`, `pathItems`) `Name`
 *   becomes `<api>_Name`, and every local `$ref` to it (and discriminator mappings) follows;
 * - security requirements name the renamed schemes; the file's global `security` is copied onto
 *   each of its operations that has no `security` of its own (the merged doc has none global);
 * - `servers` (global, path and operation level) are dropped: one origin serves all;
 * - tags are concatenated (first description of a name wins).
 *
 * The result's `openapi` is the highest version among the inputs (default `3.1.0`).
 */
export function mergeSpecs(docs: Partial<Record<ApiName, object>>): SpecDoc {
  const entries = API_NAMES.filter((api) => docs[api]).map((api) => [api, docs[api] as SpecDoc] as const);
  let version = '3.1.0';
  let best: number[] | undefined;
  for (const [, doc] of entries) {
    const v = versionOf(doc);
    if (!best || v[0]! > best[0]! || (v[0] === best[0] && (v[1]! > best[1]! || (v[1] === best[1] && v[2]! > best[2]!)))) {
      best = v;
      version = String(doc.openapi ?? '3.1.0');
    }
  }
  const paths: Record<string, unknown> = {};
  const components: Record<string, Record<string, unknown>> = {};
  const tags: { name: string }[] = [];
  for (const [api, doc] of entries) {
    for (const [path, item] of Object.entries((doc.paths ?? {}) as Record<string, unknown>)) {
      paths[prefixPath(api, path)] = rewritePathItem(item, api, doc.security);
    }
    for (const [kind, group] of Object.entries((doc.components ?? {}) as Record<string, unknown>)) {
      if (!group || typeof group !== 'object' || kind.startsWith('x-')) continue;
      const target = (components[kind] ??= {});
      for (const [name, value] of Object.entries(group as Record<string, unknown>)) {
        target[namespaced(api, name)] = kind === 'pathItems' ? rewritePathItem(value, api, doc.security) : rewrite(value, api);
      }
    }
    for (const tag of (Array.isArray(doc.tags) ? doc.tags : []) as { name?: unknown }[]) {
      if (tag && typeof tag.name === 'string' && !tags.some((t) => t.name === tag.name)) {
        tags.push(structuredClone(tag) as { name: string });
      }
    }
  }
  const merged: SpecDoc = {
    openapi: version,
    info: {
      title: `agentwire mock (${entries.map(([api]) => api).join(', ') || 'no specs'})`,
      version: '0.0.0',
      description: 'Generated by agentwire-mock from openapi/*.yaml; paths prefixed with /<api>, components named <api>_<Name>.',
    },
    paths,
  };
  if (Object.keys(components).length) merged.components = components;
  if (tags.length) merged.tags = tags;
  return merged;
}

/** True if a merged document has at least one operation (Prism refuses to start without one). */
export function hasOperations(doc: SpecDoc): boolean {
  return Object.values((doc.paths ?? {}) as Record<string, unknown>).some(
    (item) => item && typeof item === 'object' && Object.keys(item).some((k) => METHODS.has(k)),
  );
}

// ---------------------------------------------------------------------------------------------
// The Prism child process

/** A running Prism. */
export interface PrismProcess {
  /** The loopback port Prism listens on (127.0.0.1). */
  port: number;
  /** The pid of the Prism process (the guard is Prism itself). */
  pid: number;
  /** Resolves when the process has exited, however it exited. */
  exited: Promise<void>;
  /** The last characters Prism printed (stdout and stderr), for diagnostics. */
  outputTail(): string;
  /** SIGTERM, then SIGKILL after 2 s; resolves once Prism has exited and its temp file is gone. Idempotent. */
  close(): Promise<void>;
}

/** Options of {@link startPrism} / {@link preparePrism}. */
export interface StartPrismOptions {
  /** `false` (default): Prism logs at `info` and its lines go to this process's stderr, prefixed `[prism]`. */
  quiet?: boolean;
  /** How long to wait for Prism to listen, ms (default 20 000). */
  startTimeoutMs?: number;
}

/** A guard process that is loading Prism and waits for its document. */
export interface PendingPrism {
  /**
   * Writes `doc` to a temp file and has Prism serve it on a free loopback port; resolves once
   * Prism accepts connections. Throws a `ClientError` (code `MOCK_START_FAILED`, `detail` =
   * Prism's output) if Prism exits first or is not listening after `startTimeoutMs`.
   * Call it once.
   */
  serve(doc: SpecDoc): Promise<PrismProcess>;
  /** Stops the guard without serving anything. */
  cancel(): Promise<void>;
}

const POLL_MS = 50;
const KILL_AFTER_MS = 2000;
const TAIL_CHARS = 8000;

/**
 * The guard command: the compiled `prism-guard.js` beside this file; or, from the sources,
 * `prism-guard.ts`'s text run as an ES module with `-e` (it is written in the JavaScript subset
 * of TypeScript for this: no loader, so no tsx start-up on the critical path). The prism-cli
 * bin is always the last argument.
 */
function guardArgs(bin: string): string[] {
  const js = fileURLToPath(new URL('./prism-guard.js', import.meta.url));
  if (existsSync(js)) return [js, bin];
  const ts = fileURLToPath(new URL('./prism-guard.ts', import.meta.url));
  return ['--input-type=module', '-e', readFileSync(ts, 'utf8'), '--', bin];
}

/** The Prism CLI entry (`bin.prism` of `@stoplight/prism-cli`). */
export function prismBin(): string {
  const require = createRequire(import.meta.url);
  const pkgPath = require.resolve('@stoplight/prism-cli/package.json');
  const pkg = require(pkgPath) as { bin?: string | Record<string, string> };
  const bin = typeof pkg.bin === 'string' ? pkg.bin : (pkg.bin?.prism ?? 'dist/index.js');
  return join(dirname(pkgPath), bin);
}

/** A free TCP port on 127.0.0.1 (the OS picks; closed again before returning). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => {
      socket.destroy();
      resolve(false);
    });
  });
}

// Children to stop if this process is interrupted or exits without closing them, with their temp dirs.
const live = new Map<ChildProcess, string | undefined>();
let hooksInstalled = false;

function killAllSync(): void {
  for (const [child, dir] of live) {
    try {
      child.kill('SIGTERM');
    } catch {
      // already gone
    }
    if (dir) rmSync(dir, { recursive: true, force: true });
  }
  live.clear();
}

function onSignal(signal: NodeJS.Signals): void {
  killAllSync();
  // Keep the default behaviour (die of the signal) unless someone else handles it.
  if (process.listenerCount(signal) === 1) {
    uninstallHooks();
    process.kill(process.pid, signal);
  }
}

const onExit = (): void => killAllSync();

function installHooks(): void {
  if (hooksInstalled) return;
  hooksInstalled = true;
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.on('exit', onExit);
}

function uninstallHooks(): void {
  if (!hooksInstalled) return;
  hooksInstalled = false;
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);
  process.off('exit', onExit);
}

/**
 * Spawns the guard (`prism-guard.ts`) at once, so that Prism's modules load while the caller
 * is still reading and merging the specs; {@link PendingPrism.serve} then hands it the
 * document. The guard's stdin is a pipe from this process that is never closed while Prism
 * should run: when this process dies, even by SIGKILL, the pipe closes and Prism exits. This
 * process's `SIGINT` / `SIGTERM` / `exit` also stop it.
 */
export function preparePrism(options: StartPrismOptions = {}): PendingPrism {
  const child = spawn(process.execPath, ['--no-deprecation', ...guardArgs(prismBin())], {
    stdio: ['pipe', 'pipe', 'pipe'],
    windowsHide: true,
  });
  let tail = '';
  const onOutput = (chunk: Buffer) => {
    const text = chunk.toString('utf8');
    tail = (tail + text).slice(-TAIL_CHARS);
    if (!options.quiet) {
      const lines = text.split(/\r?\n/).filter((l) => l.trim());
      process.stderr.write(lines.map((l) => `[prism] ${l}\n`).join(''));
    }
  };
  child.stdout!.on('data', onOutput);
  child.stderr!.on('data', onOutput);
  child.stdin!.on('error', () => {}); // EPIPE once the child is gone
  let exitedFlag = false;
  let spawnError: Error | undefined;
  let dir: string | undefined;
  const exited = new Promise<void>((resolve) => {
    const done = () => {
      exitedFlag = true;
      live.delete(child);
      if (live.size === 0) uninstallHooks();
      if (dir) rmSync(dir, { recursive: true, force: true });
      resolve();
    };
    // 'close', not 'exit': by then Prism's last output has been read into `tail`.
    child.once('close', done);
    child.once('error', (error) => {
      spawnError = error;
      if (child.pid === undefined) done();
    });
  });
  live.set(child, undefined);
  installHooks();
  const stop = () => kill(child, exited, () => exitedFlag);

  return {
    cancel: stop,
    async serve(doc) {
      const timeoutMs = options.startTimeoutMs ?? 20_000;
      const deadline = Date.now() + timeoutMs;
      let port = 0;
      const fail = async (why: string): Promise<never> => {
        await stop();
        const summary = summarizeOutput(tail) || spawnError?.message;
        throw new ClientError(`agentwire mock: Prism ${why}${summary ? `: ${summary}` : ''}`, {
          code: 'MOCK_START_FAILED',
          detail: tail,
          cause: spawnError,
        });
      };
      try {
        dir = await mkdtemp(join(tmpdir(), 'agentwire-mock-'));
        live.set(child, dir);
        const file = join(dir, 'openapi.json');
        await writeFile(file, JSON.stringify(doc));
        port = await freePort();
        const args = ['mock', '--host', '127.0.0.1', '--port', String(port), '--errors', '--no-multiprocess'];
        args.push('--verboseLevel', options.quiet ? 'error' : 'info', file);
        child.stdin!.write(`${JSON.stringify({ args, cleanup: dir })}\n`);
      } catch (error) {
        return fail(`could not be given its document (${(error as Error).message})`);
      }
      for (;;) {
        if (exitedFlag) return fail(`exited before listening (exit code ${child.exitCode ?? child.signalCode})`);
        if (await canConnect(port)) break;
        if (Date.now() > deadline) return fail(`was not listening on 127.0.0.1:${port} after ${timeoutMs} ms`);
        await new Promise((r) => setTimeout(r, POLL_MS));
      }
      let closing: Promise<void> | undefined;
      return {
        port,
        pid: child.pid!,
        exited,
        outputTail: () => tail,
        close: () => (closing ??= stop()),
      };
    },
  };
}

/**
 * Starts Prism on `doc` ({@link preparePrism} then `serve`), retrying twice with a fresh
 * process if the free port it picked was taken meanwhile (`EADDRINUSE`).
 */
export async function startPrism(doc: SpecDoc, options: StartPrismOptions = {}): Promise<PrismProcess> {
  return serveWithRetry(preparePrism(options), doc, options);
}

/** `pending.serve(doc)`, retried with fresh guards on `EADDRINUSE` (3 attempts in all). */
export async function serveWithRetry(pending: PendingPrism, doc: SpecDoc, options: StartPrismOptions = {}): Promise<PrismProcess> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await pending.serve(doc);
    } catch (error) {
      const inUse = error instanceof ClientError && /EADDRINUSE/.test(String(error.detail));
      if (!inUse || attempt >= 3) throw error;
      pending = preparePrism(options);
    }
  }
}

/**
 * The line of Prism's output that says why it failed (its `fatal` line, an `Error:` line),
 * else its last lines. Prism prints its whole `--help` after a fatal error; that is skipped.
 */
export function summarizeOutput(output: string): string {
  const lines = output
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter(Boolean);
  const key = lines.find((l) => /\bfatal\b/i.test(l)) ?? lines.find((l) => /\b[A-Z]\w*Error\b|EADDRINUSE/.test(l));
  if (key) return key.replace(/^\[[^\]]*\]\s*›\s*\[CLI\]\s*✖\s*fatal\s*/, '');
  return lines.slice(-5).join(' | ');
}

async function kill(child: ChildProcess, exited: Promise<void>, hasExited: () => boolean): Promise<void> {
  if (!hasExited()) {
    child.kill('SIGTERM');
    const timer = setTimeout(() => {
      if (!hasExited()) child.kill('SIGKILL');
    }, KILL_AFTER_MS);
    await exited;
    clearTimeout(timer);
  }
  child.stdin?.destroy();
}
