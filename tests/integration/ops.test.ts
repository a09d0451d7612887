import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Kiosk } from '../../app/boot.js';
import { tempDir } from '../support/fixtures.js';
import { kioskPerTest, lineFor } from '../support/kiosk-per-test.js';

/**
 * The operations listener of a demo kiosk over a real socket: the bearer token, Prometheus's text
 * format checked by Prometheus's own `promtool check metrics` (names, units, `_total`), the
 * journal's payments and the outbox in the series, no borrower data in any of it, `/ready` for
 * load balancers — and Debian's real `prometheus` scraping the kiosk and answering queries.
 */
const TOKEN = 'ops-test-token-2b9f';
const kiosks = kioskPerTest();
const stops: (() => void)[] = [];
afterEach(() => {
  for (const stop of stops.splice(0)) stop();
});

const bootWithOps = (overrides: Record<string, unknown> = {}) =>
  kiosks.boot({ ops: { listen: '127.0.0.1:0', bearerToken: TOKEN }, ...overrides });

async function get(k: Kiosk, path: string, token: string | null = TOKEN) {
  const response = await fetch(`${k.ops!.url}${path}`, token ? { headers: { authorization: `Bearer ${token}` } } : {});
  return { status: response.status, type: response.headers.get('content-type') ?? '', text: await response.text() };
}

async function paySettled(k: Kiosk, patronId: string, feeId: string) {
  const claims = (await k.fbs.claims(patronId)).filter((c) => c.feeId === feeId);
  const payment = await k.core.checkout.pay({
    channel: 'staff',
    patronId,
    lines: claims.map(lineFor),
    actor: 'staff:x',
  });
  await expect.poll(() => k.core.journal.get(payment.id).state, { timeout: 10_000 }).toBe('settled');
  return payment;
}

