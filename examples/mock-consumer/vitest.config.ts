import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // One mock server for the whole run; tests read its URLs with inject('mock').
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 20_000,
    hookTimeout: 30_000,
  },
});
