/**
 * Credit: what the accepted result of a unit is worth, whoever computed it and however long
 * they say it took. One credit is one second of one reference core. Each kind counts the
 * basic operations its unit and canonical output represent (numbers sieved, points drawn,
 * iterations, hashes) and divides by the rate the reference core achieves for them.
 *
 * The rates were measured on the reference machine (an x86-64 server core, Node 24) and are
 * fixed here, so that credit never depends on which machine did the work: a slow or lying
 * peer earns exactly what a fast honest one earns for the same answer. `npm run bench`
 * prints each kind's credit per CPU-second on the machine it runs on (1.0 on the reference).
 */
export const REFERENCE_RATES = {
  /** Numbers per second through the odd-only segmented sieve, near 10^9. */
  primesNumbers: 6e8,
  /** Points per second drawn and tested by montecarlo-pi. */
  piSamples: 1.2e8,
  /** Escape-time iterations (plus one per pixel for colouring) per second. */
  mandelbrotIterations: 2.4e8,
  /** SHA-256 hashes of `data:nonce` per second. */
  sha256Hashes: 9e5
} as const

/** Credit for `operations` done at `ratePerSecond` on the reference core. */
export function creditFor (operations: number, ratePerSecond: number): number {
  return operations > 0 ? operations / ratePerSecond : 0
}

/** Credit to read: whole numbers when large, a few decimals when small. */
export function formatCredit (credit: number): string {
  return credit >= 1000 ? Math.round(credit).toLocaleString('en-US') : credit.toFixed(credit >= 1 ? 2 : 3)
}
