import { Agent, request } from 'node:http';
import type { TargetHandler } from '../../ports/outbox-target.js';

/**
 * An outbox target that POSTs the payload as JSON with an Idempotency-Key header, and classifies
 * the answer the way the real integrations do: 2xx delivered; 408/429/5xx and network errors
 * transient; any other 4xx a permanent (business) rejection.
 * Uses node:http with keep-alive: on Node 20, fetch costs several times more CPU per call,
 * which would make the outbox benchmark measure fetch instead of the outbox.
 */
export function httpJsonTarget(url: string): TargetHandler {
  const agent = new Agent({ keepAlive: true, maxSockets: 64 });
  return ({ target, idempotencyKey, payload, signal }) =>
    new Promise((resolve) => {
      const body = JSON.stringify({ target, payload });
      const req = request(
        url,
        {
          method: 'POST',
          agent,
          signal,
          headers: { 'content-type': 'application/json', 'idempotency-key': idempotencyKey },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('error', (error) => resolve({ kind: 'transient', error: `network: ${error.message}` }));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            const status = res.statusCode ?? 0;
            if (status >= 200 && status < 300)
              resolve({ kind: 'delivered', result: text ? (JSON.parse(text) as unknown) : null });
            else if (status === 408 || status === 429 || status >= 500)
              resolve({ kind: 'transient', error: `HTTP ${status}: ${text}` });
            else resolve({ kind: 'permanent', error: `HTTP ${status}: ${text}` });
          });
        },
      );
      req.on('error', (error) => resolve({ kind: 'transient', error: `network: ${error.message}` }));
      req.end(body);
    });
}
