import { existsSync, statSync } from 'node:fs';
import { extname, join, normalize, sep } from 'node:path';

/**
 * The built renderer's files, as both shells serve them: browser mode over HTTP on loopback and
 * Electron through its own `kiosk://` scheme. One set of rules for both: our own files only,
 * nothing fetched from elsewhere, no path outside the renderer's directory.
 */

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
};

/**
 * The screen may load only its own scripts, styles and images. Browser mode talks to the kiosk
 * socket on loopback; Electron's screen uses IPC and may open no connection at all.
 */
export function contentSecurityPolicy(shell: 'browser' | 'electron'): string {
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    shell === 'browser' ? "connect-src 'self' ws://127.0.0.1:*" : "connect-src 'none'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

export function securityHeaders(shell: 'browser' | 'electron'): Readonly<Record<string, string>> {
  return {
    'content-security-policy': contentSecurityPolicy(shell),
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    'cache-control': 'no-store',
  };
}

/**
 * The file a URL path names inside the renderer's directory, or null (missing, or outside it).
 * Throws URIError for a malformed percent-encoding: a bad request, not a missing file.
 */
export function rendererFile(rendererDir: string, urlPathname: string): string | null {
  const pathname = decodeURIComponent(urlPathname);
  const root = normalize(rendererDir);
  const file = normalize(join(root, pathname === '/' || pathname === '' ? 'index.html' : pathname));
  if (!file.startsWith(root + sep) || !existsSync(file) || !statSync(file).isFile()) return null;
  return file;
}

export function contentType(file: string): string {
  return TYPES[extname(file)] ?? 'application/octet-stream';
}
