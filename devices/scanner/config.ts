import { z } from 'zod';
import { DEFAULT_LIBRARY_CARD_PATTERNS } from './codes.js';

/** A USB vendor or product id, hex. */
const HEX_ID = /^[0-9a-fA-F]{1,4}$/;
/** A USB id setting: hex, or empty for "any". */
const usbId = (text: string) => z.string().regex(HEX_ID).or(z.literal('')).default('').describe(text);

/** Scanners: serial, HID-POS and keyboard-wedge, and what counts as a library card. Its part of the kiosk's configuration (config/config.ts); every key has a demo default. */
export const ScannerConfig = z
  .object({
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
      .default([...DEFAULT_LIBRARY_CARD_PATTERNS])
      .describe("Regular expressions for this installation's library card numbers (whole code)."),
    debounceMs: z
      .number()
      .int()
      .min(0)
      .max(60_000)
      .default(1_500)
      .describe('The same code again within this window (any scanner) counts once.'),
    reconnectPollMs: z
      .number()
      .int()
      .min(50)
      .max(60_000)
      .default(1_000)
      .describe('How often to look for an unplugged scanner.'),
    serial: z
      .array(
        z
          .object({
            path: z
              .string()
              .max(300)
              .default('')
              .describe('A device path (/dev/ttyACM0, COM3), or empty to find the port by USB id.'),
            vendorId: usbId('USB ids, hex (e.g. "0c2e").'),
            productId: usbId('USB product id, hex (with vendorId).'),
            baudRate: z
              .number()
              .int()
              .min(300)
              .max(4_000_000)
              .default(9_600)
              .describe('Serial speed (most USB-CDC scanners ignore it).'),
            suffix: z
              .union([z.enum(['CR', 'LF', 'CRLF']), z.object({ custom: z.string().min(1).max(16) }).strict()])
              .default('CR')
              .describe('What ends each code: CR (factory default on most scanners), LF, CRLF, or a custom string.'),
            prefix: z
              .string()
              .max(16)
              .default('')
              .describe('A prefix the scanner is set to send before each code (removed), or empty.'),
          })
          .strict()
          .refine((s) => !!s.path || !!s.vendorId, { message: 'give a path or a vendorId', path: ['path'] }),
      )
      .max(8)
      .default([])
      .describe('Serial (USB-CDC, RS-232) scanners.'),
    hid: z
      .object({
        enabled: z
          .boolean()
          .default(false)
          .describe('Look for HID-POS scanners (needs libusb-1.0 and read access to /dev/hidraw* on Linux).'),
        vendorId: usbId('Empty: any device declaring the bar code scanner usage page.'),
        productId: usbId('USB product id, hex (with vendorId).'),
      })
      .strict()
      .prefault({})
      .describe('HID-POS scanners (USB HID usage page 0x8C), via node-hid.'),
    wedge: z
      .object({
        enabled: z
          .boolean()
          .default(true)
          .describe('Catch scans from keyboard-wedge scanners (typed as keys) in the kiosk window.'),
        maxInterKeyMs: z
          .number()
          .int()
          .min(5)
          .max(500)
          .default(100)
          .describe(
            'Keys closer together than this are a scanner; slower is a person typing. Scanners send 1-15 ms apart by default, Bluetooth ones up to 50 ms; 100 leaves room for a busy machine.',
          ),
        minLength: z
          .number()
          .int()
          .min(2)
          .max(64)
          .default(6)
          .describe('A burst shorter than this is typing, not a scan.'),
        suffixKey: z
          .enum(['Enter', 'Tab', 'none'])
          .default('Enter')
          .describe('The key the scanner sends after each code (`none`: it sends none).'),
      })
      .strict()
      .prefault({})
      .describe('Keyboard-wedge scanners, caught by the renderer from key timing.'),
  })
  .strict();
export type ScannerConfig = z.infer<typeof ScannerConfig>;
