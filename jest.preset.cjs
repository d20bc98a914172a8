// Shared Jest settings: SWC strips types (fast, no type checking: `npm run typecheck` does that),
// and @basin/* imports resolve to sources so tests never need a build first.
const path = require('path');
module.exports = {
  testEnvironment: path.join(__dirname, 'tools/jest/tf-environment.cjs'),
  transform: { '^.+\\.ts$': ['@swc/jest', { jsc: { target: 'es2020', parser: { syntax: 'typescript' } }, module: { type: 'commonjs' } }] },
  moduleNameMapper: {
    '^@basin/testing$': path.join(__dirname, 'tools/testing/index.ts'),
    '^@basin/(.*)$': path.join(__dirname, 'packages/$1/src/index.ts') },
  testMatch: ['<rootDir>/src/**/*.test.ts'],
  moduleFileExtensions: ['ts', 'js', 'json'],
};
