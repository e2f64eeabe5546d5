/**
 * Bundles agentwire's sources with esbuild for a runtime other than Node: `browser` (what a
 * web app's bundler makes of a client subpath) or `server` (Bun, Deno: npm packages stay
 * imports, resolved by the runtime from node_modules).
 *
 * No stubs: the only plugin resolves the package's own `#…` imports from package.json
 * `imports`, with the conditions the target runtime matches, to the source file behind the
 * built one (`./dist/src/platform/web.js` → `src/platform/web.ts`). Anything else that does
 * not resolve for the platform fails the build.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { build, type Metafile, type Plugin } from 'esbuild';

export const ROOT = resolve(import.meta.dirname, '../..');
export type Target = 'browser' | 'server';

/** The package.json `imports` conditions each target matches, besides `import` and `default`. */
const CONDITIONS: Record<Target, string[]> = { browser: ['browser'], server: ['bun', 'deno', 'node'] };

type ImportMapValue = string | null | { [condition: string]: ImportMapValue };

/** Picks the target of a package.json `imports` entry the way Node does: first matching key wins. */
function pick(value: ImportMapValue | undefined, conditions: Set<string>): string | undefined {
  if (typeof value === 'string') return value;
  if (!value) return undefined;
  for (const [key, next] of Object.entries(value)) {
    if (key === 'types' || !conditions.has(key)) continue;
    const found = pick(next, conditions);
    if (found) return found;
  }
  return undefined;
}

/** `#platform` and friends, through package.json `imports`, to the TypeScript source. */
function packageImports(target: Target): Plugin {
  const imports: Record<string, ImportMapValue> = JSON.parse(readFileSync(resolve(ROOT, 'package.json'), 'utf8')).imports ?? {};
  const conditions = new Set([...CONDITIONS[target], 'import', 'default']);
  return {
    name: 'package-imports',
    setup(b) {
      b.onResolve({ filter: /^#/ }, (args) => {
        const built = pick(imports[args.path], conditions);
        if (!built) return { errors: [{ text: `package.json "imports" has no ${[...conditions].join('/')} target for ${args.path}` }] };
        return { path: resolve(ROOT, built.replace(/^\.\/dist\//, './').replace(/\.js$/, '.ts')) };
      });
    },
  };
}

export interface Bundle {
  code: string;
  /** Minified bytes, and gzip (level 9) bytes. */
  bytes: number;
  gzipBytes: number;
  metafile: Metafile;
}

/**
 * Bundles one entry file, or `contents` as an entry resolved from `resolveDir`, to one ES module,
 * minified unless `minify: false`. Rejects with esbuild's errors (e.g. `Could not resolve
 * "node:stream"`) when the code is not clean for the target.
 */
export async function bundle(
  target: Target,
  entry: string | { contents: string; resolveDir: string },
  { minify = true }: { minify?: boolean } = {},
): Promise<Bundle> {
  const result = await build({
    ...(typeof entry === 'string' ? { entryPoints: [entry] } : { stdin: { ...entry, loader: 'ts', sourcefile: 'entry.ts' } }),
    bundle: true,
    write: false,
    format: 'esm',
    platform: target === 'browser' ? 'browser' : 'node',
    target: 'es2022',
    conditions: CONDITIONS[target],
    ...(target === 'server' ? { packages: 'external' as const } : {}),
    minify,
    metafile: true,
    logLevel: 'silent',
    plugins: [packageImports(target)],
  });
  const code = result.outputFiles[0]!.text;
  return { code, bytes: Buffer.byteLength(code), gzipBytes: gzipSync(code, { level: 9 }).length, metafile: result.metafile };
}

/** The heaviest inputs of a bundle (`node_modules/<pkg>` folded into one row), for the size report. */
export function heaviest(metafile: Metafile, count = 3): string[] {
  const byPart = new Map<string, number>();
  for (const output of Object.values(metafile.outputs)) {
    for (const [file, { bytesInOutput }] of Object.entries(output.inputs)) {
      const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(file)?.[1];
      const part = pkg ?? file.replace(/^.*?\b(src|generated)\//, '$1/');
      byPart.set(part, (byPart.get(part) ?? 0) + bytesInOutput);
    }
  }
  return [...byPart].sort((a, b) => b[1] - a[1]).slice(0, count).map(([part, n]) => `${part} ${(n / 1024).toFixed(1)} kB`);
}
