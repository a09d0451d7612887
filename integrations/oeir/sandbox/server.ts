import { fileURLToPath } from 'node:url';
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import * as soap from 'soap';
import { closeNow } from '../../../base/loopback-server.js';
import { kronerTextToOre, oreToKronerText } from '../../../contract/index.js';
import { schemaErrors } from './schema-check.js';
import { checkTokenCall } from './token-check.js';

/**
 * The ØiR sandbox: DebitorIndbetalingAfsend served by `soap` from the kiosk's modelled WSDL
 * (integrations/oeir/wsdl), over HTTPS with mutual TLS (only client certificates from the sandbox
 * CA get in). Every request is first checked against the service's schema and Serviceplatformen's
 * context schemas (schema-check.ts); one that fails gets a SOAP Client fault, as the platform
 * answers, and is never registered. It checks the AuthorityContext, keeps a ledger keyed by the payment identifier (a repeat gets the first
 * receipt, marked as already registered), tracks what is left on each sub-claim, and has fault
 * switches for every way Serviceplatformen can fail.
 */

export const DEFAULT_WSDL = fileURLToPath(new URL('../wsdl/DebitorIndbetalingAfsend.wsdl', import.meta.url));
export const SERVICE_PATH = '/service/OIR/DebitorIndbetalingAfsend/1';

export interface OeirFaults {
  /** Answer the next `times` calls with this HTTP status and no SOAP body. */
  status?: { code: number; times: number };
  /** Added before every answer. */
  slowMs?: number;
  /** Never answer the next `times` calls. */
  hang?: { times: number };
  /** Reset the connection of the next `times` calls. */
  reset?: { times: number };
  /** Refuse the next `times` payments with this business fault code. */
  business?: { code: string; times: number };
  /** Answer the next `times` calls with a ServiceplatformFault. */
  platform?: { times: number };
  /** Answer the next `times` calls with broken XML. */
  malformed?: { times: number };
  /** Answer the next `times` calls with an XXE payload (DOCTYPE + external entity). */
  xxe?: { times: number };
}

export interface OeirLedgerEntry {
  readonly paymentId: string;
  readonly receiptId: string;
  readonly amountOre: number;
  readonly feeIds: readonly string[];
  readonly municipalityCvr: string;
  readonly terminalTransactionRef: string;
  readonly at: string;
}

export interface OeirSandboxOptions {
  /** Server TLS; null serves plain HTTP (only for comparing against a bare client). */
  readonly tls: { readonly keyPem: string; readonly certPem: string; readonly caPem: string } | null;
  readonly municipalityCvr: string;
  /** Open debtor-route sub-claims by FBS fee id, with what is left to pay. */
  readonly claims: Readonly<Record<string, number>>;
  /**
   * Check each request against the schema (default). Only the benchmark turns it off: it measures
   * the client's throughput, and the check (about 10 ms, one at a time) would measure the sandbox.
   */
  readonly checkSchema?: boolean;
  /**
   * The token-based security model: every call must carry a token from this STS for this
   * audience and be signed by its holder (sandbox/token-check.ts); anything else gets a
   * WS-Security fault. Absent: the certificate model (mutual TLS and the context in the body).
   */
  readonly token?: { readonly stsCertPem: string; readonly audience: string; readonly now?: () => number };
}

/** The debtor-route claims of the FBS sandbox's demo borrowers. */
export const DEMO_DEBTOR_CLAIMS: Readonly<Record<string, number>> = { '6001': 24995, '7002': 12025 };
export const DEMO_MUNICIPALITY_CVR = '29189846';

interface Fault {
  Fault: { faultcode: string; faultstring: string; detail: Record<string, unknown>; statusCode: number };
}

const DIA = 'http://kombit.dk/xml/schemas/oir/DebitorIndbetalingAfsend/1/';
const SPF = 'http://serviceplatformen.dk/xml/schemas/ServiceplatformFault/1/';

export class OeirSandbox {
  readonly ledger = new Map<string, OeirLedgerEntry>();
  private readonly registeredListeners = new Set<(entry: OeirLedgerEntry) => void>();
  /** Raw request bodies, newest last (for schema validation in tests). */
  readonly requests: string[] = [];
  /** Token model: calls whose token and signature verified, and the refusals (newest last). */
  readonly tokenCalls: { readonly assertionId: string; readonly cvr: string }[] = [];
  readonly tokenRefusals: string[] = [];
  private remaining = new Map<string, number>();
  private faults: OeirFaults = {};
  private token: OeirSandboxOptions['token'] | null;
  private server: Server | null = null;
  private receipts = 0;
  url = '';

