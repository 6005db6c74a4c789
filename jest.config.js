/**
 * One broker for the whole run: test/setup starts it (or uses KAFKA_BROKERS) and stops it.
 * MIDWAY_VERSION=4 runs everything on Midway 4: the resolver takes `@midwayjs/*` from compat/midway4.
 */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.jest.json', diagnostics: false }] },
  moduleNameMapper: {
    '^midway-kafka$': '<rootDir>/src/index.ts',
    '^midway-kafka/testing$': '<rootDir>/src/testing/index.ts',
  },
  resolver: '<rootDir>/compat/jest-resolver.js',
  setupFilesAfterEnv: ['<rootDir>/test/setup/midway-major.ts'],
  globalSetup: '<rootDir>/test/setup/global-setup.ts',
  globalTeardown: '<rootDir>/test/setup/global-teardown.ts',
  testTimeout: 60000,
  // Tests share one broker; two workers keep the 2-core machine busy without starving the JVM.
  maxWorkers: 2,
};
