import axios, { type AxiosInstance } from 'axios';
import http from 'node:http';
import https from 'node:https';
import type { OrganisationCertificate } from './certificates.js';
import { OeirError } from './errors.js';

/** A DOCTYPE or an entity declaration anywhere in an answer: the door to XXE and entity bombs. */
const DANGEROUS_XML = /<!DOCTYPE|<!ENTITY/i;

/**
 * ØiR answers are about ten elements deep. The SOAP library's parser needs seconds of CPU for a
 * document nested tens of thousands deep (found by fuzzing: 9 s for 100,000 levels, with the
 * whole core blocked meanwhile), so anything deeper than this is refused unparsed.
 */
export const MAX_XML_DEPTH = 64;

/** Whether elements nest deeper than `limit`: one linear pass over the tags, no parsing. */
export function xmlNestsDeeperThan(text: string, limit: number): boolean {
  let depth = 0;
  for (let i = text.indexOf('<'); i !== -1; i = text.indexOf('<', i + 1)) {
    const next = text.charCodeAt(i + 1);
    if (next === 0x2f /* </ */) depth--;
    else if (next !== 0x21 /* <! */ && next !== 0x3f /* <? */) {
      const end = text.indexOf('>', i);
      if (end === -1) return false;
      if (text.charCodeAt(end - 1) !== 0x2f /* /> */ && ++depth > limit) return true;
    }
  }
  return false;
}

export interface SoapTransport {
  /** Handed to `soap` as its HTTP client: every answer passes the checks below before parsing. */
  readonly request: AxiosInstance;
  close(): void;
}

/**
 * The HTTP(S) transport under the SOAP client: mutual TLS with the organisation certificate,
 * keep-alive, a timeout on every call, a cap on answer size, and refusal of answers with a
 * DOCTYPE or entity declarations, or absurd nesting, before any XML parser sees them (the SOAP library would
 * otherwise strip the prologue and parse what is left).
 */
export function createSoapTransport(options: {
  readonly certificate?: OrganisationCertificate;
  /** Extra trusted CA (PEM) for the server's certificate; otherwise the system's CAs. */
  readonly caPem?: string;
  readonly timeoutMs: number;
  readonly maxBytes?: number;
}): SoapTransport {
  const cert = options.certificate;
  const httpsAgent = new https.Agent({
    keepAlive: true,
    maxSockets: 16,
    ...(cert ? { key: cert.keyPem, cert: [cert.certPem, ...cert.chainPem].join('\n') } : {}),
    ...(options.caPem ? { ca: options.caPem } : {}),
  });
  const httpAgent = new http.Agent({ keepAlive: true, maxSockets: 16 });
  const maxBytes = options.maxBytes ?? 2 * 1024 * 1024;
  const request = axios.create({
    httpsAgent,
    httpAgent,
    timeout: options.timeoutMs,
    maxContentLength: maxBytes,
    maxBodyLength: maxBytes,
    maxRedirects: 0,
    transitional: { clarifyTimeoutError: true },
  });
  request.interceptors.response.use((response) => {
    const body: unknown = response.data;
    const text = typeof body === 'string' ? body : Buffer.isBuffer(body) ? body.toString('utf8') : '';
    if (DANGEROUS_XML.test(text)) {
      throw new OeirError('bad-response', 'refused an answer with a DOCTYPE or entity declaration', {
        status: response.status,
      });
    }
    if (xmlNestsDeeperThan(text, MAX_XML_DEPTH)) {
      throw new OeirError('bad-response', `refused an answer nested deeper than ${MAX_XML_DEPTH} elements`, {
        status: response.status,
      });
    }
    return response;
  });
  return {
    request,
    close() {
      httpsAgent.destroy();
      httpAgent.destroy();
    },
  };
}
