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

/** How {@link compareThroughput} runs its rounds. */
export interface CompareOptions {
  /** Rounds per variant; medians are reported. Default 5. */
  rounds?: number;
  /**
   * `wall` (default): units per wall-clock second. `cpu`: units per CPU-second of this
   * (client) process — for a server in another process, this counts only what the client
   * spends; request rates in wall time swing ±25 % between identical variants on a shared
   * 2-core machine.
   */
  clock?: 'wall' | 'cpu';
}

/**
 * Measures two variants of the same work in alternating rounds and reports the median
 * throughput of each. The order alternates A B, then B A: whichever goes second in a pair pays
 * for the first one's garbage (an A/A run with a fixed order charged the first slot ~14 %), and
 * drift on a shared machine hits both alike. Each variant is one *trial*: it does its work and
 * returns how many units it handled.
 */
export async function compareThroughput(
  name: string,
  unit: string,
  sdk: () => Promise<number>,
  baseline: () => Promise<number>,
  { rounds = 5, clock = 'wall' }: CompareOptions = {},
): Promise<BenchResult> {
  const rate = clock === 'cpu' ? cpuRate : wallRate;
  await sdk(); // warm-up, both sides
  await baseline();
  const a: number[] = [];
  const b: number[] = [];
  for (let i = 0; i < rounds; i++) {
    if (i % 2 === 0) {
      a.push(await rate(sdk));
      b.push(await rate(baseline));
    } else {
      b.push(await rate(baseline));
      a.push(await rate(sdk));
    }
  }
  return result(name, median(a), median(b), unit);
}

async function wallRate(trial: () => Promise<number>): Promise<number> {
  const start = performance.now();
  const units = await trial();
  return (units * 1000) / (performance.now() - start);
}

async function cpuRate(trial: () => Promise<number>): Promise<number> {
  const start = process.cpuUsage();
  const units = await trial();
  const used = process.cpuUsage(start);
  return (units * 1e6) / (used.user + used.system);
}

/** A trial of `calls` sequential calls of `fn` (for request rates). */
export function sequential(fn: () => Promise<unknown>, calls: number): () => Promise<number> {
  return async () => {
    for (let i = 0; i < calls; i++) await fn();
    return calls;
  };
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
