/**
 * Exponential backoff with full jitter: a random delay in [0, min(cap, base·2^(attempt-1))].
 * Written here rather than taken from cockatiel because the delay is persisted as the row's
 * next attempt time (it must survive a restart), not slept on in memory.
 */
export function fullJitterBackoff(
  attempt: number,
  baseMs: number,
  capMs: number,
  random: () => number = Math.random,
): number {
  const exponent = Math.min(Math.max(attempt - 1, 0), 30);
  const ceiling = Math.min(capMs, baseMs * 2 ** exponent);
  return Math.floor(random() * ceiling);
}
