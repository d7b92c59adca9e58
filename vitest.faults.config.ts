// `npm run test:faults`: the long fault tests (test/faults/long/), which spawn several `void` processes and push
// thousands of events through them. The default `vitest run` leaves them out (vitest.config.ts excludes the folder).
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/faults/long/**/*.test.ts'],
    setupFiles: ['test/helpers/setup.ts'],
    testTimeout: 900_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // One at a time: each test takes the whole machine.
    fileParallelism: false,
    reporters: ['default'],
  },
});
