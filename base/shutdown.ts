import type { Logger } from './log.js';

/**
 * One step of shutting the kiosk down (the session, the core, a device, a server). A step that
 * takes long is named in the log every few seconds while the kiosk waits for it, so a shutdown
 * that hangs says where, instead of leaving a silent process for a technician to kill.
 */
export async function shutdownStep(
  log: Logger,
  step: string,
  run: () => unknown,
  reportEveryMs = 5_000,
): Promise<void> {
  const started = Date.now();
  const timer = setInterval(
    () => log.warn({ step, waitedMs: Date.now() - started }, 'shutdown: still waiting'),
    reportEveryMs,
  );
  timer.unref();
  try {
    await run();
  } finally {
    clearInterval(timer);
  }
}
