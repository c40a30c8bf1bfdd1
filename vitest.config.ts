import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: [
      'api/test/**/*.test.ts',
      'bench/test/**/*.test.ts',
      'etl/test/**/*.test.ts',
      'models/test/**/*.test.ts',
      'ui/test/**/*.test.ts',
    ],
    globalSetup: ['test/global-setup.ts'],
    // Test files share one test database and this machine's two cores: run them one after another.
    fileParallelism: false,
    testTimeout: 30_000,
    hookTimeout: 60_000,
    env: { LOG_LEVEL: 'error' },
  },
});
