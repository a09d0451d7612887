import fc from 'fast-check';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { KioskCommand } from '../../contract/index.js';
import { compileCardPatterns, DEFAULT_LIBRARY_CARD_PATTERNS, parseScan } from '../../devices/scanner/codes.js';
import { HidPosAssembler, parseHidPosReport } from '../../devices/scanner/hid-pos.js';
import { encryptedCodec, NexoMessageError, plainCodec } from '../../devices/terminal/nexo/codec.js';
import { requestHeader, SaleToPOIResponse } from '../../devices/terminal/nexo/messages.js';
import { FbsError } from '../../integrations/fbs/errors.js';
import { decodeFbs, parseFbsJson } from '../../integrations/fbs/wire.js';
import { AuthenticatedPatronV8, FeeList } from '../../integrations/fbs/models.js';
import { ConfigError, loadConfig, parseConfig } from '../../config/config.js';
import { fuzzRuns } from './budget.js';

/**
 * Hostile input at every parser on the kiosk's edges, in-process: whatever arrives, the answer
 * is a typed result or a typed error, never a crash or an untyped exception.
 */
const rules = { libraryCardPatterns: compileCardPatterns(DEFAULT_LIBRARY_CARD_PATTERNS) };
const anyText = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 300 }),
  fc.string({ unit: 'grapheme', maxLength: 100 }),
  fc.stringMatching(/^[0-9 -]{0,30}$/),
);

/** Throws unless `error` is one of the expected kinds (so an untyped failure fails the property). */
function expectTyped(error: unknown, ...kinds: (new (...args: never[]) => Error)[]): void {
  if (!kinds.some((kind) => error instanceof kind)) throw error;
}

describe('fuzz: scanned codes', () => {
  it('any text from a scanner is a known kind of scan, never an exception', () => {
    const kinds = new Set(['library-card', 'cpr', 'unsupported', 'invalid']);
    fc.assert(
      fc.property(anyText, (raw) => {
        const result = parseScan(raw, rules);
        expect(kinds.has(result.kind)).toBe(true);
        // A control character inside the code is never accepted as a card or a CPR.
        const hasControl = [...raw.trim()].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f);
        if (hasControl) expect(['library-card', 'cpr']).not.toContain(result.kind);
      }),
      fuzzRuns(2_000),
    );
  });

  it('any HID report bytes are data or ignored, and the assembler never throws', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 80 }), { maxLength: 10 }), (reports) => {
        const assembler = new HidPosAssembler();
        for (const report of reports) {
          expect(['data', 'ignored']).toContain(parseHidPosReport(report).kind);
          const out = assembler.push(report);
          if (out !== null) expect('code' in out || 'unreadable' in out).toBe(true);
        }
      }),
      fuzzRuns(1_000),
    );
  });
});

describe('fuzz: FBS JSON', () => {
  it('any body is parsed or refused as bad-response; a decoded patron always fits the schema', () => {
    const bodies = fc.oneof(
      anyText,
      fc.jsonValue().map((v) => JSON.stringify(v)),
      fc.jsonValue().map((v) => JSON.stringify({ patron: v, authenticateStatus: 'VALID' })),
      // Deep nesting: a parser on the recursive path must not overflow the stack.
      fc.integer({ min: 1, max: 200_000 }).map((n) => '['.repeat(n) + ']'.repeat(n)),
    );
    fc.assert(
      fc.property(bodies, (text) => {
        try {
          const value = parseFbsJson(text);
          decodeFbs(AuthenticatedPatronV8, value, 'patron');
          decodeFbs(FeeList, value, 'fees');
        } catch (error) {
          expectTyped(error, FbsError);
          expect((error as FbsError).code).toBe('bad-response');
        }
      }),
      fuzzRuns(500),
    );
  });
});

describe('fuzz: nexo messages from the terminal', () => {
  const key = { keyIdentifier: 'FuzzKey', keyVersion: 1, passphrase: 'fuzz passphrase' };
  const header = requestHeader({
    category: 'Payment',
    serviceId: 'S1',
    saleId: 'KIOSK1',
    poiId: 'POI1',
  });
  const valid = {
    SaleToPOIResponse: {
      MessageHeader: header,
      PaymentResponse: { Response: { Result: 'Success' } },
    },
  };
  const sealed = encryptedCodec(key).encode('SaleToPOIResponse', valid, header);

  /** A real sealed answer with a few characters changed, cut or inserted. */
  const mutatedSealed = fc
    .array(fc.tuple(fc.nat({ max: sealed.length }), fc.nat({ max: 3 }), fc.string({ maxLength: 4 })), {
      minLength: 1,
      maxLength: 4,
    })
    .map((edits) =>
      edits.reduce((text, [at, remove, insert]) => text.slice(0, at) + insert + text.slice(at + remove), sealed),
    );

  it('any body is a message or a NexoMessageError (malformed or tampered), plain or sealed', () => {
    const plain = plainCodec();
    const encrypted = encryptedCodec(key);
    fc.assert(
      fc.property(
        fc.oneof(
          anyText,
          fc.jsonValue().map((v) => JSON.stringify(v)),
          mutatedSealed,
        ),
        (body) => {
          for (const codec of [plain, encrypted]) {
            try {
              codec.decode('SaleToPOIResponse', body, SaleToPOIResponse);
            } catch (error) {
              expectTyped(error, NexoMessageError);
            }
          }
        },
      ),
      fuzzRuns(1_000),
    );
  });
});

describe('fuzz: commands from the screen (IPC and WebSocket share this schema)', () => {
  it('any value is a valid command or refused by the schema, never an exception', () => {
    const nearCommands = fc.record({
      type: fc.constantFrom(
        'session.identify',
        'session.authenticate',
        'checkout.select',
        'checkout.pay',
        'scanner.wedge',
        'staff.login',
        'staff.request',
        '__proto__',
        'constructor',
      ),
      cardNumber: fc.anything(),
      pin: fc.anything(),
      claimIds: fc.anything(),
      request: fc.anything(),
    });
    fc.assert(
      fc.property(fc.oneof(fc.anything(), nearCommands, fc.jsonValue()), (raw) => {
        const parsed = KioskCommand.safeParse(raw);
        if (parsed.success) expect(typeof parsed.data.type).toBe('string');
      }),
      fuzzRuns(2_000),
    );
  });
});

describe('fuzz: config files', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kiosk-fuzz-config-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('any config value is a config or a ConfigError naming the problem', () => {
    const sections = fc.dictionary(
      fc.constantFrom('mode', 'ui', 'outbox', 'terminal', 'fbs', 'oeir', 'scanner', 'printer', 'storage', 'staff', 'x'),
      fc.oneof(fc.jsonValue(), fc.dictionary(fc.string({ maxLength: 12 }), fc.jsonValue())),
    );
    fc.assert(
      fc.property(fc.oneof(fc.jsonValue(), sections), (raw) => {
        try {
          parseConfig(raw);
        } catch (error) {
          expectTyped(error, ConfigError);
        }
      }),
      fuzzRuns(500),
    );
  });

  it('any file content is loaded or refused with a ConfigError', () => {
    const file = join(dir, 'config.json');
    fc.assert(
      fc.property(
        fc.oneof(
          fc.uint8Array({ maxLength: 400 }).map((b) => Buffer.from(b)),
          anyText,
        ),
        (content) => {
          writeFileSync(file, content);
          try {
            loadConfig({ env: { KIOSK_CONFIG: file, KIOSK_DATA_DIR: dir } });
          } catch (error) {
            expectTyped(error, ConfigError);
          }
        },
      ),
      fuzzRuns(300),
    );
  });
});
