/**
 * Reads an ESC/POS byte stream back into text, as a receipt printer would print it: for the
 * printer simulator (demo and tests) and for checking what we send. Written from the ESC/POS
 * command reference, independently of the encoder we print with, so a test that decodes our
 * output checks the encoder too.
 *
 * Streaming: bytes arrive in chunks; a command cut across chunks waits for the rest. Real-time
 * status requests (DLE EOT n) are reported as they arrive, because a printer answers them at
 * once, before it prints what came earlier.
 */

// Code page 437 (and 865, which differs in three places), bytes 0x80-0xFF.
const CP437_HIGH =
  'ÇüéâäàåçêëèïîìÄÅÉæÆôöòûùÿÖÜ¢£¥₧ƒáíóúñÑªº¿⌐¬½¼¡«»░▒▓│┤╡╢╖╕╣║╗╝╜╛┐└┴┬├─┼╞╟╚╔╩╦╠═╬╧╨╤╥╙╘╒╓╫╪┘┌█▄▌▐▀αßΓπΣσµτΦΘΩδ∞φε∩≡±≥≤⌠⌡÷≈°∙·√ⁿ²■\u00a0';
const CP865_HIGH = [...CP437_HIGH].map((c, i) => ({ 0x1b: 'ø', 0x1d: 'Ø', 0x2f: '¤' })[i] ?? c).join('');
/** ESC t n → table, for the code pages our receipts use (Epson numbering). */
const CODE_PAGES: Record<number, string> = { 0: CP437_HIGH, 5: CP865_HIGH };

export type DecodedEvent =
  | { readonly kind: 'status-request'; readonly n: number }
  | { readonly kind: 'cut' }
  | { readonly kind: 'unknown-command'; readonly bytes: string };

export class EscPosDecoder {
  private pending: Buffer = Buffer.alloc(0);
  private codePage = 0;
  private line = '';
  /** Lines printed since the last cut. */
  private lines: string[] = [];

  constructor(private readonly onEvent: (event: DecodedEvent, printed: readonly string[]) => void = () => {}) {}

  push(chunk: Uint8Array): void {
    this.pending = this.pending.length ? Buffer.concat([this.pending, chunk]) : Buffer.from(chunk);
    let i = 0;
    while (i < this.pending.length) {
      const used = this.step(this.pending, i);
      if (used === 0) break; // incomplete command: wait for more bytes
      i += used;
    }
    this.pending = this.pending.subarray(i);
  }

  /** Text printed since the last cut (the current line included). */
  get printed(): string[] {
    return this.line ? [...this.lines, this.line] : [...this.lines];
  }

  /** Returns bytes consumed, 0 when the command at `i` is not complete yet. */
  private step(b: Buffer, i: number): number {
    const byte = b[i]!;
    const need = (n: number): boolean => i + n <= b.length;
    if (byte === 0x0a) {
      this.newline();
      return 1;
    }
    if (byte === 0x10) {
      // DLE EOT n: real-time status; DLE ENQ n / DLE DC4 …: other real-time commands.
      if (!need(3)) return 0;
      if (b[i + 1] === 0x04) this.onEvent({ kind: 'status-request', n: b[i + 2]! }, this.printed);
      return 3;
    }
    if (byte === 0x1b) return this.esc(b, i);
    if (byte === 0x1d) return this.gs(b, i);
    if (byte === 0x1c) {
      // FS . / FS & (Kanji off/on): one byte after FS.
      if (!need(2)) return 0;
      return 2;
    }
    if (byte < 0x20) return 1; // CR, NUL and other controls print nothing
    if (byte < 0x80) this.line += String.fromCharCode(byte);
    else this.line += CODE_PAGES[this.codePage]?.[byte - 0x80] ?? '?';
    return 1;
  }

  private esc(b: Buffer, i: number): number {
    if (i + 2 > b.length) return 0;
    const command = b[i + 1]!;
    const withArgs = (n: number): number => (i + 2 + n <= b.length ? 2 + n : 0);
    switch (command) {
      case 0x40: // ESC @ initialise
        this.codePage = 0;
        return 2;
      case 0x74: {
        // ESC t n: code page
        const used = withArgs(1);
        if (used) this.codePage = b[i + 2]!;
        return used;
      }
      case 0x64: {
        // ESC d n: print and feed n lines
        const used = withArgs(1);
        if (used) {
          this.newline();
          for (let k = 1; k < b[i + 2]!; k++) this.newline();
        }
        return used;
      }
      case 0x32: // ESC 2: default line spacing
        return 2;
      case 0x21: // ESC ! n   print mode
      case 0x2d: // ESC - n   underline
      case 0x33: // ESC 3 n   line spacing
      case 0x45: // ESC E n   bold
      case 0x47: // ESC G n   double strike
      case 0x4a: // ESC J n   feed dots
      case 0x4d: // ESC M n   font
      case 0x52: // ESC R n   international set
      case 0x56: // ESC V n   rotate
      case 0x61: // ESC a n   justification
      case 0x72: // ESC r n   colour
      case 0x7b: // ESC { n   upside down
      case 0x20: // ESC SP n  character spacing
        return withArgs(1);
      case 0x24: // ESC $ nL nH  absolute position
      case 0x5c: // ESC \ nL nH  relative position
        return withArgs(2);
      case 0x70: // ESC p m t1 t2  drawer kick
        return withArgs(3);
      default:
        this.onEvent({ kind: 'unknown-command', bytes: b.subarray(i, i + 2).toString('hex') }, this.printed);
        return 2;
    }
  }

  private gs(b: Buffer, i: number): number {
    if (i + 2 > b.length) return 0;
    const command = b[i + 1]!;
    const withArgs = (n: number): number => (i + 2 + n <= b.length ? 2 + n : 0);
    switch (command) {
      case 0x56: {
        // GS V m [n]: cut
        if (i + 3 > b.length) return 0;
        const m = b[i + 2]!;
        const used = m === 65 || m === 66 || m === 97 || m === 98 ? withArgs(2) : withArgs(1);
        if (used) this.cut();
        return used;
      }
      case 0x21: // GS ! n   character size
      case 0x42: // GS B n   reverse
      case 0x48: // GS H n   barcode text position
      case 0x66: // GS f n   barcode font
      case 0x68: // GS h n   barcode height
      case 0x77: // GS w n   barcode width
      case 0x61: // GS a n   automatic status back
      case 0x72: // GS r n   status
        return withArgs(1);
      case 0x4c: // GS L nL nH  left margin
      case 0x57: // GS W nL nH  print area width
        return withArgs(2);
      case 0x28: {
        // GS ( fn pL pH …: pL + pH·256 bytes follow
        if (i + 5 > b.length) return 0;
        return withArgs(3 + b[i + 3]! + b[i + 4]! * 256);
      }
      default:
        this.onEvent({ kind: 'unknown-command', bytes: b.subarray(i, i + 2).toString('hex') }, this.printed);
        return 2;
    }
  }

  private newline(): void {
    this.lines.push(this.line.replace(/\s+$/u, ''));
    this.line = '';
  }

  private cut(): void {
    if (this.line) this.newline();
    const receipt = this.lines;
    this.lines = [];
    this.onEvent({ kind: 'cut' }, receipt);
  }
}
