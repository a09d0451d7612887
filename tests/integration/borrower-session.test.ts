import { describe, expect, it } from 'vitest';
import type { Kiosk } from '../../app/boot.js';
import type { SessionView } from '../../contract/index.js';
import { WEDGE_SOURCE } from '../../devices/scanner/setup.js';
import { kioskPerTest } from '../support/kiosk-per-test.js';

/**
 * The borrower's session as the screen sees it, against the demo kiosk's FBS sandbox over real
 * sockets: what FBS is asked (its exchanges) and what the screen is told (the session's view).
 */
const kiosks = kioskPerTest();

const view = (k: Kiosk): SessionView => k.session.current().view;
const fbsCalls = (k: Kiosk, operation: string) =>
  k.sandboxes.fbs!.exchanges.filter((e) => e.operation === operation).length;

/** Waits for the session's next screen of this kind (the core answers asynchronously). */
async function screen<S extends SessionView['screen']>(
  k: Kiosk,
  name: S,
): Promise<Extract<SessionView, { screen: S }>> {
  await expect.poll(() => view(k).screen, { timeout: 10_000 }).toBe(name);
  return view(k) as Extract<SessionView, { screen: S }>;
}

describe('PIN entry', () => {
  it('warns how many tries are left before FBS locks the card, then says it is locked', async () => {
    const k = await kiosks.boot();
    await k.session.command({ type: 'session.typeCard' });
    await k.session.command({ type: 'session.identify', cardNumber: '1000000003' });
    expect(await screen(k, 'pin')).toMatchObject({
      entered: 'typed',
      wrongPin: false,
      attemptsLeft: null,
      pinLength: 4,
    });
    // The sandbox locks a card at its 5th wrong PIN in a row, as fbs.pinAttemptsBeforeLock (5) says.
    const left: (number | null)[] = [];
    for (let i = 0; i < 5; i++) {
      await k.session.command({ type: 'session.authenticate', pin: '9999' });
      left.push((await screen(k, 'pin')).attemptsLeft);
    }
    expect(left).toEqual([4, 3, 2, 1, 0]);
    await k.session.command({ type: 'session.authenticate', pin: '3333' });
    expect(await screen(k, 'error')).toMatchObject({ code: 'locked-out' });
  });

  it('sends only a whole PIN to FBS: a short or long one is refused before FBS hears of it', async () => {
    const k = await kiosks.boot();
    k.scanners.submit(WEDGE_SOURCE, '1000000002');
    expect(await screen(k, 'pin')).toMatchObject({ entered: 'scanned', identifiedBy: 'library-card' });
    const before = fbsCalls(k, 'authenticateV9');
    for (const pin of ['22', '222', '22222', '22222222'])
      await expect(k.session.command({ type: 'session.authenticate', pin })).rejects.toThrow(/4 digits/u);
    expect(fbsCalls(k, 'authenticateV9')).toBe(before);
    expect(view(k).screen).toBe('pin');
    await k.session.command({ type: 'session.authenticate', pin: '2222' });
    await screen(k, 'claims');
    expect(fbsCalls(k, 'authenticateV9')).toBe(before + 1);
  });

  it('tells an unknown card from a wrong PIN', async () => {
    const k = await kiosks.boot();
    await k.session.command({ type: 'session.typeCard' });
    await k.session.command({ type: 'session.identify', cardNumber: '1000000099' });
    await screen(k, 'pin');
    await k.session.command({ type: 'session.authenticate', pin: '1234' });
    expect(await screen(k, 'error')).toMatchObject({ code: 'unknown-card' });
    // A known card with a wrong PIN is still "wrong PIN".
    k.scanners.submit(WEDGE_SOURCE, '1000000002');
    await screen(k, 'pin');
    await k.session.command({ type: 'session.authenticate', pin: '1234' });
    expect(await screen(k, 'pin')).toMatchObject({ wrongPin: true, attemptsLeft: 4 });
  });

  it('a right PIN forgets the wrong ones before it', async () => {
    const k = await kiosks.boot();
    k.scanners.submit(WEDGE_SOURCE, '1000000002');
    await screen(k, 'pin');
    await k.session.command({ type: 'session.authenticate', pin: '1234' });
    expect((await screen(k, 'pin')).attemptsLeft).toBe(4);
    await k.session.command({ type: 'session.authenticate', pin: '2222' });
    await screen(k, 'claims');
    await k.session.command({ type: 'session.reset' });
    await k.session.command({ type: 'session.identify', cardNumber: '1000000002' });
    expect(await screen(k, 'pin')).toMatchObject({ attemptsLeft: null, wrongPin: false });
  });
});

