import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CodeFramer, type Frame, type Suffix } from '../../devices/scanner/framing.js';
import { ScanHub, type ScanEvent } from '../../devices/scanner/scan-hub.js';

const codeChars = fc.stringMatching(/^[0-9A-Za-z+-]{1,40}$/); // no '<', so a code never contains the custom suffix;

function feed(framer: CodeFramer, bytes: Buffer, cuts: number[]): Frame[] {
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const frames: Frame[] = [];
  let start = 0;
  for (const point of [...points, bytes.length]) {
    frames.push(...framer.push(bytes.subarray(start, point)));
    start = point;
  }
  return frames;
}

describe('CodeFramer', () => {
  it.each<[Suffix, string]>([
    ['CR', '\r'],
    ['LF', '\n'],
    ['CRLF', '\r\n'],
    [{ custom: '<E>' }, '<E>'],
  ])('gives the same codes however the bytes are chunked (suffix %j)', (suffix, end) => {
    fc.assert(
      fc.property(fc.array(codeChars, { maxLength: 10 }), fc.array(fc.nat(), { maxLength: 12 }), (codes, cuts) => {
        const wire = Buffer.from(codes.map((c) => c + end).join(''), 'utf8');
        const frames = feed(new CodeFramer({ suffix }), wire, cuts);
        expect(frames).toEqual(codes.map((code) => ({ kind: 'code', code })));
      }),
    );
  });

  it('never throws and never emits a code longer than the limit, whatever the bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2_000 }), fc.array(fc.nat(), { maxLength: 8 }), (bytes, cuts) => {
        const framer = new CodeFramer({ suffix: 'CR', maxFrameBytes: 64 });
        for (const frame of feed(framer, Buffer.from(bytes), cuts)) {
          if (frame.kind === 'code') expect(Buffer.byteLength(frame.code)).toBeLessThanOrEqual(64);
        }
        expect(framer.buffered).toBeLessThanOrEqual(64 + 1);
      }),
    );
  });

  it('discards an over-long run up to its suffix, reports it once, and resumes', () => {
    const framer = new CodeFramer({ suffix: 'CR', maxFrameBytes: 16 });
    const frames = [
      ...framer.push(Buffer.from('x'.repeat(20))),
      ...framer.push(Buffer.from('y'.repeat(30))),
      ...framer.push(Buffer.from('zz\r1234567\r')),
    ];
    expect(frames).toEqual([
      { kind: 'malformed', reason: 'too-long' },
      { kind: 'code', code: '1234567' },
    ]);
  });

  it('reports bytes that are not UTF-8 text, and ignores empty frames', () => {
    const framer = new CodeFramer({ suffix: 'CR' });
    expect(framer.push(Buffer.from([0xff, 0xfe, 0x0d, 0x0d, 0x0a, 0x0d]))).toEqual([
      { kind: 'malformed', reason: 'not-text' },
    ]);
  });

  it('reset drops a half-received frame', () => {
    const framer = new CodeFramer({ suffix: 'CR' });
    framer.push(Buffer.from('12345'));
    framer.reset();
    expect(framer.push(Buffer.from('678\r'))).toEqual([{ kind: 'code', code: '678' }]);
  });

  it('refuses an empty custom suffix', () => {
    expect(() => new CodeFramer({ suffix: { custom: '' } })).toThrow(/empty/);
  });
});

describe('ScanHub', () => {
  it('merges sources into one stream and debounces the same code within the window, from any source', () => {
    let now = 1_000;
    const hub = new ScanHub({ debounceMs: 1_500, now: () => now });
    const events: ScanEvent[] = [];
    hub.onScan((e) => events.push(e));
    hub.submit('wedge', '1234567');
    now += 500;
    hub.submit('serial:/dev/ttyACM0', '1234567'); // same card, other scanner, too soon
    now += 1_400; // 1 400 ms after the last sighting: still held in front of the scanner
    hub.submit('wedge', '1234567');
    now += 100;
    hub.submit('wedge', '7654321');
    now += 1_600;
    hub.submit('wedge', '1234567'); // scanned again later: counts
    expect(events.map((e) => (e.type === 'scan' ? `${e.source} ${e.code}` : e.type))).toEqual([
      'wedge 1234567',
      'wedge 7654321',
      'wedge 1234567',
    ]);
    expect(hub.repeatsDropped).toBe(2);
  });

  it('forgets recent codes when a new session begins, so starting over with the same card works at once', () => {
    const now = 1_000;
    const hub = new ScanHub({ debounceMs: 1_500, now: () => now });
    const codes: string[] = [];
    hub.onScan((e) => e.type === 'scan' && codes.push(e.code));
    hub.submit('wedge', '1234567');
    hub.submit('wedge', '1234567');
    hub.forgetRecent();
    hub.submit('wedge', '1234567');
    expect(codes).toEqual(['1234567', '1234567']);
    expect(hub.repeatsDropped).toBe(1);
  });

  it('a listener that throws does not cost the others their scan', () => {
    const hub = new ScanHub({ debounceMs: 0 });
    const seen: string[] = [];
    hub.onScan(() => {
      throw new Error('boom');
    });
    hub.onScan((e) => e.type === 'scan' && seen.push(e.code));
    hub.submit('wedge', '1234567');
    expect(seen).toEqual(['1234567']);
  });
});
