import { describe, expect, it } from 'vitest';
import { shutdownStep } from '../../base/shutdown.js';
import { memoryLogger } from '../support/fixtures.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const waits = (lines: string[]) =>
  lines.map((l) => JSON.parse(l) as { msg: string; step?: string }).filter((l) => l.msg === 'shutdown: still waiting');

describe('shutdown steps', () => {
  it('name the step the kiosk is still waiting for, and stop when it ends', async () => {
    const { log, lines } = memoryLogger('warn');
    await shutdownStep(log, 'core', () => sleep(130), 40);
    const seen = waits(lines());
    expect(seen.length).toBeGreaterThanOrEqual(2);
    expect(seen.every((l) => l.step === 'core')).toBe(true);
    await sleep(100);
    expect(waits(lines())).toHaveLength(seen.length);
  });

  it('say nothing about a quick step, and pass its error on', async () => {
    const { log, lines } = memoryLogger('warn');
    await shutdownStep(log, 'printer', () => undefined, 40);
    await expect(
      shutdownStep(
        log,
        'terminal',
        () => {
          throw new Error('socket already closed');
        },
        40,
      ),
    ).rejects.toThrow('socket already closed');
    await sleep(100);
    expect(waits(lines())).toEqual([]);
  });
});
