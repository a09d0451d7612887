import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { configurationReference, REFERENCE_FILE, settings } from '../../tools/config-reference.js';
import { parseConfig } from '../../config/config.js';

describe('configuration reference (docs/configuration.md)', () => {
  it('is what the schema generates (run `npm run docs:config` after changing the schema)', async () => {
    expect(readFileSync(REFERENCE_FILE, 'utf8')).toBe(await configurationReference());
  });

  it('explains every setting', () => {
    const undocumented = settings()
      .filter((row) => row.description.replace(/\(default: [^)]*\)/u, '').trim() === '')
      .map((row) => row.key);
    expect(undocumented).toEqual([]);
  });

  it('lists every key the kiosk accepts, and the defaults it applies', () => {
    const defaults = parseConfig({}) as unknown as Record<string, unknown>;
    const listed = new Map(settings().map((row) => [row.key, row.defaultValue]));
    const walk = (value: unknown, path: string): void => {
      if (value && typeof value === 'object' && !Array.isArray(value)) {
        for (const [key, child] of Object.entries(value)) walk(child, path ? `${path}.${key}` : key);
        return;
      }
      expect(listed.get(path), path).toBe(JSON.stringify(value));
    };
    walk(defaults, '');
  });
});
