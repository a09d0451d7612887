import { startJsonServer, type JsonServer } from './http-server.js';

/**
 * Stand-in for a system the outbox delivers to (FBS, ØiR) until their sandboxes exist.
 * Like the real ones, it is idempotent on the key: the same key again gets the first answer
 * and no second effect. It records every request, so tests can see retries and duplicates.
 */
export interface ReceivedDelivery {
  readonly path: string;
  readonly idempotencyKey: string;
  readonly body: unknown;
}

export type TargetBehaviour = (
  delivery: ReceivedDelivery,
  nthForKey: number,
) => { status: number; body?: unknown } | undefined;

export interface StandinTarget extends JsonServer {
  /** Every request, in arrival order (retries included). */
  readonly requests: ReceivedDelivery[];
  /** Effects: the first accepted delivery per key, i.e. what the remote system registered. */
  readonly registered: Map<string, ReceivedDelivery>;
  behave(behaviour: TargetBehaviour | null): void;
  reset(): void;
}

export async function startStandinTarget(): Promise<StandinTarget> {
  const requests: ReceivedDelivery[] = [];
  const registered = new Map<string, ReceivedDelivery>();
  const countPerKey = new Map<string, number>();
  let behaviour: TargetBehaviour | null = null;
  const server = await startJsonServer(({ path, headers, body }) => {
    const idempotencyKey = String(headers['idempotency-key'] ?? '');
    if (!idempotencyKey) return { status: 400, body: { error: 'missing Idempotency-Key' } };
    const delivery = { path, idempotencyKey, body };
    requests.push(delivery);
    const nth = (countPerKey.get(idempotencyKey) ?? 0) + 1;
    countPerKey.set(idempotencyKey, nth);
    const special = behaviour?.(delivery, nth);
    if (special) return { status: special.status, body: special.body ?? {} };
    const first = registered.get(idempotencyKey);
    if (first) return { status: 200, body: { status: 'already-registered', key: idempotencyKey } };
    registered.set(idempotencyKey, delivery);
    return { status: 200, body: { status: 'registered', key: idempotencyKey } };
  });
  return {
    ...server,
    requests,
    registered,
    reset() {
      requests.length = 0;
      registered.clear();
      countPerKey.clear();
    },
    behave(next) {
      behaviour = next;
    },
  };
}
