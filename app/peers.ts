import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import { PrinterSimulator } from '../devices/printer/simulator.js';
import { SCENARIOS, TerminalSimulator, type Scenario } from '../devices/terminal/simulator/server.js';
import { closeNow, readRequestBody } from '../base/loopback-server.js';
import { FbsSandbox } from '../integrations/fbs/sandbox/server.js';
import {
  DEMO_DEBTOR_CLAIMS,
  DEMO_MUNICIPALITY_CVR,
  OeirSandbox,
  type OeirFaults,
} from '../integrations/oeir/sandbox/server.js';
import { createCertificateAuthority, toPkcs12 } from '../base/sandbox-pki.js';
import { messageOf } from '../base/errors.js';

/**
 * The kiosk's peers outside any kiosk process: the FBS and ØiR sandboxes, and one terminal
 * simulator and one receipt printer simulator per kiosk, on fixed loopback ports, with their
 * ledgers and fault switches behind one plain-HTTP control address. Kiosks started with the
 * configuration files written here talk to them as to the real systems (production mode: FBS
 * with a client login, ØiR over mutual TLS with an organisation certificate, the terminal over
 * nexo with an encrypted NexoBlob, the printer over TCP), so a crash test by hand — kill a kiosk
 * at any moment, start it again, look at the ledgers — needs no code. `npm run peers`.
 */
export interface PeersOptions {
  /** Where the certificates and the kiosks' configuration files (and journals) go. */
  readonly dir: string;
  readonly kiosks: number;
  /** First port; 0: any free ports (tests). */
  readonly basePort: number;
  /** The terminal simulators' timings (the demo's borrower takes 0.7 s per step). */
  readonly terminalStepMs?: number;
  readonly terminalTimeoutMs?: number;
}

export interface PeerKiosk {
  readonly index: number;
  readonly configFile: string;
  /** The configuration written there (plain values; secrets are test values). */
  readonly config: Record<string, unknown>;
  readonly dataDir: string;
  readonly terminal: TerminalSimulator;
  readonly printer: PrinterSimulator;
}

export interface Peers {
  readonly fbs: FbsSandbox;
  readonly oeir: OeirSandbox;
  readonly kiosks: readonly PeerKiosk[];
  /** http://127.0.0.1:<port> — GET / lists every address and control. */
  readonly controlUrl: string;
  close(): Promise<void>;
}

const PORTS = { fbs: 0, oeir: 1, control: 2, terminal: 10, printer: 20, browser: 30, notifications: 40 } as const;

