import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The long fault tests run with `npm run test:faults` (vitest.faults.config.ts).
    exclude: ['**/node_modules/**', 'dist/**', '.void-test-builds/**', 'test/faults/long/**'],
    setupFiles: ['test/helpers/setup.ts'],
    testTimeout: 20_000,
    hookTimeout: 30_000,
    // Integration tests share one Redis; each test uses its own key prefix and queue names.
    pool: 'forks',
    reporters: ['default'],
  },
});
