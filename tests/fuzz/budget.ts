/**
 * How many cases each fuzz target tries. CI runs the default (a bounded budget that keeps the
 * suite fast); a longer hunt is `FUZZ_RUNS=20000 npx vitest run tests/fuzz`. fast-check prints
 * the seed and the shrunk counter-example of any failure, so it can be replayed with FUZZ_SEED.
 */
export function fuzzRuns(ciDefault: number): { numRuns: number; seed?: number } {
  const runs = Number(process.env.FUZZ_RUNS ?? ciDefault);
  const seed = process.env.FUZZ_SEED === undefined ? undefined : Number(process.env.FUZZ_SEED);
  return { numRuns: runs, ...(seed === undefined ? {} : { seed }) };
}
