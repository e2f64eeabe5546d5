/**
 * The Prism guard: a process that *is* Prism, and that exits as soon as its parent goes away.
 *
 * Spawned by `prism.ts` with stdin a pipe from the parent, as
 * `node prism-guard.js <prism-cli bin>` from the compiled package, or, from the sources, as
 * `node --input-type=module -e <this file's text> -- <bin>`: this file is written in the
 * JavaScript subset of TypeScript (no type syntax at all), so it runs without a TypeScript
 * loader, whose start-up would cost about half a second of the mock's 3 s budget.
 *
 * 1. At once, it loads Prism's modules (most of Prism's start-up) while the parent is still
 *    reading and merging the specs.
 * 2. It reads ONE line from stdin, JSON `{"args": ["mock", …, "<doc>"], "cleanup": "<dir>"}`,
 *    and becomes Prism with those arguments.
 * 3. The parent never writes again nor closes the pipe: when the parent dies, however it dies
 *    (SIGKILL included, when no handler of its own can run), the kernel closes the pipe, stdin
 *    ends here, and this process exits, taking Prism with it and removing `<dir>` (the merged
 *    spec). SIGTERM (the parent's `close()`) exits the same way.
 *
 * Not a public entry point.
 */
import { rmSync } from 'node:fs';
import Module, { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

// The prism-cli bin is the last argument (after the script, or after `-e <code> --`).
const bin = process.argv[process.argv.length - 1];
if (bin === undefined || !bin.endsWith('.js') || process.argv.length < 2) {
  process.stderr.write('prism-guard: usage: prism-guard <prism-cli bin>, then one JSON line on stdin\n');
  process.exit(2);
}
const require = createRequire(bin);
const binDir = dirname(bin);

let cleanupDir = '';
process.on('exit', () => {
  if (cleanupDir) rmSync(cleanupDir, { recursive: true, force: true });
});
process.on('SIGTERM', () => process.exit(0));

// The parent's end of the pipe closed: the parent is gone (or gave up on us).
const parentGone = () => process.exit(0);
let buffered = '';
let started = false;
process.stdin.on('data', (chunk) => {
  if (started) return;
  buffered += chunk.toString('utf8');
  const nl = buffered.indexOf('\n');
  if (nl < 0) return;
  started = true;
  let orders;
  try {
    orders = JSON.parse(buffered.slice(0, nl));
  } catch {
    orders = undefined;
  }
  const args = orders && Array.isArray(orders.args) ? orders.args : [];
  let valid = args.length > 0;
  for (const arg of args) if (typeof arg !== 'string') valid = false;
  if (!valid) {
    process.stderr.write('prism-guard: the first line on stdin must be JSON {"args": [...], "cleanup"?: "dir"}\n');
    process.exit(2);
  }
  if (typeof orders.cleanup === 'string') cleanupDir = orders.cleanup;
  // Become Prism: its CLI (yargs) reads `process.argv` when it is first required.
  process.argv = [process.execPath, bin, ...args];
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
function preload() {
  try {
    const fromHttp = createRequire(require.resolve('@stoplight/prism-http/package.json'));
    const main = fromHttp.resolve('@faker-js/faker');
    const en = fromHttp('@faker-js/faker/locale/en');
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
    require(join(binDir, 'commands', 'mock.js'));
  } catch {
    // Prism's CLI will load (or fail to load) it itself.
  }
}