  constructor(private readonly options: OeirSandboxOptions) {
    this.token = options.token ?? null;
    this.reset();
  }

  /** Back to the seeded claims, no ledger, no faults; `keepLedger`: only the faults go. */
  reset(options: { keepLedger?: boolean } = {}): void {
    if (options.keepLedger) {
      this.faults = {};
      return;
    }
    this.remaining = new Map(Object.entries(this.options.claims));
    this.ledger.clear();
    this.requests.length = 0;
    this.tokenCalls.length = 0;
    this.tokenRefusals.length = 0;
    this.faults = {};
    this.receipts = 0;
  }

  /** What is left to pay on each sub-claim the sandbox knows (FBS fee id → øre). */
  balances(): Record<string, number> {
    return Object.fromEntries(this.remaining);
  }

  /** More open sub-claims (FBS fee id → øre left), e.g. for tests with many borrowers. Kept until reset. */
  addClaims(claims: Readonly<Record<string, number>>): void {
    for (const [feeId, ore] of Object.entries(claims)) this.remaining.set(feeId, ore);
  }

  /** Each payment the debtor system takes, as it happens (the demo prints them). */
  onRegistered(listener: (entry: OeirLedgerEntry) => void): () => void {
    this.registeredListeners.add(listener);
    return () => this.registeredListeners.delete(listener);
  }

  /** Switches the security model between runs (the fault matrix runs both on one sandbox). */
  setTokenTrust(token: OeirSandboxOptions['token'] | null): void {
    this.token = token;
  }

  setFaults(faults: OeirFaults): void {
    this.faults = structuredClone(faults);
  }

  async start(port = 0): Promise<string> {
    const tls = this.options.tls;
    const server: Server = tls
      ? createHttpsServer({
          key: tls.keyPem,
          cert: tls.certPem,
          ca: tls.caPem,
          requestCert: true,
          rejectUnauthorized: true,
        })
      : createHttpServer();
    server.keepAliveTimeout = 5000;
    const wsdlPath = DEFAULT_WSDL;
    await new Promise<void>((ready) => {
      soap.listen(server, {
        path: SERVICE_PATH,
        xml: readFileSync(wsdlPath, 'utf8'),
        uri: wsdlPath,
        services: this.services(),
        customDeserializer: { decimal: (t: string) => t, long: (t: string) => t },
        callback: () => ready(),
      } as soap.IServerOptions);
    });
    // Fault switches and request capture sit in front of the SOAP handler.
    const soapListener = server.listeners('request')[0] as (req: IncomingMessage, res: ServerResponse) => void;
    server.removeAllListeners('request');
    server.on('request', (req, res) => void this.front(req, res, soapListener));
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    this.server = server;
    this.url = `${tls ? 'https' : 'http'}://127.0.0.1:${(server.address() as AddressInfo).port}${SERVICE_PATH}`;
    return this.url;
  }

  async close(): Promise<void> {
    if (this.server) await closeNow(this.server);
    this.server = null;
  }

  private async front(
    req: IncomingMessage,
    res: ServerResponse,
    soapListener: (req: IncomingMessage, res: ServerResponse) => void,
  ): Promise<void> {
    if (req.method === 'POST') {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      await new Promise((resolve) => req.once('end', resolve));
      const body = Buffer.concat(chunks);
      this.requests.push(body.toString('utf8'));
      if (this.requests.length > 200) this.requests.shift();
      if (this.faults.slowMs) await new Promise((r) => setTimeout(r, this.faults.slowMs));
      if (this.take('hang')) return;
      if (this.take('reset')) {
        req.socket.destroy();
        return;
      }
      if (this.faults.status && this.faults.status.times > 0) {
        this.faults.status.times--;
        res
          .writeHead(this.faults.status.code, { 'content-type': 'text/html' })
          .end('<html><body>Service unavailable</body></html>');
        return;
      }
      if (this.take('platform'))
        return void sendXml(res, 500, platformFaultXml('SP-TEKNISK', 'Midlertidig teknisk fejl på Serviceplatformen'));
      if (this.take('malformed'))
        return void sendXml(
          res,
          200,
          '<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><Kvittering>',
        );
      if (this.take('xxe')) return void sendXml(res, 200, XXE_ANSWER);
      const token = this.token;
      if (token) {
        const verdict = checkTokenCall(body.toString('utf8'), {
          stsCertPem: token.stsCertPem,
          audience: token.audience,
          now: token.now ?? Date.now,
        });
        if (!verdict.ok) {
          this.tokenRefusals.push(`${verdict.code}: ${verdict.reason}`);
          return void sendXml(res, 500, securityFaultXml(verdict.code, verdict.reason));
        }
        // The token says whom the system acts for: the municipality this debtor system serves.
        if (verdict.cvr !== this.options.municipalityCvr)
          return void sendXml(
            res,
            500,
            platformFaultXml('SP-AUTORISATION', 'Ingen gyldig serviceaftale for den angivne myndighed'),
          );
        this.tokenCalls.push({ assertionId: verdict.assertionId, cvr: verdict.cvr });
      }
      const invalid = this.options.checkSchema === false ? [] : await schemaErrors(body.toString('utf8'));
      if (invalid.length > 0) return void sendXml(res, 500, invalidRequestFaultXml(invalid));
      // soap's listener takes a body that was already read, as from a body parser.
      (req as IncomingMessage & { body?: Buffer }).body = body;
      soapListener(req, res);
      return;
    }
    soapListener(req, res);
  }

