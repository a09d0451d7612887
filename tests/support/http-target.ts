import type { TargetHandler } from '../../main/outbox-worker.js';

/**
 * An outbox target that POSTs the payload as JSON with an Idempotency-Key header, and classifies
 * the answer the way the real integrations do: 2xx delivered; 408/429/5xx and network errors
 * transient; any other 4xx a permanent (business) rejection.
 */
export function httpJsonTarget(url: string): TargetHandler {
  return async ({ target, idempotencyKey, payload, signal }) => {
    let response: Response;
    try {
      response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'idempotency-key': idempotencyKey },
        body: JSON.stringify({ target, payload }),
        signal,
      });
    } catch (error) {
      return { kind: 'transient', error: `network: ${(error as Error).message}` };
    }
    const text = await response.text();
    if (response.ok) return { kind: 'delivered', result: text ? (JSON.parse(text) as unknown) : null };
    if (response.status === 408 || response.status === 429 || response.status >= 500) {
      return { kind: 'transient', error: `HTTP ${response.status}: ${text}` };
    }
    return { kind: 'permanent', error: `HTTP ${response.status}: ${text}` };
  };
}
