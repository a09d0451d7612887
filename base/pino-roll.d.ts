/** pino-roll 4 ships no types: what the kiosk uses of it (base/log.ts). */
declare module 'pino-roll' {
  import type SonicBoom from 'sonic-boom';

  export interface PinoRollOptions {
    /** The files' path and base name; a date and a number are added: `kiosk.2026-12-03.1.log`. */
    readonly file: string;
    readonly extension?: string;
    /** `daily`, `hourly` or milliseconds. */
    readonly frequency?: 'daily' | 'hourly' | number;
    readonly dateFormat?: string;
    /** e.g. `20m`. */
    readonly size?: string;
    /** How many files to keep. */
    readonly limit?: { readonly count: number };
    /** A `current.log` link to the file being written. */
    readonly symlink?: boolean;
    readonly mkdir?: boolean;
    /** File mode of new files (passed to sonic-boom). */
    readonly mode?: number;
    readonly sync?: boolean;
  }

  export default function pinoRoll(options: PinoRollOptions): Promise<SonicBoom>;
}
