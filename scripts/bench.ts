/**
 * `npm run bench`: every API's benchmarks on loopback. Progress goes to stderr; stdout ends
 * with one JSON object per line, `{"name","sdk","baseline","unit","ratio"}`, where ratio is
 * sdk / baseline measured in the same run.
 *
 *   npm run bench              all of them
 *   npm run bench -- agent     only the named modules (agent, hosted, ray)
 */
import { parseArgs } from 'node:util';
import type { BenchModule, BenchResult } from './bench/types.js';

const modules: Record<string, () => Promise<BenchModule>> = {
  agent: () => import('./bench/agent.js'),
  hosted: () => import('./bench/hosted.js'),
  ray: () => import('./bench/ray.js'),
};

const { positionals } = parseArgs({ allowPositionals: true });
const chosen = positionals.length ? positionals : Object.keys(modules);
const unknown = chosen.filter((name) => !(name in modules));
if (unknown.length) {
  console.error(`unknown benchmark module(s): ${unknown.join(', ')} (have: ${Object.keys(modules).join(', ')})`);
  process.exit(2);
}

const results: BenchResult[] = [];
for (const name of chosen) {
  const started = performance.now();
  console.error(`bench ${name} …`);
  const mod = await modules[name]!();
  results.push(...(await mod.run()));
  console.error(`bench ${name} done in ${((performance.now() - started) / 1000).toFixed(1)} s`);
}
for (const r of results) console.log(JSON.stringify(r));
