import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: {
    // The mock package (mock/src) imports the SDK by name: the sources here, one copy of each class.
    alias: [{ find: /^agentwire$/, replacement: fileURLToPath(new URL('./src/index.ts', import.meta.url)) }],
  },
  test: {
    // One mock server (Prism + the streaming front) for the whole run; tests `inject('mock')`.
    globalSetup: ['test/global-setup.ts'],
    include: ['test/**/*.test.ts'],
    testTimeout: 20000,
    hookTimeout: 30000,
  },
});
