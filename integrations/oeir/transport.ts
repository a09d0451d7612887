import axios, { type AxiosInstance } from 'axios';
import http from 'node:http';
import https from 'node:https';
import type { OrganisationCertificate } from './certificates.js';
import { OeirError } from './errors.js';

/** A DOCTYPE or an entity declaration anywhere in an answer: the door to XXE and entity bombs. */
const DANGEROUS_XML = /<!DOCTYPE|<!ENTITY/i;

export interface SoapTransport {
  /** Handed to `soap` as its HTTP client: every answer passes the checks below before parsing. */
  readonly request: AxiosInstance;
  close(): void;
}

/**
 * The HTTP(S) transport under the SOAP client: mutual TLS with the organisation certificate,
 * keep-alive, a timeout on every call, a cap on answer size, and refusal of answers with a
 * DOCTYPE or entity declarations before any XML parser sees them (the SOAP library would
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
