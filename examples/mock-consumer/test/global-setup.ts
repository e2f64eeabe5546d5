/** Starts one stateful agentwire mock for the run and hands its URLs to the tests. */
import { startMockServer } from 'agentwire-mock';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    mock: { url: string; urls: Record<'agent' | 'hosted' | 'runagent' | 'ray', string> };
  }
}

export default async function setup(project: TestProject) {
  const mock = await startMockServer({ quiet: true, stateful: true });
  project.provide('mock', { url: mock.url, urls: mock.urls });
  return () => mock.close();
}
