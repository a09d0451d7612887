import { createServer } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { receiptFor, type Payment } from '../../contract/index.js';
import { EscPosDecoder } from '../../devices/printer/escpos-decode.js';
import { encodeReceipt } from '../../devices/printer/escpos.js';
import { EscPosPrinter } from '../../devices/printer/printer.js';
import { layoutReceipt } from '../../devices/printer/receipt-layout.js';
import { PrinterSimulator } from '../../devices/printer/simulator.js';
import { tcpPrinter } from '../../devices/printer/transport.js';
import { memoryLogger } from '../support/fixtures.js';
import { waitFor } from '../support/pty-pair.js';

const payment: Payment = {
  id: '8f14e45f-ceea-467a-9575-9c7f5c1e1a01',
  state: 'approved',
  channel: 'kiosk',
  method: 'card',
  patronId: '123',
  amountOre: 17_550,
  currency: 'DKK',
  lines: [
    {
      claimId: 'fbs:9007199254740993',
      feeId: '9007199254740993',
      route: 'fbs',
      type: 'fee',
      reason: 'Gebyr for for sen aflevering',
      materials: [{ recordId: '29480465', itemNumber: '5012345678', materialGroup: 'Bog', periodical: null }],
      amountOre: 5_000,
    },
    {
      claimId: 'fbs:77',
      feeId: '77',
      route: 'debtor',
      type: 'compensation',
      reason: 'Erstatning for bortkommet materiale, Ærø og Ålborg',
      materials: [{ recordId: '1', itemNumber: '3999', materialGroup: 'Tidsskrift', periodical: 'Årgang 2024, nr. 3' }],
      amountOre: 12_550,
    },
  ],
  terminalTransactionRef: 'TX-4711.0042',
  terminalRequestRef: 'AbCdE12345',
  card: { scheme: 'Visa', last4: '1234' },
  createdAt: '2026-11-21T12:59:00.000Z',
  updatedAt: '2026-11-21T13:05:00.000Z',
};

const receipt = receiptFor(payment, { libraryName: 'Københavns Biblioteker', paidAt: '2026-11-21T13:04:05.000Z' });
const bytes = (language: 'da' | 'en' = 'da') =>
  encodeReceipt(layoutReceipt(receipt, { language, timeZone: 'Europe/Copenhagen' }), { columns: 42 });

let closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers) await close();
  closers = [];
});

async function simulator() {
  const sim = await PrinterSimulator.start();
  closers.push(() => sim.close());
  const printer = new EscPosPrinter(tcpPrinter(sim.host, sim.port), {
    timeoutMs: 2_000,
    statusTimeoutMs: 300,
    log: memoryLogger().log,
  });
  return { sim, printer };
}