describe('the operations listener', () => {
  it('answers Prometheus with the journal’s numbers, only with the token, and never with borrower data', async () => {
    const k = await bootWithOps();
    expect((await get(k, '/health', null)).status).toBe(200);
    expect((await get(k, '/metrics', null)).status).toBe(401);
    expect((await get(k, '/metrics', 'wrong')).status).toBe(401);
    expect((await get(k, '/ready', null)).status).toBe(401);

    // A borrower who scans a card and walks away at the PIN screen.
    await k.session.command({ type: 'session.identify', cardNumber: '1000000002' });
    await expect.poll(() => k.session.current().view.screen).toBe('pin');
    await k.session.command({ type: 'session.reset' });
    const card = await paySettled(k, '100002', '5001');
    const debtor = await paySettled(k, '100003', '6001');
    const metrics = await get(k, '/metrics');
    expect(metrics.status).toBe(200);
    expect(metrics.type).toMatch(/^text\/plain; version=0\.0\.4/u);
    const series = metrics.text;
    expect(series).toMatch(/^kiosk_payments_total\{method="card",outcome="charged"\} 2$/mu);
    expect(series).toMatch(/^kiosk_payment_amount_ore_total\{method="card",outcome="charged"\} 27995$/mu);
    expect(series).toMatch(/^kiosk_outbox_rows\{target="fbs\.payment",state="delivered"\} 1$/mu);
    expect(series).toMatch(/^kiosk_deliveries_total\{target="oeir\.indbetaling",outcome="delivered"\} 1$/mu);
    expect(series).toMatch(/^kiosk_outbox_oldest_waiting_age_seconds\{target="oeir\.indbetaling"\} 0$/mu);
    expect(series).toMatch(/^kiosk_last_delivery_timestamp_seconds\{target="fbs\.payment"\} \d+/mu);
    expect(series).toMatch(/^kiosk_link_up\{system="terminal"\} 1$/mu);
    expect(series).toMatch(/^kiosk_link_up\{system="oeir"\} 1$/mu);
    expect(series).toMatch(/^kiosk_certificate_expiry_timestamp_seconds\{certificate="oeir"\} \d+/mu);
    expect(series).toMatch(/^kiosk_printer_ready 1$/mu);
    expect(series).toMatch(/^kiosk_journal_disk_free_bytes \d+/mu);
    expect(series).toMatch(/^kiosk_sessions_ended_total\{screen="pin"\} 1$/mu);
    expect(series).toMatch(/^kiosk_delivery_attempts_total\{target="fbs\.payment"\} [1-9]/mu);
    expect(series).toMatch(/^process_cpu_user_seconds_total /mu);

    // No borrower, card, CPR or payment in any label (the values are aggregates: counts, øre,
    // seconds, bytes — a number there could match a patron id by chance, a label could not).
    const labels = [...series.matchAll(/(\w+)="([^"]*)"/gu)].map((m) => `${m[1]}=${m[2]}`);
    expect(labels.length).toBeGreaterThan(20);
    for (const secret of ['100002', '100003', '1000000002', card.id, debtor.id, card.patronId])
      expect(labels.filter((l) => l.includes(secret))).toEqual([]);
    expect(labels.filter((l) => /\d{6}-?\d{4}|[0-9a-f]{8}-[0-9a-f]{4}-/u.test(l))).toEqual([]);

    // Prometheus's own linter: names, units and types as its conventions want them — for the
    // kiosk's series (prom-client's default Node.js gauges `nodejs_active_*_total` break the
    // `_total` rule themselves, and are not ours to rename).
    const ours = series
      .split('\n')
      .filter((line) => /^(# (HELP|TYPE) )?kiosk_/u.test(line))
      .join('\n');
    const lint = spawnSync('promtool', ['check', 'metrics'], { input: `${ours}\n`, encoding: 'utf8' });
    if (lint.error) throw new Error(`promtool is needed (apt-get install prometheus): ${lint.error.message}`);
    expect(`${lint.stdout}${lint.stderr}`).toBe('');
    expect(lint.status).toBe(0);
  });

  it('/ready says whether a card payment can be taken now, with its findings', async () => {
    const k = await bootWithOps();
    const ready = await get(k, '/ready');
    expect(ready.status).toBe(200);
    expect(JSON.parse(ready.text)).toMatchObject({
      ready: true,
      checks: [
        { part: 'terminal', ok: true },
        { part: 'journal', ok: true },
        { part: 'disk', ok: true },
      ],
    });
    await kiosks.stop();
    // A disk that cannot hold the payments the checkout demands room for: not ready.
    const full = await bootWithOps({ storage: { minFreeMbToPay: 100_000 } });
    const notReady = await get(full, '/ready');
    expect(notReady.status).toBe(503);
    expect(JSON.parse(notReady.text)).toMatchObject({
      ready: false,
      checks: expect.arrayContaining([expect.objectContaining({ part: 'disk', ok: false })]) as unknown,
    });
  });

  it('Debian’s prometheus scrapes the kiosk with its token and answers for its series', async () => {
    const k = await bootWithOps();
    await paySettled(k, '100002', '5001');
    const dir = tempDir('kiosk-prometheus-');
    stops.push(() => dir.remove());
    const port = await freePort();
    const target = new URL(k.ops!.url).host;
    writeFileSync(
      join(dir.path, 'prometheus.yml'),
      [
        'global: { scrape_interval: 1s, scrape_timeout: 1s }',
        'scrape_configs:',
        '  - job_name: kiosk',
        '    authorization: { type: Bearer, credentials_file: token }',
        `    static_configs: [{ targets: ["${target}"], labels: { kiosk: "test-kiosk-1" } }]`,
        '',
      ].join('\n'),
    );
    writeFileSync(join(dir.path, 'token'), TOKEN);
    const prometheus: ChildProcess = spawn(
      'prometheus',
      [
        `--config.file=${join(dir.path, 'prometheus.yml')}`,
        `--storage.tsdb.path=${join(dir.path, 'data')}`,
        `--web.listen-address=127.0.0.1:${port}`,
      ],
      { stdio: 'ignore' },
    );
    stops.push(() => prometheus.kill('SIGKILL'));
    const query = async (expression: string) => {
      const response = await fetch(
        `http://127.0.0.1:${port}/api/v1/query?query=${encodeURIComponent(expression)}`,
      ).catch(() => null);
      if (!response?.ok) return [];
      return (
        (await response.json()) as { data: { result: { metric: Record<string, string>; value: [number, string] }[] } }
      ).data.result;
    };
    // Waits for Prometheus to start and scrape (it scrapes every second).
    await expect
      .poll(() => query('up{job="kiosk"}'), { timeout: 60_000, interval: 500 })
      .toEqual([expect.objectContaining({ value: [expect.any(Number) as unknown, '1'] })]);
    const charged = await query('kiosk_payments_total{outcome="charged"}');
    expect(charged).toEqual([
      expect.objectContaining({
        metric: expect.objectContaining({ method: 'card', kiosk: 'test-kiosk-1' }) as unknown,
        value: [expect.any(Number) as unknown, '1'],
      }),
    ]);
    expect(await query('kiosk_link_up{system="terminal"}')).toHaveLength(1);
  });
});

/** A port nothing listens on now (Prometheus needs one on its command line). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
