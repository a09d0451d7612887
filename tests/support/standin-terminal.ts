import type { PaymentTerminal, TerminalOutcome } from '../../devices/terminal/terminal.js';
import { startJsonServer, type JsonServer } from './http-server.js';

/**
 * Stand-in card terminal over HTTP until the nexo simulator exists. It records every charge, so
 * a crash test can check that no payment was charged twice. Amounts ending in 13 øre decline.
 */
export interface StandinTerminal extends JsonServer {
  /** paymentId → number of times the terminal was asked to charge it. */
  readonly chargeRequests: Map<string, number>;
  /** paymentId → approved transaction reference. */
  readonly approved: Map<string, string>;
}

export async function startStandinTerminal(): Promise<StandinTerminal> {
  const chargeRequests = new Map<string, number>();
  const approved = new Map<string, string>();
  let sequence = 0;
  const server = await startJsonServer(({ path, body }) => {
    if (path !== '/pay') return { status: 404, body: {} };
    const { paymentId, amountOre } = body as { paymentId: string; amountOre: number };
    chargeRequests.set(paymentId, (chargeRequests.get(paymentId) ?? 0) + 1);
    if (amountOre % 100 === 13) return { status: 200, body: { outcome: 'declined', reason: 'card declined' } };
    const transactionRef = `TX-${String(++sequence).padStart(6, '0')}`;
    approved.set(paymentId, transactionRef);
    return { status: 200, body: { outcome: 'approved', transactionRef } };
  });
  return { ...server, chargeRequests, approved };
}

export function httpTerminal(url: string): PaymentTerminal {
  return {
    async pay(request) {
      const response = await fetch(`${url}/pay`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(request),
        signal: AbortSignal.timeout(10_000),
      });
      if (!response.ok) throw new Error(`terminal HTTP ${response.status}`);
      return (await response.json()) as TerminalOutcome;
    },
  };
}
