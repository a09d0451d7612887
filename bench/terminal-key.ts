/** The terminal key the benchmark's simulator and driver share. */
export const BENCH_TERMINAL_KEY = { keyIdentifier: 'BenchKey', keyVersion: 1, passphrase: 'bench passphrase' };
