import { defineConfig } from 'vitest/config';

export default defineConfig({
  // The package's `#platform` import, as Node resolves it (package.json `imports`, `node`), on the sources.
  resolve: { alias: { '#platform': new URL('./src/platform/node.ts', import.meta.url).pathname } },
  test: {
    // One mock server (Prism + the streaming front) for the whole run; tests `inject('mock')`.
    globalSetup: ['test/global-setup.ts'],
    include: ['test/**/*.test.ts'],
    testTimeout: 20000,
    hookTimeout: 30000,
  },
});
