/**
 * One benchmark line: `ratio` = sdk / baseline, both measured in the same run and unit
 * (throughput: higher is better, so a ratio ≥ 1 means the SDK costs nothing).
 */
export interface BenchResult {
  name: string;
  sdk: number;
  baseline: number;
  unit: string;
  ratio: number;
}

/** One API's benchmarks, run on loopback. */
export type BenchModule = { run(): Promise<BenchResult[]> };

/**
 * Measures two variants of the same work in alternating rounds (A B A B …, so drift on a
 * shared machine hits both alike) and reports the median throughput of each.
 * Each variant is one *trial*: it does its work and returns how many units it handled.
 */
export async function compareThroughput(
  name: string,
  unit: string,
  sdk: () => Promise<number>,
  baseline: () => Promise<number>,
  rounds = 5,
): Promise<BenchResult> {
  await sdk(); // warm-up, both sides
  await baseline();
  const a: number[] = [];
  const b: number[] = [];
  for (let i = 0; i < rounds; i++) {
    a.push(await rate(sdk));
    b.push(await rate(baseline));
  }
  return result(name, median(a), median(b), unit);
}

async function rate(trial: () => Promise<number>): Promise<number> {
  const start = performance.now();
  const units = await trial();
  return (units * 1000) / (performance.now() - start);
}

/** Repeats `fn` for `ms` and returns how many calls it made (a trial for request rates). */
export async function repeatFor(fn: () => Promise<unknown>, ms = 1000): Promise<number> {
  let n = 0;
  const end = performance.now() + ms;
  while (performance.now() < end) {
    await fn();
    n++;
  }
  return n;
}

export function median(xs: number[]): number {
  const s = [...xs].sort((x, y) => x - y);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** A result line with numbers rounded to 3 decimals. */
export function result(name: string, sdk: number, baseline: number, unit: string): BenchResult {
  return { name, sdk: round(sdk), baseline: round(baseline), unit, ratio: round(sdk / baseline) };
}

const round = (n: number) => Math.round(n * 1000) / 1000;
