#!/usr/bin/env -S MALLOC_MMAP_THRESHOLD_=131072 node --max-semi-space-size=8 --min-semi-space-size=8
// Entry point of the `peergrid` command. The sources are TypeScript run by Node's own type
// stripping, which needs Node >= 22.18: npm scripts and npx use the Node pinned in
// devDependencies, but a global `node` may be older. The V8 flags and the allocator setting
// are NODE_FLAGS and ALLOCATOR_ENV (node-flags.ts).
const [major, minor] = process.versions.node.split('.').map(Number)
if (major < 22 || (major === 22 && minor < 18)) {
  process.stderr.write(`peergrid: needs Node >= 22.18 (this is ${process.version}); run it as \`npx peergrid\` inside the project, which uses the pinned Node\n`)
  process.exit(1)
}
process.removeAllListeners('warning')
process.on('warning', (w) => { if (w.name !== 'ExperimentalWarning') process.stderr.write(`${w.name}: ${w.message}\n`) })
const { main } = await import('./main.ts')
process.exitCode = await main(process.argv.slice(2))