  private take(kind: 'hang' | 'reset' | 'platform' | 'malformed' | 'xxe'): boolean {
    const fault = this.faults[kind];
    if (!fault || fault.times <= 0) return false;
    fault.times--;
    return true;
  }

  private services(): soap.IServices {
    return {
      DebitorIndbetalingAfsendService: {
        DebitorIndbetalingAfsendPort: {
          ForetagIndbetaling: (args: Record<string, unknown>) => this.foretagIndbetaling(args),
          SøgDelfordringTilIndbetaling: (args: Record<string, unknown>) => this.soeg(args),
        },
      },
    };
  }

  private checkContext(args: Record<string, unknown>): string {
    const authority = args.AuthorityContext as { MunicipalityCVR?: string } | undefined;
    const invocation = args.InvocationContext as Record<string, string> | undefined;
    if (authority?.MunicipalityCVR === this.options.municipalityCvr) return authority.MunicipalityCVR;
    if (invocation?.ServiceAgreementUUID && invocation.UserSystemUUID && invocation.UserUUID && invocation.ServiceUUID)
      return 'invocation';
    throw platformFault('SP-AUTORISATION', 'Ingen gyldig serviceaftale for den angivne myndighed');
  }

  private foretagIndbetaling(args: Record<string, unknown>): unknown {
    const cvr = this.checkContext(args);
    const payment = args.Indbetaling as {
      IndbetalingIdentifikator: string;
      Beloeb: string;
      TerminalTransaktionReference: string;
      DelfordringListe: {
        Delfordring:
          | { FagsystemFordringReference: string; Beloeb: string }
          | { FagsystemFordringReference: string; Beloeb: string }[];
      };
    };
    const id = payment.IndbetalingIdentifikator;
    const subClaims = [payment.DelfordringListe.Delfordring].flat();
    const earlier = this.ledger.get(id);
    if (earlier) return receipt(id, earlier.receiptId, true, this.restance(earlier.feeIds));

    if (this.faults.business && this.faults.business.times > 0) {
      this.faults.business.times--;
      throw businessFault(this.faults.business.code, 'Afvist af sandkassen (fejlkontakt)');
    }
    const total = kronerTextToOre(payment.Beloeb);
    if (subClaims.reduce((sum, d) => sum + kronerTextToOre(d.Beloeb), 0) !== total) {
      throw businessFault('UgyldigIndbetaling', 'Beløbet svarer ikke til summen af delfordringerne');
    }
    for (const d of subClaims) {
      const left = this.remaining.get(d.FagsystemFordringReference);
      if (left === undefined)
        throw businessFault('UkendtFordring', 'Delfordringen findes ikke', d.FagsystemFordringReference);
      if (left === 0) throw businessFault('FordringLukket', 'Delfordringen er betalt', d.FagsystemFordringReference);
      if (kronerTextToOre(d.Beloeb) > left)
        throw businessFault('BeloebOverstigerRestance', 'Beløbet overstiger restancen', d.FagsystemFordringReference);
    }
    for (const d of subClaims)
      this.remaining.set(
        d.FagsystemFordringReference,
        this.remaining.get(d.FagsystemFordringReference)! - kronerTextToOre(d.Beloeb),
      );
    const feeIds = subClaims.map((d) => d.FagsystemFordringReference);
    const receiptId = `KV-${String(++this.receipts).padStart(8, '0')}`;
    const entry: OeirLedgerEntry = {
      paymentId: id,
      receiptId,
      amountOre: total,
      feeIds,
      municipalityCvr: cvr,
      terminalTransactionRef: payment.TerminalTransaktionReference,
      at: new Date().toISOString(),
    };
    this.ledger.set(id, entry);
    for (const listener of this.registeredListeners) listener(entry);
    return receipt(id, receiptId, false, this.restance(feeIds));
  }

