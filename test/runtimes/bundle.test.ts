/**
 * Each client subpath as a web app's bundler sees it: esbuild, `platform: 'browser'`, nothing
 * stubbed. A Node built-in, `ws`, undici or split2 reachable from a client fails the build here;
 * the size bound (gzip) is generous on purpose, so it catches a dependency pulled in by
 * mistake, not a few bytes of new code. Prints the size report.
 */
import { resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { bundle, heaviest, ROOT } from './bundle.js';

const SUBPATHS = ['agent', 'hosted', 'runagent', 'ray'] as const;
/** 20 kB of gzip per client. */
const MAX_GZIP_BYTES = 20 * 1024;
/** Packages that must never reach a browser bundle. */
const NODE_ONLY = ['ws', 'undici', 'split2'];

const report: string[] = [];
afterAll(() => {
  if (report.length) console.log(['browser bundles (esbuild, minified; gzip -9):', ...report].join('\n'));
});

describe('each client subpath bundles for the browser, without stubs', () => {
  it.each(SUBPATHS)('agentwire/%s', async (name) => {
    const built = await bundle('browser', resolve(ROOT, `src/${name}/index.ts`)).catch((err: Error) => {
      report.push(`  agentwire/${name.padEnd(9)} does not bundle: ${err.message.split('\n').slice(0, 3).join(' | ')}`);
      throw err;
    });
    const kB = (n: number) => `${(n / 1024).toFixed(1)} kB`;
    report.push(`  agentwire/${name.padEnd(9)} ${kB(built.bytes).padStart(9)} min  ${kB(built.gzipBytes).padStart(8)} gzip   largest: ${heaviest(built.metafile).join(', ')}`);
    const inputs = Object.keys(built.metafile.inputs);
    expect(inputs.filter((file) => NODE_ONLY.some((pkg) => file.includes(`node_modules/${pkg}/`)))).toEqual([]);
    // Tracing takes the user's @opentelemetry/api module as an option: the package never imports it.
    expect(inputs.filter((file) => file.includes('node_modules/@opentelemetry/'))).toEqual([]);
    expect(built.gzipBytes).toBeLessThanOrEqual(MAX_GZIP_BYTES);
    minified[name] = built.code;
  });
});

/** Loads a bundle's code as an ES module. */
const load = (code: string): Promise<Record<string, unknown>> => import(`data:text/javascript;base64,${Buffer.from(code).toString('base64')}`);
const minified: Record<string, string> = {};

describe('a minifier keeps what users read', () => {
  // Minifiers rename classes: an error's `name` must not come from its constructor's name.
  it.each(SUBPATHS)('agentwire/%s: error names', async (name) => {
    const plain = await load((await bundle('browser', resolve(ROOT, `src/${name}/index.ts`), { minify: false })).code);
    const small = await load(minified[name] ?? (await bundle('browser', resolve(ROOT, `src/${name}/index.ts`))).code);
    const names = (mod: Record<string, unknown>) =>
      Object.fromEntries(
        Object.entries(mod)
          .filter(([, v]) => typeof v === 'function' && (v as { prototype?: unknown }).prototype instanceof Error)
          .map(([key, C]) => [key, new (C as new (m: string) => Error)('m').name]),
      );
    expect(Object.keys(names(plain)).length).toBeGreaterThan(5);
    expect(names(small)).toEqual(names(plain));
  });
});
