/**
 * The bench's own unit specs (bench/**\/*.spec.ts), outside the repository's test tiers:
 * `npx jest -c bench/jest.config.js`. They check the report (ratios, targets, figures), not the contenders.
 */
module.exports = {
  preset: 'ts-jest',
  testEnvironment: 'node',
  rootDir: __dirname,
  testMatch: ['<rootDir>/**/*.spec.ts'],
  modulePathIgnorePatterns: ['<rootDir>/results/'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/../tsconfig.spec.json', diagnostics: false }] },
};