describe('the keypad for the card number', () => {
  it('is a screen of its own that "Start forfra" leaves, back in the default language', async () => {
    const k = await kiosks.boot();
    await k.session.command({ type: 'ui.setLanguage', language: 'en' });
    await k.session.command({ type: 'session.typeCard' });
    expect(k.session.current()).toMatchObject({ view: { screen: 'type-card' }, language: 'en' });
    await k.session.command({ type: 'session.reset' });
    expect(k.session.current()).toMatchObject({ view: { screen: 'attract' }, language: 'da' });
    // Not while paying: the keypad cannot open over a payment.
    k.scanners.submit(WEDGE_SOURCE, '1000000002');
    await screen(k, 'pin');
    await expect(k.session.command({ type: 'session.typeCard' })).rejects.toThrow(/keypad cannot open/u);
  });
});

describe('staff during a borrower payment', () => {
  it('a staff card scanned while the terminal waits leaves the payment on screen; after it, the card logs in', async () => {
    const k = await kiosks.boot({ terminal: { simulatorStepMs: 5 } });
    k.staff.enrolCard('personale', '9990001112', 'technician:tekniker');
    k.scanners.submit(WEDGE_SOURCE, '1000000002');
    await screen(k, 'pin');
    await k.session.command({ type: 'session.authenticate', pin: '2222' });
    await screen(k, 'claims');
    k.terminal.simulator!.queueScenario('wait-for-pin');
    const paying = k.session.command({ type: 'checkout.pay' });
    await expect.poll(() => (view(k).screen === 'paying' ? view(k) : null)).toMatchObject({ step: 'enter-pin' });
    k.scanners.submit(WEDGE_SOURCE, '9990001112');
    expect(k.staffConsole.current()).toEqual({ mode: 'off' });
    expect(() => k.staffConsole.begin()).toThrow(/payment is in progress/u);
    expect(view(k).screen).toBe('paying');
    await k.session.command({ type: 'checkout.cancel' });
    await paying;
    await screen(k, 'declined');
    await k.session.command({ type: 'session.reset' });
    k.scanners.forgetRecent();
    k.scanners.submit(WEDGE_SOURCE, '9990001112');
    expect(k.staffConsole.current()).toMatchObject({ mode: 'login', chosen: 'personale' });
  });
});

describe("the technician's restart", () => {
  it('is refused while a borrower is at the kiosk; between borrowers it is audited and the shell is told', async () => {
    const k = await kiosks.boot();
    k.staffConsole.begin();
    k.staffConsole.choose('tekniker');
    await k.staffConsole.login('135790');
    let told = 0;
    k.staffConsole.onRestart(() => (told += 1));
    // A borrower mid-way (their card typed in): refused.
    await k.session.command({ type: 'session.identify', cardNumber: '1000000002' });
    await screen(k, 'pin');
    await expect(k.staffConsole.request({ op: 'restart' })).rejects.toMatchObject({ code: 'borrower-session-open' });
    await k.session.command({ type: 'session.reset' });
    expect(await k.staffConsole.request({ op: 'restart' })).toEqual({ kind: 'restarting' });
    await expect.poll(() => told).toBe(1);
    const audit = k.core.db.prepare("SELECT actor FROM audit_log WHERE action = 'kiosk.restart-requested'").all() as {
      actor: string;
    }[];
    expect(audit).toEqual([{ actor: 'technician:tekniker' }]);
  });
});
