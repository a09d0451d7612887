import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { EscPosDecoder } from './escpos-decode.js';

/**
 * A network receipt printer on loopback (the TCP 9100 "raw" protocol): the demo prints to it and
 * the tests read what it printed. It decodes ESC/POS as a printer would, keeps each receipt's
 * text (split at the paper cut), and answers real-time status requests from its state, so out
 * of paper, cover open and offline can be shown without a real printer.
 */
export interface PrinterSimulatorState {
  paper: 'ok' | 'low' | 'out';
  coverOpen: boolean;
  /** Answers DLE EOT status requests (some cheap printers do not). */
  answersStatus: boolean;
  /** Paper runs out after this many more receipts (null: never). */
  paperOutAfter: number | null;
}

const MAX_KEPT_RECEIPTS = 500;

export class PrinterSimulator {
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();
  private readonly printed: string[][] = [];
  private state: PrinterSimulatorState = { paper: 'ok', coverOpen: false, answersStatus: true, paperOutAfter: null };

  private constructor(
    readonly host: string,
    readonly port: number,
    server: Server,
  ) {
    this.server = server;
  }

  static async start(options: { port?: number } = {}): Promise<PrinterSimulator> {
    let simulator: PrinterSimulator | null = null;
    const server = createServer((socket) => simulator?.accept(socket));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 0, '127.0.0.1', resolve);
    });
    simulator = new PrinterSimulator('127.0.0.1', (server.address() as AddressInfo).port, server);
    return simulator;
  }

  setState(change: Partial<PrinterSimulatorState>): void {
    this.state = { ...this.state, ...change };
  }

  /** Forgets the receipts printed so far (the soak measures the kiosk, not this simulator). */
  clearReceipts(): void {
    this.printed.length = 0;
  }

  /** Receipts printed so far, as lines of text, oldest first. */
  receipts(): string[][] {
    return this.printed.map((lines) => [...lines]);
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(socket: Socket): void {
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    socket.on('error', () => undefined);
    const decoder = new EscPosDecoder((event, lines) => {
      if (event.kind === 'status-request') {
        const answer = this.answer(event.n);
        if (answer !== null) socket.write(Uint8Array.of(answer));
      } else if (event.kind === 'cut' && this.canPrint()) {
        this.printed.push([...lines]);
        // A demo kiosk runs for weeks: keep the latest receipts, not all of them.
        if (this.printed.length > MAX_KEPT_RECEIPTS) this.printed.splice(0, this.printed.length - MAX_KEPT_RECEIPTS);
        if (this.state.paperOutAfter !== null) {
          this.state.paperOutAfter -= 1;
          if (this.state.paperOutAfter <= 0) this.setState({ paper: 'out', paperOutAfter: null });
        }
      }
    });
    socket.on('data', (chunk) => decoder.push(chunk));
  }

  private canPrint(): boolean {
    return this.state.paper !== 'out' && !this.state.coverOpen;
  }

  /** ESC/POS DLE EOT n answers: bits 1 and 4 always set. */
  private answer(n: number): number | null {
    if (!this.state.answersStatus) return null;
    const base = 0x12;
    const offline = !this.canPrint();
    switch (n) {
      case 1:
        return base | (offline ? 0x08 : 0);
      case 2:
        return base | (this.state.coverOpen ? 0x04 : 0) | (this.state.paper === 'out' ? 0x20 : 0);
      case 3:
        return base;
      case 4:
        return base | (this.state.paper === 'out' ? 0x60 : 0) | (this.state.paper === 'low' ? 0x0c : 0);
      default:
        return null;
    }
  }
}
