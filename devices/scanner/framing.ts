/**
 * Cuts a scanner's byte stream into codes. Serial scanners send each code followed by a suffix
 * (CR by factory default, often CR LF, sometimes a custom string) and, if configured, preceded by
 * a prefix. Bytes arrive in arbitrary chunks, so a code can be split across reads.
 *
 * Rules, chosen so that nothing is invented and nothing is lost:
 * - a code is emitted only when its suffix has arrived;
 * - an empty frame (e.g. the LF of a CR LF pair when the suffix is CR) is ignored;
 * - with a prefix configured, a frame without it is reported as malformed, not guessed at;
 * - a run longer than `maxFrameBytes` without a suffix is noise (a wrong baud rate, a scanner
 *   in another mode): it is discarded and reported, and framing resumes after the next suffix;
 * - `reset()` drops a half-received frame, used when the port closes: the rest of that code is
 *   gone with the cable, and gluing it to bytes from after a reconnect would invent a code.
 */
export type Suffix = 'CR' | 'LF' | 'CRLF' | { readonly custom: string };

export interface FramingOptions {
  readonly suffix: Suffix;
  readonly prefix?: string;
  readonly maxFrameBytes?: number;
}

export type Frame =
  | { readonly kind: 'code'; readonly code: string }
  | { readonly kind: 'malformed'; readonly reason: 'missing-prefix' | 'too-long' | 'not-text' };

export function suffixBytes(suffix: Suffix): Buffer {
  if (suffix === 'CR') return Buffer.from('\r');
  if (suffix === 'LF') return Buffer.from('\n');
  if (suffix === 'CRLF') return Buffer.from('\r\n');
  return Buffer.from(suffix.custom, 'utf8');
}

export class CodeFramer {
  private readonly suffix: Buffer;
  private readonly prefix: string;
  private readonly maxFrameBytes: number;
  private pending: Buffer = Buffer.alloc(0);
  /** True while discarding an over-long run up to its next suffix. */
  private skipping = false;

  constructor(options: FramingOptions) {
    this.suffix = suffixBytes(options.suffix);
    if (this.suffix.length === 0) throw new Error('a scanner suffix cannot be empty');
    this.prefix = options.prefix ?? '';
    this.maxFrameBytes = options.maxFrameBytes ?? 256;
  }

  /** Feeds one chunk; returns the frames it completed, in order. */
  push(chunk: Uint8Array): Frame[] {
    this.pending = this.pending.length === 0 ? Buffer.from(chunk) : Buffer.concat([this.pending, chunk]);
    const frames: Frame[] = [];
    for (;;) {
      const end = this.pending.indexOf(this.suffix);
      if (end < 0) break;
      const body = this.pending.subarray(0, end);
      this.pending = this.pending.subarray(end + this.suffix.length);
      if (this.skipping) {
        this.skipping = false;
        continue;
      }
      const frame = this.frame(body);
      if (frame) frames.push(frame);
    }
    if (!this.skipping && this.pending.length > this.maxFrameBytes) {
      frames.push({ kind: 'malformed', reason: 'too-long' });
      this.skipping = true;
    }
    // While skipping keep only what could be the start of a suffix split across chunks.
    if (this.skipping) this.pending = this.pending.subarray(Math.max(0, this.pending.length - this.suffix.length + 1));
    return frames;
  }

  /** Forgets a half-received frame (the port closed). */
  reset(): void {
    this.pending = Buffer.alloc(0);
    this.skipping = false;
  }

  /** Bytes held waiting for a suffix. */
  get buffered(): number {
    return this.pending.length;
  }

  private frame(body: Buffer): Frame | null {
    // The LF of CR LF when the suffix is CR (or the other way round) is not a code.
    const trimmed = stripLineBreaks(body);
    if (trimmed.length === 0) return null;
    if (trimmed.length > this.maxFrameBytes) return { kind: 'malformed', reason: 'too-long' };
    let text: string;
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(trimmed);
    } catch {
      return { kind: 'malformed', reason: 'not-text' };
    }
    if (this.prefix) {
      if (!text.startsWith(this.prefix)) return { kind: 'malformed', reason: 'missing-prefix' };
      text = text.slice(this.prefix.length);
      if (text.length === 0) return null;
    }
    return { kind: 'code', code: text };
  }
}

function stripLineBreaks(body: Buffer): Buffer {
  let start = 0;
  let end = body.length;
  while (start < end && (body[start] === 0x0a || body[start] === 0x0d)) start++;
  while (end > start && (body[end - 1] === 0x0a || body[end - 1] === 0x0d)) end--;
  return body.subarray(start, end);
}
