/** One broker for the whole run: test/setup starts it (or uses KAFKA_BROKERS) and stops it. */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.jest.json', diagnostics: false }] },
  moduleNameMapper: {
    '^midway-kafka$': '<rootDir>/src/index.ts',
    '^midway-kafka/testing$': '<rootDir>/src/testing/index.ts',
  },
  globalSetup: '<rootDir>/test/setup/global-setup.ts',
  globalTeardown: '<rootDir>/test/setup/global-teardown.ts',
  testTimeout: 60000,
  // Tests share one broker; two workers keep the 2-core machine busy without starving the JVM.
  maxWorkers: 2,
};