describe('receipt printing over TCP 9100', () => {
  it('prints the receipt; the decoded text has everything the borrower needs, in Danish', async () => {
    const { sim, printer } = await simulator();
    const result = await printer.print(bytes('da'));
    expect(result).toMatchObject({ printed: true, confirmed: true, status: { state: 'ready' } });
    const [paper] = sim.receipts();
    const text = paper!.join('\n');
    expect(text).toContain('Københavns Biblioteker');
    expect(text).toContain('Kvittering');
    expect(text).toContain('Dato: 21.11.2026 kl. 14.04'); // Copenhagen time, UTC+1 in November
    expect(paper).toContain(payment.id);
    // Reason on the left (wrapped when long), amount right-aligned on its first line.
    expect(paper).toContainEqual(expect.stringMatching(/^Gebyr for for sen +50,00 kr\.$/u));
    expect(text.replace(/\s+/gu, ' ')).toContain('Gebyr for for sen 50,00 kr. aflevering');
    expect(text).toContain('Bog nr. 5012345678');
    expect(text).toContain('Registreret hos biblioteket');
    expect(text.replace(/\s+/gu, ' ')).toContain('Erstatning for bortkommet 125,50 kr. materiale, Ærø og Ålborg');
    expect(text.replace(/\s+/gu, ' ')).toContain('Tidsskrift nr. 3999, Årgang 2024, nr. 3');
    expect(text).toContain('Registreret hos kommunen');
    expect(paper).toContainEqual(expect.stringMatching(/^I alt +175,50 kr\.$/u));
    expect(text).toContain('Terminalref.: TX-4711.0042');
    expect(text).toContain('Kort: Visa **** 1234');
    expect(text.replace(/\s+/gu, ' ')).toContain('Det kan tage op til 72 timer');
    expect(paper!.every((line) => line.length <= 42)).toBe(true);
  });

  it('prints in English when the borrower chose English', async () => {
    const { sim, printer } = await simulator();
    await printer.print(bytes('en'));
    const text = sim.receipts()[0]!.join('\n');
    expect(text).toContain('Registered with the library');
    expect(text).toContain('Registered with the municipality');
    expect(text.replace(/\s+/gu, ' ')).toContain('up to 72 hours');
    expect(text).toContain('Card: Visa **** 1234');
  });

  it('out of paper, cover open: nothing is sent and the reason comes back', async () => {
    const { sim, printer } = await simulator();
    sim.setState({ paper: 'out' });
    expect(await printer.print(bytes())).toMatchObject({ printed: false, status: { state: 'paper-out' } });
    sim.setState({ paper: 'ok', coverOpen: true });
    expect(await printer.print(bytes())).toMatchObject({ printed: false, status: { state: 'cover-open' } });
    expect(sim.receipts()).toHaveLength(0);
    sim.setState({ coverOpen: false, paper: 'low' });
    expect(await printer.status()).toMatchObject({ state: 'paper-low' });
    expect(await printer.print(bytes())).toMatchObject({ printed: true });
  });

  it('paper running out during the receipt counts as not printed', async () => {
    const { sim, printer } = await simulator();
    sim.setState({ paperOutAfter: 1 });
    expect(await printer.print(bytes())).toMatchObject({ printed: false, status: { state: 'paper-out' } });
  });

  it('a printer that does not answer status requests: printed, unconfirmed', async () => {
    const { sim, printer } = await simulator();
    sim.setState({ answersStatus: false });
    expect(await printer.print(bytes())).toMatchObject({ printed: true, confirmed: false });
    await waitFor(() => sim.receipts().length === 1, 'the receipt at the printer');
  });

  it('no printer at the address, or one that never answers: a result within the timeout, never a throw', async () => {
    const { sim, printer } = await simulator();
    await sim.close();
    closers = [];
    expect(await printer.print(bytes())).toMatchObject({ printed: false, status: { state: 'unreachable' } });

    // Accepts the connection, then swallows everything without a word.
    const silent = createServer((socket) => socket.on('data', () => undefined));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    closers.push(() => new Promise((resolve) => silent.close(() => resolve())));
    const port = (silent.address() as { port: number }).port;
    const started = Date.now();
    const result = await new EscPosPrinter(tcpPrinter('127.0.0.1', port), {
      timeoutMs: 1_000,
      statusTimeoutMs: 200,
      log: memoryLogger().log,
    }).print(bytes());
    expect(result).toMatchObject({ printed: true, confirmed: false, status: { state: 'no-status' } });
    expect(Date.now() - started).toBeLessThan(5_000);
  });
});

describe('EscPosDecoder', () => {
  it('gives the same text however the stream is chunked', () => {
    const whole = bytes();
    const once: string[][] = [];
    new EscPosDecoder((e, lines) => e.kind === 'cut' && once.push([...lines])).push(whole);
    for (const size of [1, 2, 3, 7, 64]) {
      const chunked: string[][] = [];
      const decoder = new EscPosDecoder((e, lines) => e.kind === 'cut' && chunked.push([...lines]));
      for (let i = 0; i < whole.length; i += size) decoder.push(whole.subarray(i, i + size));
      expect(chunked).toEqual(once);
    }
    expect(once).toHaveLength(1);
  });

  it('reads code page 865 (æ ø å) and reports unknown commands instead of printing them', () => {
    const events: string[] = [];
    const decoder = new EscPosDecoder((e) => e.kind === 'unknown-command' && events.push(e.bytes));
    decoder.push(Uint8Array.of(0x1b, 0x74, 5, 0x91, 0x9b, 0x86, 0x92, 0x9d, 0x8f, 0x0a, 0x1b, 0x99, 0x41, 0x0a));
    expect(decoder.printed).toEqual(['æøåÆØÅ', 'A']);
    expect(events).toEqual(['1b99']);
  });
});
