/**
 * Waits for the state a test needs, never for a fixed time: polls `probe` until it gives a value
 * (anything but false, null or undefined) and returns it; fails naming `what` after `timeoutMs`.
 */
export async function until<T>(
  what: string,
  probe: () => T | false | null | undefined,
  timeoutMs = 15_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== false && value !== null && value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
