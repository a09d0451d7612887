import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Agent, request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeNow } from '../../base/loopback-server.js';
import { NetsCloudTerminal } from '../../devices/terminal/nets-cloud/driver.js';
import { NetsCloudSimulator } from '../../devices/terminal/nets-cloud/simulator.js';
import { LocalModeEventArgs } from '../../devices/terminal/nets-cloud/wire.js';
import { memoryLogger } from '../support/fixtures.js';

/**
 * The outside reference for Connect@Cloud: answers in the shape production terminals send
 * (tests/fixtures/nets/README.md says where that shape was seen), served over a real socket to
 * the driver — and the project's simulator checked to answer in that same shape, so that the
 * driver's other tests, run against the simulator, test what production sends.
 */
const fixture = (name: string): unknown =>
  JSON.parse(readFileSync(new URL(`../fixtures/nets/${name}.json`, import.meta.url), 'utf8'));

/** What the peer answers next, per call: `METHOD path` → status and body. */
const answers = new Map<string, { status: number; body: unknown }>();
const seen: string[] = [];
let server: Server;
let terminal: NetsCloudTerminal;

beforeAll(async () => {
  server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const key = `${req.method} ${req.url}`;
      seen.push(key);
      if (req.url === '/v1/login')
        return void res.writeHead(200).end(JSON.stringify({ token: 't', username: 'u', terminals: ['60001234'] }));
      const answer = answers.get(key) ?? { status: 404, body: { failure: 'no answer set' } };
      res.writeHead(answer.status, { 'content-type': 'application/json' }).end(JSON.stringify(answer.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  terminal = new NetsCloudTerminal({
    baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    username: 'u',
    password: 'p',
    terminalId: '60001234',
    purchaseTimeoutMs: 2_000,
    requestTimeoutMs: 1_000,
    maxTransitMs: 100,
    timeZone: 'Europe/Copenhagen',
    log: memoryLogger('fatal').log,
  });
});
afterAll(async () => {
  await terminal.close();
  await closeNow(server);
});

const PURCHASE = 'POST /v1/terminal/60001234/transaction';
const LOOKUP = 'GET /v1/terminal/60001234/transaction';
const SETTINGS = 'GET /v1/terminal/60001234/settings';
const buy = () =>
  terminal.pay({ paymentId: 'p1', requestRef: terminal.newRequestRef(), amountOre: 8550, currency: 'DKK' });

describe('Connect@Cloud answers as production sends them', () => {
  it('an approval: Result as text, the STAN, the terminal’s local time (not the top-level time marked Z), no card number kept', async () => {
    answers.set(PURCHASE, { status: 201, body: fixture('approved') });
    const outcome = await buy();
    expect(outcome).toMatchObject({
      outcome: 'approved',
      transactionRef: '123456154058',
      // 15:40:58 on the terminal's Copenhagen clock in December (UTC+1) — the answer's
      // `timeStamp` "2026-12-03T15:40:58.000Z" would put it an hour later.
      transactionTime: '2026-12-03T14:40:58.000Z',
      authorizedOre: 8550,
      card: { scheme: 'Dankort', last4: '0005', approvalCode: '123456154058' },
    });
    const receipt = outcome.outcome === 'approved' ? outcome.cardholderReceipt!.map((l) => l.name) : [];
    expect(receipt).toContain('GODKENDT');
    expect(receipt.at(-1)).toBe('GODKENDT'); // the trailing empty lines and form feed dropped
    expect(JSON.stringify(outcome)).not.toContain('457199');
  });

  it('refusals: the terminal’s rejection, and the terminal that must close its day first — declined, Nets’ words kept', async () => {
    answers.set(PURCHASE, { status: 400, body: fixture('rejected') });
    expect(await buy()).toMatchObject({
      outcome: 'declined',
      reason: 'refused',
      detail: 'Terminal / rejected transaction',
    });
    answers.set(PURCHASE, { status: 400, body: fixture('reconcile-first') });
    expect(await buy()).toMatchObject({
      outcome: 'declined',
      reason: 'refused',
      detail: 'PSP / perform end-of-day reconciliation 87',
    });
  });

  it('a terminal the cloud cannot reach: declined as never received, and health says so until the terminal answers again', async () => {
    answers.set(SETTINGS, { status: 200, body: { printerWidth: 42 } });
    answers.set(LOOKUP, { status: 200, body: { result: { latestTransactionResult: { Result: '0' }, orderId: null } } });
    expect(await terminal.health()).toEqual({ available: true });

    answers.set(PURCHASE, { status: 400, body: fixture('not-connected') });
    answers.set(LOOKUP, { status: 400, body: fixture('not-connected') });
    expect(await buy()).toMatchObject({ outcome: 'declined', reason: 'not-received' });
    // The account still answers (settings 200): only the call that reaches the terminal tells.
    seen.length = 0;
    expect(await terminal.health()).toEqual({
      available: false,
      reason: 'unreachable',
      detail: 'Nets cannot reach terminal 60001234: Invalid terminal ID or terminal not connected',
    });
    expect(seen).toEqual(['GET /v1/terminal/60001234/settings', LOOKUP]);

    answers.set(LOOKUP, { status: 200, body: { result: { latestTransactionResult: { Result: '0' }, orderId: null } } });
    expect(await terminal.health()).toEqual({ available: true });
    // Known connected: the next check asks the account only.
    seen.length = 0;
    await terminal.health();
    expect(seen).toEqual(['GET /v1/terminal/60001234/settings']);
  });

  it('the reconciliation: header and printout inside `result.reconciliation`', async () => {
    answers.set('POST /v1/terminal/60001234/administration', { status: 201, body: fixture('reconciliation') });
    expect(await terminal.reconcile()).toEqual({
      at: '2026-12-03T21:05:11.000Z',
      session: '712',
      lines: expect.arrayContaining(['AFSTEMNING', 'I ALT DKK        171,00']) as unknown,
    });
  });
});

describe('the simulator answers in production’s shape', () => {
  let sim: NetsCloudSimulator;
  let agent: Agent;
  let token: string;
  beforeAll(async () => {
    sim = new NetsCloudSimulator({ timing: { stepMs: 5, terminalTimeoutMs: 2_000, slowMs: 100 } });
    await sim.start();
    agent = new Agent({ connect: { ca: sim.caPem } });
    const login = await call('POST', '/v1/login', { username: sim.username, password: sim.password });
    token = (login.body as { token: string }).token;
  });
  afterAll(async () => {
    await agent.close();
    await sim.close();
  });

  async function call(method: 'GET' | 'POST', path: string, body?: unknown) {
    const response = await request(`${sim.url}${path}`, {
      method,
      dispatcher: agent,
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: response.statusCode, body: (await response.body.json()) as Record<string, unknown> };
  }

  /** Each field's JSON type (null, string, number, object…), by name. */
  const types = (value: object): Record<string, string> =>
    Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v]),
    );
  /** The fields the driver reads from `localModeEventArgs`, with their JSON types. */
  const read = (args: object): Record<string, string> =>
    Object.fromEntries(Object.entries(types(args)).filter(([k]) => k in LocalModeEventArgs.shape));

  it('an approval: the same fields beside localModeEventArgs, and the fields the driver reads with the same types', async () => {
    const real = (fixture('approved') as { result: Record<string, object>[] }).result[0]!;
    const path = `/v1/terminal/${sim.terminalId}/transaction`;
    const answer = await call('POST', path, { transactionType: 'purchase', amount: 8550, orderId: 'A1' });
    expect(answer.status).toBe(201);
    const ours = (answer.body.result as Record<string, object>[])[0]!;
    expect(Object.keys(ours).sort()).toEqual(Object.keys(real).sort());
    expect(read(ours.localModeEventArgs!)).toEqual(read(real.localModeEventArgs!));
  });

  it('a refusal: `failure` with the error and the terminal’s record typed as production types it', async () => {
    const real = (fixture('rejected') as { failure: Record<string, object> }).failure;
    sim.queueScenario('decline');
    const path = `/v1/terminal/${sim.terminalId}/transaction`;
    const answer = await call('POST', path, { transactionType: 'purchase', amount: 8550, orderId: 'A2' });
    expect(answer.status).toBe(400);
    const ours = answer.body.failure as Record<string, object>;
    expect(Object.keys(ours).sort()).toEqual(Object.keys(real).sort());
    expect(read(ours.localModeEventArgs!)).toEqual(read(real.localModeEventArgs!));
  });

  it('a terminal gone: production’s answer word for word; the reconciliation nested as production nests it', async () => {
    sim.setState({ offline: true });
    const path = `/v1/terminal/${sim.terminalId}/transaction`;
    const answer = await call('POST', path, { transactionType: 'purchase', amount: 8550, orderId: 'A3' });
    expect(answer).toEqual({ status: 400, body: fixture('not-connected') });
    sim.setState({ offline: false });
    const closed = await call('POST', `/v1/terminal/${sim.terminalId}/administration`, { action: 'reconciliation' });
    const real = (fixture('reconciliation') as { result: { reconciliation: object } }).result.reconciliation;
    const ours = (closed.body.result as { reconciliation: object }).reconciliation;
    expect(Object.keys(ours).sort()).toEqual(Object.keys(real).sort());
  });
});
