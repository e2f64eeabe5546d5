import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: {
    alias: [
      // package.json `imports` maps `#platform` to the built files; the tests run the sources.
      { find: '#platform', replacement: fileURLToPath(new URL('./src/platform/node.ts', import.meta.url)) },
      // The mock package (mock/src) imports the SDK by name: the sources here, one copy of each class.
      { find: /^agentwire$/, replacement: fileURLToPath(new URL('./src/index.ts', import.meta.url)) },
    ],
  },
  test: {
    // One mock server (Prism + the streaming front) for the whole run; tests `inject('mock')`.
    globalSetup: ['test/global-setup.ts'],
    include: ['test/**/*.test.ts'],
    testTimeout: 20000,
    hookTimeout: 30000,
  },
});
