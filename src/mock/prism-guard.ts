/**
 * The Prism guard: a process that *is* Prism, and that exits as soon as its parent goes away.
 *
 * Spawned by `src/mock/prism.ts` as `node prism-guard.js <prism-cli bin>` (from the sources:
 * `node -e "<tsx's tsImport of prism-guard.ts>" -- <bin>`) with stdin a pipe from the parent:
 *
 * 1. at once, it loads Prism's modules (about a second) while the parent reads the specs;
 * 2. it reads ONE line from stdin, JSON `{"args": ["mock", …, "<doc>"], "cleanup": "<dir>"}`,
 *    and becomes Prism with those arguments;
 * 3. the parent never writes again nor closes the pipe: when the parent dies, however it dies
 *    (SIGKILL included, when no handler of its own can run), the kernel closes the pipe, stdin
 *    ends here, and this process exits, taking Prism with it and removing `<dir>` (the merged
 *    spec). SIGTERM (the parent's `close()`) exits the same way.
 *
 * Not a public entry point.
 */
import { rmSync } from 'node:fs';
import Module, { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

interface Orders {
  args: string[];
  cleanup?: string;
}

// The last argument (the only one after the script, or after `-e <code>`).
const bin = process.argv.length > 1 ? process.argv[process.argv.length - 1] : undefined;
if (!bin || !bin.endsWith('.js')) {
  process.stderr.write('prism-guard: usage: prism-guard <prism-cli bin>, then one JSON line on stdin\n');
  process.exit(2);
}
const require = createRequire(bin);

let cleanupDir: string | undefined;
process.on('exit', () => {
  if (cleanupDir) rmSync(cleanupDir, { recursive: true, force: true });
});
process.on('SIGTERM', () => process.exit(0));

// The parent's end of the pipe closed: the parent is gone (or gave up on us).
const parentGone = (): never => process.exit(0);
let buffered = '';
let started = false;
process.stdin.on('data', (chunk: Buffer) => {
  if (started) return;
  buffered += chunk.toString('utf8');
  const nl = buffered.indexOf('\n');
  if (nl < 0) return;
  started = true;
  let orders: Orders;
  try {
    orders = JSON.parse(buffered.slice(0, nl)) as Orders;
    if (!Array.isArray(orders.args) || !orders.args.every((a) => typeof a === 'string')) throw new Error('args');
  } catch {
    process.stderr.write('prism-guard: the first line on stdin must be JSON {"args": [...], "cleanup"?: "dir"}\n');
    process.exit(2);
  }
  cleanupDir = orders.cleanup;
  // Become Prism: its CLI (yargs) reads `process.argv` when it is first required.
  process.argv = [process.execPath, bin, ...orders.args];
  require(bin);
});
process.stdin.on('end', parentGone);
process.stdin.on('close', parentGone);
process.stdin.on('error', parentGone);

preload();

/**
 * Loads Prism's modules before the document arrives. `commands/mock.js` pulls in the server,
 * the HTTP mocker and the file watcher, but not the CLI's yargs (which must see the final
 * `process.argv`). Prism's `@stoplight/prism-http` requires `@faker-js/faker`'s main entry,
 * which loads every locale (about 1 s of Prism's ~2 s start on a small machine); Prism only uses
 * the default English faker (`x-faker` in dynamic mode), so that entry is pre-seeded in the
 * require cache with the English-only build. If the layout is not the expected one, nothing is
 * changed and Prism loads as usual.
 */
function preload(): void {
  try {
    const fromHttp = createRequire(require.resolve('@stoplight/prism-http/package.json'));
    const main = fromHttp.resolve('@faker-js/faker');
    const en = fromHttp('@faker-js/faker/locale/en') as { datatype?: unknown; constructor: unknown };
    if (en && typeof en === 'object' && 'datatype' in en) {
      const mod = new Module(main);
      mod.filename = main;
      mod.loaded = true;
      mod.exports = { __esModule: true, default: en, faker: en, Faker: en.constructor };
      fromHttp.cache[main] = mod;
    }
  } catch {
    // Leave faker to Prism's own resolution.
  }
  try {
    require(join(dirname(bin!), 'commands', 'mock.js'));
  } catch {
    // Prism's CLI will load (or fail to load) it itself.
  }
}