  private soeg(args: Record<string, unknown>): unknown {
    this.checkContext(args);
    const refs = [args.FagsystemFordringReference as string | string[]].flat();
    return {
      Delfordring: refs.map((ref) => {
        const left = this.remaining.get(ref);
        if (left === undefined) return { FagsystemFordringReference: ref, Status: 'Ukendt' };
        return {
          FagsystemFordringReference: ref,
          Status: left > 0 ? 'Aaben' : 'Lukket',
          RestanceBeloeb: oreToKronerText(left),
        };
      }),
    };
  }

  private restance(feeIds: readonly string[]): string {
    return oreToKronerText(feeIds.reduce((sum, id) => sum + (this.remaining.get(id) ?? 0), 0));
  }
}

function receipt(id: string, receiptId: string, already: boolean, restance: string): unknown {
  return {
    IndbetalingKvittering: {
      IndbetalingIdentifikator: id,
      KvitteringIdentifikator: receiptId,
      AlleredeRegistreret: already,
      RestanceBeloeb: restance,
    },
  };
}

function businessFault(code: string, text: string, feeId?: string): Fault {
  return {
    Fault: {
      faultcode: 'soap:Client',
      faultstring: code,
      detail: {
        'dia:IndbetalingFejl': {
          attributes: { 'xmlns:dia': DIA },
          'dia:FejlKode': code,
          'dia:FejlTekst': text,
          ...(feeId ? { 'dia:FagsystemFordringReference': feeId } : {}),
        },
      },
      statusCode: 500,
    },
  };
}

function platformFault(code: string, text: string): Fault {
  return {
    Fault: {
      faultcode: 'soap:Server',
      faultstring: code,
      detail: {
        'spf:ServiceplatformFault': {
          attributes: { 'xmlns:spf': SPF },
          'spf:ErrorList': { 'spf:Error': { 'spf:ErrorCode': code, 'spf:ErrorText': text } },
        },
      },
      statusCode: 500,
    },
  };
}

/**
 * A request that does not validate: a SOAP 1.1 Client fault (the sender's message is wrong, so
 * sending it again will not help) with a ServiceplatformFault naming what the schema refused.
 */
function invalidRequestFaultXml(errors: readonly string[]): string {
  const text = escapeXml(errors.slice(0, 5).join('; ').slice(0, 2000));
  return `<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><soap:Fault><faultcode>soap:Client</faultcode><faultstring>SP-SKEMAFEJL</faultstring><detail><spf:ServiceplatformFault xmlns:spf="${SPF}"><spf:ErrorList><spf:Error><spf:ErrorCode>SP-SKEMAFEJL</spf:ErrorCode><spf:ErrorText>Forespørgslen overholder ikke skemaet: ${text}</spf:ErrorText></spf:Error></spf:ErrorList></spf:ServiceplatformFault></detail></soap:Fault></soap:Body></soap:Envelope>`;
}

function escapeXml(text: string): string {
  return text.replace(/&/gu, '&amp;').replace(/</gu, '&lt;').replace(/>/gu, '&gt;');
}

/** A WS-Security fault (WSS 1.0 §12): the token or the message's security was refused. */
function securityFaultXml(code: string, reason: string): string {
  return `<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><soap:Fault><faultcode xmlns:wsse="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd">${code}</faultcode><faultstring>${escapeXml(reason)}</faultstring></soap:Fault></soap:Body></soap:Envelope>`;
}

function platformFaultXml(code: string, text: string): string {
  return `<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><soap:Fault><faultcode>soap:Server</faultcode><faultstring>${code}</faultstring><detail><spf:ServiceplatformFault xmlns:spf="${SPF}"><spf:ErrorList><spf:Error><spf:ErrorCode>${code}</spf:ErrorCode><spf:ErrorText>${text}</spf:ErrorText></spf:Error></spf:ErrorList></spf:ServiceplatformFault></detail></soap:Fault></soap:Body></soap:Envelope>`;
}

const XXE_ANSWER = `<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE kv [ <!ENTITY xxe SYSTEM "file:///etc/passwd"> ]>
<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><dia:ForetagIndbetalingResponse xmlns:dia="${DIA}"><dia:IndbetalingKvittering><dia:IndbetalingIdentifikator>&xxe;</dia:IndbetalingIdentifikator></dia:IndbetalingKvittering></dia:ForetagIndbetalingResponse></soap:Body></soap:Envelope>`;

function sendXml(res: ServerResponse, status: number, xml: string): void {
  res.writeHead(status, { 'content-type': 'text/xml; charset=utf-8' }).end(xml);
}