export async function startPeers(options: PeersOptions): Promise<Peers> {
  const dir = resolve(options.dir);
  mkdirSync(dir, { recursive: true });
  const port = (offset: number): number => (options.basePort === 0 ? 0 : options.basePort + offset);

  const fbs = new FbsSandbox();
  await fbs.start(port(PORTS.fbs));

  // ØiR: a throwaway CA for the server and the municipality's organisation certificate, written
  // where the kiosks' configuration points (the same files a real kiosk would be given).
  const ca = createCertificateAuthority('Kiosk peers CA');
  const oeir = new OeirSandbox({
    tls: { ...ca.issue({ commonName: 'localhost', serverNames: ['127.0.0.1', 'localhost'] }), caPem: ca.certPem },
    municipalityCvr: DEMO_MUNICIPALITY_CVR,
    claims: DEMO_DEBTOR_CLAIMS,
  });
  const oeirUrl = await oeir.start(port(PORTS.oeir));
  const certificatePassword = randomBytes(12).toString('base64url');
  const p12 = toPkcs12(
    ca.issue({ commonName: 'Peers kommune', serialNumberAttribute: `CVR:${DEMO_MUNICIPALITY_CVR}-FID:1` }),
    certificatePassword,
    ca.certPem,
  );
  writeFileSync(join(dir, 'oeir-organisation.p12'), p12, { mode: 0o600 });
  writeFileSync(join(dir, 'oeir-ca.pem'), ca.certPem);

  const kiosks: PeerKiosk[] = [];
  for (let index = 1; index <= options.kiosks; index++) {
    const passphrase = randomBytes(18).toString('base64url');
    const key = { keyIdentifier: `PeerKey${index}`, keyVersion: 1, passphrase };
    const terminal = new TerminalSimulator({
      poiId: `SIM400-00000000${index}`,
      key,
      timing: {
        stepMs: options.terminalStepMs ?? 700,
        terminalTimeoutMs: options.terminalTimeoutMs ?? 120_000,
        slowMs: Math.min(15_000, Math.floor((options.terminalTimeoutMs ?? 120_000) / 2)),
      },
    });
    const terminalUrl = await terminal.start(port(PORTS.terminal + index));
    writeFileSync(join(dir, `terminal-${index}-ca.pem`), terminal.caPem);
    const printer = await PrinterSimulator.start({ port: port(PORTS.printer + index) });
    const notificationsPort = port(PORTS.notifications + index);
    const dataDir = join(dir, `kiosk-${index}`);
    const config = {
      mode: 'production',
      dataDir,
      fbs: { baseUrl: fbs.url, ...fbs.client },
      oeir: {
        environment: 'exttest',
        endpoint: oeirUrl,
        certificatePath: join(dir, 'oeir-organisation.p12'),
        certificatePassword,
        caPath: join(dir, 'oeir-ca.pem'),
        municipalityCvr: DEMO_MUNICIPALITY_CVR,
        place: `Peers, kiosk ${index}`,
      },
      terminal: {
        driver: 'nexo',
        url: terminalUrl,
        poiId: terminal.poiId,
        saleId: `KIOSK${index}`,
        ...key,
        caPath: join(dir, `terminal-${index}-ca.pem`),
        terminalTimeoutMs: options.terminalTimeoutMs ?? 120_000,
        clientTimeoutMs: (options.terminalTimeoutMs ?? 120_000) + 15_000,
        notifications: { host: '127.0.0.1', port: notificationsPort },
      },
      printer: { type: 'tcp', host: printer.host, port: printer.port },
      browserMode: { port: port(PORTS.browser + index) },
    };
    // The terminal posts display notifications to the kiosk's listener (an Adyen terminal's event URL).
    if (notificationsPort !== 0)
      terminal.setState({ notificationUrl: `http://127.0.0.1:${notificationsPort}/notifications` });
    const configFile = join(dir, `kiosk-${index}.json`);
    writeFileSync(configFile, `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600 });
    kiosks.push({ index, configFile, config, dataDir, terminal, printer });
  }

  const control = createServer((req, res) => void handleControl(req.method ?? 'GET', req.url ?? '/', req, res));
  const peers = { fbs, oeir, kiosks };
  async function handleControl(
    method: string,
    url: string,
    req: import('node:http').IncomingMessage,
    res: import('node:http').ServerResponse,
  ): Promise<void> {
    const json = (status: number, value: unknown): void =>
      void res.writeHead(status, { 'content-type': 'application/json' }).end(`${JSON.stringify(value, null, 2)}\n`);
    try {
      const text = await readRequestBody(req, 64 * 1024);
      const body = (text ? JSON.parse(text) : {}) as Record<string, unknown>;
      json(200, controlAnswer(peers, method, new URL(url, 'http://x').pathname, body, controlUrl));
    } catch (error) {
      json(error instanceof NotFound ? 404 : 400, { error: messageOf(error) });
    }
  }
  await new Promise<void>((done) => control.listen(port(PORTS.control), '127.0.0.1', done));
  const controlUrl = `http://127.0.0.1:${(control.address() as AddressInfo).port}`;
  writeFileSync(join(dir, 'peers.json'), `${JSON.stringify(describe(peers, controlUrl), null, 2)}\n`);

  return {
    fbs,
    oeir,
    kiosks,
    controlUrl,
    async close() {
      await closeNow(control as Server);
      for (const k of kiosks) {
        await k.terminal.close();
        await k.printer.close();
      }
      await oeir.close();
      await fbs.close();
    },
  };
}

class NotFound extends Error {}

/** What one control request does; every answer is JSON. */
function controlAnswer(
  peers: Pick<Peers, 'fbs' | 'oeir' | 'kiosks'>,
  method: string,
  path: string,
  body: Record<string, unknown>,
  controlUrl: string,
): unknown {
  const keepLedger = body.keepLedger === true;
  const route = `${method} ${path}`;
  if (route === 'GET /') return describe(peers, controlUrl);
  if (route === 'GET /ledgers') return ledgers(peers);
  if (route === 'POST /reset') {
    // Every peer back to normal; keepLedger: only faults and states go, the money record stays.
    peers.fbs.reset({ keepLedger });
    peers.oeir.reset({ keepLedger });
    for (const k of peers.kiosks) {
      k.terminal.reset({ keepLedger });
      k.printer.setState({ paper: 'ok', coverOpen: false, answersStatus: true, paperOutAfter: null });
    }
    return ledgers(peers);
  }
  if (route === 'POST /fbs/faults') {
    peers.fbs.setFaults(body as never);
    return body;
  }
  if (route === 'POST /oeir/faults') {
    peers.oeir.setFaults(body as OeirFaults);
    return body;
  }
  const terminal = /^\/terminal\/(\d+)\/(scenario|state|reachable)$/u.exec(path);
  if (terminal && method === 'POST') {
    const kiosk = peers.kiosks[Number(terminal[1]) - 1];
    if (!kiosk) throw new NotFound(`no terminal ${terminal[1]}`);
    if (terminal[2] === 'scenario') {
      const scenario = String(body.scenario) as Scenario;
      if (!SCENARIOS.includes(scenario)) throw new Error(`scenario must be one of ${SCENARIOS.join(', ')}`);
      kiosk.terminal.queueScenario(scenario, Number(body.count ?? 1));
    } else if (terminal[2] === 'reachable') void kiosk.terminal.setReachable(body.reachable !== false);
    else kiosk.terminal.setState(body as never);
    return { ok: true };
  }
  const printer = /^\/printer\/(\d+)\/state$/u.exec(path);
  if (printer && method === 'POST') {
    const kiosk = peers.kiosks[Number(printer[1]) - 1];
    if (!kiosk) throw new NotFound(`no printer ${printer[1]}`);
    kiosk.printer.setState(body as never);
    return { ok: true };
  }
  throw new NotFound(`no control ${route}; GET / lists them`);
}

/** The money record of every peer: what FBS and ØiR registered, what each terminal captured. */
export function ledgers(peers: Pick<Peers, 'fbs' | 'oeir' | 'kiosks'>): Record<string, unknown> {
  return {
    fbs: peers.fbs.ledger,
    oeir: [...peers.oeir.ledger.values()],
    oeirBalances: peers.oeir.balances(),
    terminals: peers.kiosks.map((k) => ({
      kiosk: k.index,
      payments: k.terminal.entries('Payment').map((e) => ({
        saleTransactionId: e.saleTransactionId,
        serviceId: e.serviceId,
        amountOre: e.amountOre,
        state: e.state,
        captured: e.captured,
        reversed: e.reversed,
        poiTransactionId: e.poiTransactionId,
      })),
    })),
    receipts: peers.kiosks.map((k) => ({ kiosk: k.index, count: k.printer.receipts().length })),
  };
}

function describe(peers: Pick<Peers, 'fbs' | 'oeir' | 'kiosks'>, controlUrl: string): Record<string, unknown> {
  return {
    control: {
      url: controlUrl,
      'GET /': 'this list',
      'GET /ledgers': 'what FBS and ØiR registered and what each terminal captured',
      'POST /reset': 'every peer back to normal; {"keepLedger": true} keeps what was paid and registered',
      'POST /fbs/faults': 'e.g. {"status": {"code": 503, "times": 1000000}, "pathIncludes": "/payment/v2"}, {} clears',
      'POST /oeir/faults': 'e.g. {"status": {"code": 503, "times": 1000000}}, {"hang": {"times": 1}}, {} clears',
      'POST /terminal/<n>/scenario': `{"scenario": one of ${SCENARIOS.join(', ')}}`,
      'POST /terminal/<n>/state': '{"loggedOut": true}',
      'POST /terminal/<n>/reachable': '{"reachable": false} unplugs the terminal',
      'POST /printer/<n>/state': '{"paper": "out"}',
    },
    fbs: { url: peers.fbs.url, controls: `${peers.fbs.url}/_sandbox/ (ledger, faults, reset)` },
    oeir: { url: peers.oeir.url },
    kiosks: peers.kiosks.map((k) => ({
      kiosk: k.index,
      config: k.configFile,
      start: `KIOSK_CONFIG=${k.configFile} KIOSK_BROWSER_MODE=1 npm start`,
      terminal: k.terminal.url,
      printer: `tcp://${k.printer.host}:${k.printer.port}`,
    })),
  };
}
