import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    // Two cores run a broker, an embedded engine and the tests: one test file at a time per core.
    maxWorkers: 2,
    minWorkers: 1,
    projects: [
      {
        test: {
          name: 'unit',
          // Pure but CPU-bound tests share two cores with the integration project's broker.
          testTimeout: 30_000,
          include: [
            'packages/*/src/**/*.test.ts',
            'services/*/src/**/*.test.ts',
            'test/**/*.test.ts',
            'scripts/**/*.test.ts',
          ],
          exclude: ['**/node_modules/**', '**/*.integration.test.ts'],
        },
      },
      {
        // The integration tests run the product as built: every @cxpulse/* import resolves to
        // its dist/ (the "production" export condition; test/build-product.global-setup.ts
        // builds first). Test files and what only tests use stay TypeScript.
        ssr: { resolve: { conditions: ['production'] } },
        test: {
          name: 'integration',
          include: [
            'packages/*/src/**/*.integration.test.ts',
            'services/*/src/**/*.integration.test.ts',
            'test/**/*.integration.test.ts',
          ],
          exclude: ['**/node_modules/**'],
          globalSetup: [
            'packages/testkit/src/global-setup.ts',
            'test/build-product.global-setup.ts',
          ],
          pool: 'forks',
          testTimeout: 120_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
})
