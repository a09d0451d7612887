import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CrashLoopBreaker, isBlockedShortcut, type KeyInput } from '../../shells/electron/window-guards.js';

// The shell's rules are plain functions so they are tested without Electron; main.ts only wires
// them to the window's events.

const key = (k: string, mods: Partial<KeyInput> = {}): KeyInput => ({
  type: 'keyDown',
  key: k,
  control: false,
  meta: false,
  alt: false,
  ...mods,
});

describe('kiosk window key guard', () => {
  it('blocks reload, zoom, devtools, print, close and history shortcuts', () => {
    for (const input of [
      key('r', { control: true }),
      key('R', { control: true }),
      key('F5'),
      key('F11'),
      key('F12'),
      key('+', { control: true }),
      key('-', { control: true }),
      key('0', { control: true }),
      key('I', { control: true }),
      key('p', { control: true }),
      key('w', { meta: true }),
      key('ArrowLeft', { alt: true }),
      key('ArrowRight', { alt: true }),
    ])
      expect(isBlockedShortcut(input), JSON.stringify(input)).toBe(true);
  });

  it('lets typing, scanning and on-screen navigation through', () => {
    for (const input of [
      key('1'),
      key('a'),
      key('A'),
      key('Enter'),
      key('Tab'),
      key('Backspace'),
      key('ArrowLeft'),
      key('Escape'),
      key('F'),
      { ...key('r', { control: true }), type: 'keyUp' },
    ])
      expect(isBlockedShortcut(input), JSON.stringify(input)).toBe(false);
  });
});

describe('renderer crash-loop breaker', () => {
  it('reloads after occasional crashes and gives up on the third within a minute', () => {
    let now = 0;
    const breaker = new CrashLoopBreaker({ maxCrashes: 3, windowMs: 60_000 }, () => now);
    expect(breaker.recordCrash()).toBe('reload');
    now = 30_000;
    expect(breaker.recordCrash()).toBe('reload');
    now = 59_000;
    expect(breaker.recordCrash()).toBe('give-up');
  });

  it('forgets crashes older than the window', () => {
    let now = 0;
    const breaker = new CrashLoopBreaker({ maxCrashes: 3, windowMs: 60_000 }, () => now);
    for (let i = 0; i < 10; i++) {
      expect(breaker.recordCrash()).toBe('reload');
      now += 31_000;
    }
  });
});

describe('preload bridge', () => {
  it('uses the channels the core listens on (it cannot import them: sandboxed preloads require nothing)', () => {
    // ipc-bridge.ts imports electron, which this machine cannot load; read the constants as text.
    const bridge = readFileSync(new URL('../../shells/electron/ipc-bridge.ts', import.meta.url), 'utf8');
    const preload = readFileSync(new URL('../../shells/electron/preload.cts', import.meta.url), 'utf8');
    const channels = (source: string): string[] =>
      [...source.matchAll(/const (COMMAND|EVENT)_CHANNEL = '([^']+)'/gu)].map((m) => `${m[1]}=${m[2]}`);
    expect(channels(bridge)).toEqual(['COMMAND=kiosk:command', 'EVENT=kiosk:event']);
    expect(channels(preload)).toEqual(channels(bridge));
    // Only data crosses: the page never gets ipcRenderer or anything from Node.
    expect(preload).toMatch(/exposeInMainWorld\('kiosk', \{\s*send\(command: unknown\)/u);
    expect(preload).not.toMatch(/exposeInMainWorld\([^)]*ipcRenderer\b(?!\.)/u);
  });
});
