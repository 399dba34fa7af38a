/** One database server per run (global setup), a fresh database per test file (test/support). */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.test.json', diagnostics: false }] },
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  globalTeardown: '<rootDir>/test/support/global-teardown.ts',
  testTimeout: 60_000,
  maxWorkers: 2,
  // CLI tests load a fresh copy of the app per command, as each real invocation does, so a
  // worker's heap grows by hundreds of MB; a worker past this is replaced between files. Big
  // workers were the ones that missed jest's 500 ms to exit at the end of a run.
  workerIdleMemoryLimit: '300MB',
};
