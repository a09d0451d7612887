import { z } from 'zod';

/** The receipt printer. Its part of the kiosk's configuration (config/config.ts); every key has a demo default. */
export const PrinterConfig = z
  .object({
    type: z
      .enum(['simulator', 'tcp', 'serial', 'usb', 'none'])
      .default('simulator')
      .describe(
        '`simulator`: a built-in network printer on loopback (demo); `tcp`, `serial`, `usb`: a real ESC/POS printer.',
      ),
    host: z.string().max(200).default('').describe('Network printers: address and raw port.'),
    port: z.number().int().min(1).max(65_535).default(9_100).describe("Network printers' raw port (JetDirect)."),
    path: z.string().max(300).default('').describe('Serial: the port; USB: the printer device (/dev/usb/lp0).'),
    baudRate: z.number().int().min(300).max(4_000_000).default(19_200).describe("Serial printers' speed."),
    columns: z
      .number()
      .int()
      .min(24)
      .max(80)
      .default(48)
      .describe('Characters per line: 48 for 80 mm paper, 32 for 58 mm.'),
    timeoutMs: z
      .number()
      .int()
      .min(200)
      .max(60_000)
      .default(5_000)
      .describe('A receipt that takes longer is given up (shown on screen instead).'),
    statusTimeoutMs: z
      .number()
      .int()
      .min(50)
      .max(10_000)
      .default(500)
      .describe("How long to wait for the printer's status answer (DLE EOT) before calling it unreachable."),
  })
  .strict();
export type PrinterConfig = z.infer<typeof PrinterConfig>;
