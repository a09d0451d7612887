import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, afterEach } from 'vitest';
import type { Claim, PaymentLine } from '../../contract/index.js';
import { bootKiosk, type Kiosk } from '../../app/boot.js';
import { parseConfig } from '../../config/config.js';
import { memoryLogger, tempDir } from './fixtures.js';

/** The outbox's timings in these tests: retries within milliseconds, not minutes. */
export const QUICK_OUTBOX = {
  baseBackoffMs: 20,
  maxBackoffMs: 200,
  pollIntervalMs: 50,
  callTimeoutMs: 2_000,
  leaseMs: 5_000,
} as const;

/**
 * A demo kiosk per test (its sandboxes, simulated devices, a journal of its own), stopped after
 * the test: `boot` with configuration overrides (top-level keys replace the defaults here), and
 * `stop` for a test that restarts it on the same data folder.
 */
export function kioskPerTest() {
  let kiosk: Kiosk | null = null;
  const dir = tempDir();
  afterEach(async () => {
    await kiosk?.stop();
    kiosk = null;
  });
  afterAll(() => dir.remove());
  return {
    async boot(overrides: Record<string, unknown> = {}, dataDir = join(dir.path, randomUUID())): Promise<Kiosk> {
      const config = parseConfig({ terminal: { simulatorStepMs: 5 }, outbox: QUICK_OUTBOX, ...overrides });
      kiosk = await bootKiosk({ ...config, dataDir }, { packaged: false, log: memoryLogger().log });
      return kiosk;
    },
    async stop(): Promise<void> {
      await kiosk?.stop();
      kiosk = null;
    },
    /** A data folder for a test that boots twice on it. */
    dataDir: () => join(dir.path, randomUUID()),
  };
}

/** A claim as a payment line (what the checkout is asked to charge). */
export function lineFor(claim: Claim): PaymentLine {
  if (claim.route === 'not-payable') throw new Error('not payable');
  const { id, feeId, route, type, reason, materials, amountOre } = claim;
  return { claimId: id, feeId, route, type, reason, materials, amountOre };
}
