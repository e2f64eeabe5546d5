/**
 * `agentwire/runagent` must import in a browser: no module it loads statically may import a
 * Node built-in or `ws` (the config file's `node:fs` and `ws` are imported lazily, in Node only).
 * Walks the static import graph from src/runagent/index.ts.
 */
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

const STATIC_IMPORT = /^\s*(?:import|export)\s+(?!type\b)(?:[^'"]*?\sfrom\s+)?['"]([^'"]+)['"]/gm;

async function staticGraph(entry: string): Promise<Map<string, string[]>> {
  const graph = new Map<string, string[]>();
  const queue = [entry];
  while (queue.length) {
    const file = queue.pop()!;
    if (graph.has(file)) continue;
    const text = await readFile(file, 'utf8');
    const specifiers = [...text.matchAll(STATIC_IMPORT)].map((m) => m[1]!);
    graph.set(file, specifiers);
    for (const s of specifiers) if (s.startsWith('.')) queue.push(resolve(dirname(file), s.replace(/\.js$/, '.ts')));
  }
  return graph;
}

it('no static import of a Node built-in or ws from agentwire/runagent', async () => {
  const entry = resolve(dirname(fileURLToPath(import.meta.url)), '../../src/runagent/index.ts');
  const graph = await staticGraph(entry);
  expect(graph.size).toBeGreaterThan(5); // the walk followed the imports
  const bad: string[] = [];
  for (const [file, specifiers] of graph) {
    for (const s of specifiers) if (s.startsWith('node:') || s === 'ws' || /^(fs|os|path|http|https|net|stream|util)$/.test(s)) bad.push(`${file} → ${s}`);
  }
  expect(bad).toEqual([]);
});
