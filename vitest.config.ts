import react from '@vitejs/plugin-react';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // Integration files each own a PostgreSQL schema, so files run in parallel safely.
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 60_000,
    projects: [
      { extends: true, test: { name: 'server', include: ['tests/unit/**/*.test.ts', 'tests/integration/**/*.test.ts'] } },
      // Component tests of the studio, in a simulated DOM.
      { extends: true, plugins: [react()], test: { name: 'studio', include: ['tests/studio/**/*.test.{ts,tsx}'], environment: 'jsdom', setupFiles: ['tests/studio/setup.ts'] } },
      // The studio in Debian's Chromium, against a real API on PostgreSQL (needs `npm run build:studio`).
      { extends: true, test: { name: 'e2e', include: ['tests/e2e/**/*.test.ts'], testTimeout: 120_000, hookTimeout: 120_000 } },
    ],
  },
});
