import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // One mock server (Prism + the streaming front) for the whole run; tests `inject('mock')`.
    globalSetup: ['test/global-setup.ts'],
    include: ['test/**/*.test.ts'],
    testTimeout: 20000,
    hookTimeout: 30000,
  },
});
