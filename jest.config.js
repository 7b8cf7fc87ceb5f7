/** Tiers (see README "Tests"): unit specs beside the code, app tests through Nest, system tests on real processes, the dashboard in a browser, faults. */
const shared = {
  preset: 'ts-jest',
  modulePathIgnorePatterns: ['<rootDir>/dist/', '<rootDir>/packages/.*/dist/', '<rootDir>/libs/.*/dist/', '<rootDir>/bench/results/'],
  testEnvironment: 'node',
  rootDir: __dirname,
  setupFiles: ['reflect-metadata', '<rootDir>/test/support/quiet-logs.ts'],
  // Every response any test reads is audited for leaks (test/support/response-audit.ts).
  setupFilesAfterEnv: ['<rootDir>/test/support/audit-responses.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.spec.json', diagnostics: false }] },
  // Tests run on the sources; the apps' builds resolve the packages through node_modules, as users' apps do.
  moduleNameMapper: {
    '^@cask/contracts$': '<rootDir>/packages/contracts/src',
    '^@cask/core$': '<rootDir>/packages/core/src',
    '^@cask/nestjs$': '<rootDir>/packages/nestjs/src',
    '^@cask/worker$': '<rootDir>/packages/worker/src',
    '^@cask/host$': '<rootDir>/libs/host/src',
    '^@cask/examples$': '<rootDir>/libs/examples/src',
    '^@cask/testing$': '<rootDir>/test/support',
  },
};

module.exports = {
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  projects: [
    {
      ...shared,
      displayName: 'unit',
      testMatch: [
        '<rootDir>/packages/*/src/**/*.spec.ts',
        '<rootDir>/libs/*/src/**/*.spec.ts',
        '<rootDir>/apps/*/src/**/*.spec.ts',
        '<rootDir>/scripts/**/*.spec.ts',
        '<rootDir>/bench/**/*.spec.ts',
      ],
    },
    { ...shared, displayName: 'app', testMatch: ['<rootDir>/apps/*/test/**/*.app-spec.ts'] },
    {
      ...shared,
      displayName: 'system',
      testMatch: ['<rootDir>/test/*.system-spec.ts'],
      slowTestThreshold: 30,
      setupFilesAfterEnv: ['<rootDir>/test/support/audit-responses.ts', '<rootDir>/test/support/long-timeout.ts'],
    },
    // The dashboard in headless Chromium (Debian's, driven by playwright-core) against a real api and worker.
    {
      ...shared,
      displayName: 'browser',
      testMatch: ['<rootDir>/test/browser/*.browser-spec.ts'],
      slowTestThreshold: 30,
      setupFilesAfterEnv: ['<rootDir>/test/support/audit-responses.ts', '<rootDir>/test/support/long-timeout.ts'],
    },
    // Fresh apps outside the repository install the packed packages (README "Add Cask to your Nest app").
    {
      ...shared,
      displayName: 'consumer',
      testMatch: ['<rootDir>/test/consumer/*.consumer-spec.ts'],
      slowTestThreshold: 120,
      setupFilesAfterEnv: ['<rootDir>/test/support/audit-responses.ts', '<rootDir>/test/support/long-timeout.ts'],
    },
    // Faults stop the shared broker and kill processes: `npm run test:faults` runs them one at a time.
    {
      ...shared,
      displayName: 'faults',
      testMatch: ['<rootDir>/test/faults/*.fault-spec.ts'],
      slowTestThreshold: 60,
      setupFilesAfterEnv: ['<rootDir>/test/support/audit-responses.ts', '<rootDir>/test/support/long-timeout.ts'],
    },
  ],
};
