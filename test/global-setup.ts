/**
 * Starts ONE mock server for the whole test run and shares its URLs with every test file:
 * `const { url, urls } = inject('mock')` (typed in `test/support/provided.d.ts`).
 */
import type { TestProject } from 'vitest/node';
import { startMockServer, type MockServer } from '../mock/src/index.js';

let mock: MockServer | undefined;

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const started = performance.now();
  mock = await startMockServer({ quiet: true });
  if (process.env.AGENTWIRE_MOCK_TIMING) {
    process.stderr.write(`mock server up on ${mock.url} in ${Math.round(performance.now() - started)} ms\n`);
  }
  project.provide('mock', { url: mock.url, urls: mock.urls });
  return async () => {
    await mock?.close();
    mock = undefined;
  };
}
