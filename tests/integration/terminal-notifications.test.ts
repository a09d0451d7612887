import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Agent, request } from 'undici';
import { afterAll, describe, expect, it } from 'vitest';
import { createCertificateAuthority } from '../../base/sandbox-pki.js';
import { TerminalConfig } from '../../devices/terminal/config.js';
import { setUpTerminal } from '../../devices/terminal/setup.js';
import { memoryLogger, tempDir } from '../support/fixtures.js';
import { until } from '../support/until.js';

/**
 * Display notifications as Adyen's live terminals send them: to a fixed HTTPS address (TLS 1.2 or
 * later) with the user name and password configured for it (HTTP Basic). The kiosk's listener
 * takes them over HTTPS from its own certificate and refuses a post without the credentials.
 */
const dir = tempDir('kiosk-notify-');
afterAll(() => dir.remove());

function httpsListenerFiles(): { certPath: string; keyPath: string; caPem: string } {
  const ca = createCertificateAuthority('Kiosk notification test CA');
  const leaf = ca.issue({ commonName: '127.0.0.1', serverNames: ['127.0.0.1'] });
  const certPath = join(dir.path, 'notify-cert.pem');
  const keyPath = join(dir.path, 'notify-key.pem');
  writeFileSync(certPath, `${leaf.certPem}${ca.certPem}`);
  writeFileSync(keyPath, leaf.keyPem);
  return { certPath, keyPath, caPem: ca.certPem };
}

describe('terminal notifications over HTTPS with credentials', () => {
  it('takes the display steps over HTTPS with the configured credentials, and refuses a post without them', async () => {
    const files = httpsListenerFiles();
    const { log, lines } = memoryLogger();
    const setup = await setUpTerminal(
      TerminalConfig.parse({
        driver: 'simulator',
        simulatorStepMs: 10,
        terminalTimeoutMs: 5_000,
        clientTimeoutMs: 10_000,
        notifications: {
          host: '127.0.0.1',
          port: 0,
          certPath: files.certPath,
          keyPath: files.keyPath,
          username: 'terminal',
          password: 'notification secret',
        },
      }),
      log,
    );
    try {
      const steps: string[] = [];
      const terminal = setup.terminal;
      setup.simulator!.queueScenario('display-sequence');
      const paid = await terminal.pay(
        { paymentId: 'notify-1', requestRef: terminal.newRequestRef(), amountOre: 2500, currency: 'DKK' },
        (progress) => steps.push(progress.step),
      );
      expect(paid).toMatchObject({ outcome: 'approved' });
      expect(steps).toEqual(expect.arrayContaining(['present-card', 'choose-application', 'enter-pin']));

      // The listener's address, as the simulator was told it: HTTPS.
      const control = (await (
        await request(`${setup.simulator!.url.replace(/\/nexo$/u, '')}/control/state`, {
          method: 'POST',
          body: '{}',
          // The simulator is named as an Adyen terminal, not by its address.
          dispatcher: new Agent({ connect: { ca: setup.simulator!.caPem, checkServerIdentity: () => undefined } }),
        })
      ).body.json()) as { notificationUrl: string };
      expect(control.notificationUrl).toMatch(/^https:\/\/127\.0\.0\.1:\d+\/notifications$/u);

      // Without the credentials (or with wrong ones): 401, and said in the log.
      const trusting = new Agent({ connect: { ca: files.caPem } });
      for (const authorization of [undefined, `Basic ${Buffer.from('terminal:guess').toString('base64')}`]) {
        const refused = await request(control.notificationUrl, {
          method: 'POST',
          body: '{}',
          dispatcher: trusting,
          ...(authorization ? { headers: { authorization } } : {}),
        });
        await refused.body.dump();
        expect(refused.statusCode).toBe(401);
      }
      await until('the refusal in the log', () => lines().some((l) => l.includes('wrong or no credentials')));
      expect(lines().join('\n')).not.toContain('notification secret');
      await trusting.close();
    } finally {
      await setup.close();
    }
  });

  it("says so when a real terminal's notifications would arrive over plain HTTP", async () => {
    const setup = await setUpTerminal(
      TerminalConfig.parse({
        driver: 'nexo',
        url: 'https://192.0.2.10:8443/nexo',
        poiId: 'V400m-324688179',
        keyIdentifier: 'K',
        passphrase: 'p',
      }),
      memoryLogger().log,
    );
    try {
      expect(setup.problems).toEqual([expect.stringContaining('post only to HTTPS')]);
    } finally {
      await setup.close();
    }
    expect(() => TerminalConfig.parse({ notifications: { certPath: '/x.pem' } })).toThrow(/go together/);
  });
});
