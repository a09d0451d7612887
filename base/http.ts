import { Agent, request, type Dispatcher } from 'undici';
import { messageOf } from './errors.js';

/**
 * One HTTP exchange with a remote system: a timeout that covers the whole call (connect, headers
 * and body), and a cap on the response size so a broken or hostile server cannot exhaust memory.
 * Integrations classify the result; this layer only says what happened on the wire.
 */
export class HttpFailure extends Error {
  override name = 'HttpFailure';
  /**
   * True only when the connection failed before anything was sent (refused, no route, name not
   * found, TLS certificate refused): the remote cannot have acted on the request. A reset, a
   * timeout or a lost answer leave it unknown whether the remote acted.
   */
  readonly beforeSend: boolean;
  constructor(
    readonly kind: 'timeout' | 'network' | 'too-large',
    message: string,
    readonly code?: string,
  ) {
    super(message);
    this.beforeSend = code !== undefined && CONNECT_PHASE_CODES.has(code);
  }
}

const CONNECT_PHASE_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EADDRNOTAVAIL',
  'UND_ERR_CONNECT_TIMEOUT',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  // More of the server certificate's verification failures: all in the TLS handshake, before
  // any request byte is sent.
  'CERT_SIGNATURE_FAILURE',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'UNABLE_TO_GET_ISSUER_CERT',
]);

export interface HttpRequest {
  readonly method: 'GET' | 'POST' | 'DELETE';
  readonly url: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string;
  readonly timeoutMs: number;
  readonly maxBytes?: number;
}

export interface HttpResponse {
  readonly status: number;
  readonly text: string;
}

const DEFAULT_MAX_BYTES = 4 * 1024 * 1024;
const TIMEOUT_CODES = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'UND_ERR_CONNECT_TIMEOUT']);

/** A keep-alive connection pool; one per remote system. */
export function createHttpAgent(): Agent {
  return new Agent({ keepAliveTimeout: 10_000, connections: 16 });
}

export async function httpExchange(agent: Dispatcher, req: HttpRequest): Promise<HttpResponse> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), req.timeoutMs);
  const maxBytes = req.maxBytes ?? DEFAULT_MAX_BYTES;
  try {
    const response = await request(req.url, {
      method: req.method,
      headers: {
        accept: 'application/json',
        ...(req.body === undefined ? {} : { 'content-type': 'application/json' }),
        ...req.headers,
      },
      body: req.body,
      signal: controller.signal,
      dispatcher: agent,
      headersTimeout: req.timeoutMs,
      bodyTimeout: req.timeoutMs,
    });
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of response.body as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > maxBytes) {
        response.body.destroy();
        throw new HttpFailure('too-large', `response larger than ${maxBytes} bytes`);
      }
      chunks.push(chunk);
    }
    return { status: response.statusCode, text: Buffer.concat(chunks).toString('utf8') };
  } catch (error) {
    if (error instanceof HttpFailure) throw error;
    const code = (error as { code?: string }).code ?? (error as { cause?: { code?: string } }).cause?.code;
    if (controller.signal.aborted || (code !== undefined && TIMEOUT_CODES.has(code))) {
      throw new HttpFailure('timeout', `no complete answer within ${req.timeoutMs} ms`, code);
    }
    throw new HttpFailure('network', `${code ?? 'network error'}: ${messageOf(error)}`, code);
  } finally {
    clearTimeout(timer);
  }
}
