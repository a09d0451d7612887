import type { PeerCertificate } from 'node:tls';

/**
 * Who an Adyen terminal is, by its TLS certificate. A terminal is reached by its IP address on
 * the shop's network, but its certificate names it `<POIID>.<test|live>.terminal.adyen.com`
 * (older terminals: `legacy-terminal-certificate.<test|live>.terminal.adyen.com`), signed by
 * Adyen's terminal root (`terminal.caPath`). Node's usual check compares the name with the IP
 * and refuses every real terminal; this check is the one Adyen's own libraries make — the
 * common name against that pattern (adyen-java-api-library TerminalCommonNameValidator,
 * adyen-node-api-library helpers/checkServerIdentity.js) — and, stricter than theirs, against
 * the POIID this kiosk is configured for, so another terminal on the network is not taken for it.
 */
export function adyenTerminalName(poiId: string, environment: 'test' | 'live'): string {
  return `${poiId}.${environment}.terminal.adyen.com`;
}

const NAME = /^(?<id>[A-Za-z0-9]+-[A-Za-z0-9]+|legacy-terminal-certificate)\.(?:test|live)\.terminal\.adyen\.com$/u;

/** For tls.connect's `checkServerIdentity`: undefined when the certificate names this terminal. */
export function checkAdyenTerminalIdentity(poiId: string) {
  return (_host: string, cert: PeerCertificate): Error | undefined => {
    const cn = cert.subject?.CN;
    const names = Array.isArray(cn) ? cn : cn ? [cn] : [];
    for (const name of names) {
      const id = NAME.exec(name)?.groups?.id;
      if (id === 'legacy-terminal-certificate' || (id && id.toLowerCase() === poiId.toLowerCase())) return undefined;
    }
    const error = new Error(
      `the terminal's certificate names ${names.join(', ') || 'nothing'}, not ${adyenTerminalName(poiId, 'live')} ` +
        `or ${adyenTerminalName(poiId, 'test')} (check terminal.poiId and terminal.caPath)`,
    ) as Error & { code: string };
    error.code = 'ERR_TLS_CERT_ALTNAME_INVALID';
    return error;
  };
}
