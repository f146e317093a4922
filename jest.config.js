/** Jest runs the TypeScript sources as ESM through ts-jest (transpile only; `npm run typecheck` checks types). */
export default {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.ts$': ['ts-jest', { useESM: true, diagnostics: false, tsconfig: { module: 'ESNext', moduleResolution: 'Bundler', allowImportingTsExtensions: true, noEmit: false, rewriteRelativeImportExtensions: false, verbatimModuleSyntax: false } }]
  },
  testTimeout: 60000,
  // One test file at a time: the end-to-end files start many processes and measure CPU, and
  // running two of them side by side on two cores makes them race their own timeouts.
  maxWorkers: 1
}
