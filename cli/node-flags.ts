/**
 * The V8 flags every PeerGrid process runs with. The shebang of peergrid.js carries the same
 * list (a test keeps the two equal), and whatever spawns a PeerGrid process (the demo, the
 * tests, the systemd example) passes them explicitly.
 *
 * They fix the young generation at two 8 MiB semi-spaces. By default V8 grows it to 64 MiB
 * under load and shrinks it again when the process is quiet for a moment; on a long-running
 * coordinator that swing was most of what its RSS did in the soak (up and down by 50 MiB on
 * about 200), while what a coordinator allocates (messages, rows) dies young and needs far
 * less. The coordinator benchmark shows no cost in throughput.
 */
export const NODE_FLAGS: readonly string[] = ['--max-semi-space-size=8', '--min-semi-space-size=8']
