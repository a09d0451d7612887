import { z } from 'zod';
import { DEFAULT_LIBRARY_CARD_PATTERNS } from './codes.js';

/** A USB vendor or product id, hex. */
const HEX_ID = /^[0-9a-fA-F]{1,4}$/;

/** Scanners: serial, HID-POS and keyboard-wedge, and what counts as a library card. Its part of the kiosk's configuration (config/config.ts); every key has a demo default. */
export const ScannerConfig = z
  .object({
    /** Regular expressions for this installation's library card numbers (whole code). */
    libraryCardPatterns: z
      .array(
        z.string().refine(
          (p) => {
            try {
              new RegExp(p, 'u');
              return true;
            } catch {
              return false;
            }
          },
          { message: 'not a valid regular expression' },
        ),
      )
      .min(1)
      .max(20)
      .default([...DEFAULT_LIBRARY_CARD_PATTERNS]),
    /** The same code again within this window (any scanner) counts once. */
    debounceMs: z.number().int().min(0).max(60_000).default(1_500),
    /** How often to look for an unplugged scanner. */
    reconnectPollMs: z.number().int().min(50).max(60_000).default(1_000),
    /** Serial (USB-CDC, RS-232) scanners. */
    serial: z
      .array(
        z
          .object({
            /** A device path (/dev/ttyACM0, COM3), or empty to find the port by USB id. */
            path: z.string().max(300).default(''),
            /** USB ids, hex (e.g. "0c2e"). */
            vendorId: z.string().regex(HEX_ID).or(z.literal('')).default(''),
            productId: z.string().regex(HEX_ID).or(z.literal('')).default(''),
            baudRate: z.number().int().min(300).max(4_000_000).default(9_600),
            /** What ends each code: CR (factory default on most scanners), LF, CRLF, or a custom string. */
            suffix: z
              .union([z.enum(['CR', 'LF', 'CRLF']), z.object({ custom: z.string().min(1).max(16) }).strict()])
              .default('CR'),
            /** A prefix the scanner is set to send before each code (removed), or empty. */
            prefix: z.string().max(16).default(''),
          })
          .strict()
          .refine((s) => !!s.path || !!s.vendorId, { message: 'give a path or a vendorId', path: ['path'] }),
      )
      .max(8)
      .default([]),
    /** HID-POS scanners (USB HID usage page 0x8C), via node-hid. */
    hid: z
      .object({
        enabled: z.boolean().default(false),
        /** Empty: any device declaring the bar code scanner usage page. */
        vendorId: z.string().regex(HEX_ID).or(z.literal('')).default(''),
        productId: z.string().regex(HEX_ID).or(z.literal('')).default(''),
      })
      .strict()
      .prefault({}),
    /** Keyboard-wedge scanners, caught by the renderer from key timing. */
    wedge: z
      .object({
        enabled: z.boolean().default(true),
        maxInterKeyMs: z.number().int().min(5).max(500).default(50),
        minLength: z.number().int().min(2).max(64).default(6),
        suffixKey: z.enum(['Enter', 'Tab', 'none']).default('Enter'),
      })
      .strict()
      .prefault({}),
  })
  .strict();
export type ScannerConfig = z.infer<typeof ScannerConfig>;
