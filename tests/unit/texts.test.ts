import { describe, expect, it } from 'vitest';
import { Language, TEXTS } from '../../contract/index.js';

// One catalogue per language (contract/texts/*.json): every key in every language, nothing
// empty, and the same {{placeholders}} on both sides, so no screen shows a raw key or a hole.

function leaves(node: unknown, path = ''): Map<string, string> {
  const out = new Map<string, string>();
  if (typeof node === 'string') out.set(path, node);
  else if (node && typeof node === 'object')
    for (const [key, value] of Object.entries(node))
      for (const [p, v] of leaves(value, path ? `${path}.${key}` : key)) out.set(p, v);
  else throw new Error(`${path}: not text (${typeof node})`);
  return out;
}

const placeholders = (text: string) => [...text.matchAll(/\{\{\s*(\w+)\s*\}\}/gu)].map((m) => m[1]).sort();

describe('the text catalogues', () => {
  const [first = 'da', ...others] = Language.options;
  const reference = leaves(TEXTS[first]);

  it('have a catalogue for every language, with text in every entry', () => {
    for (const language of Language.options) {
      const entries = leaves(TEXTS[language]);
      expect(entries.size).toBeGreaterThan(200);
      expect([...entries].filter(([, text]) => text.trim() === '').map(([key]) => key)).toEqual([]);
    }
  });

  for (const language of others) {
    it(`${first} and ${language} have the same keys and the same placeholders`, () => {
      const entries = leaves(TEXTS[language]);
      expect([...reference.keys()].filter((k) => !entries.has(k))).toEqual([]);
      expect([...entries.keys()].filter((k) => !reference.has(k))).toEqual([]);
      const differing = [...reference].filter(
        ([key, text]) => placeholders(text).join() !== placeholders(entries.get(key)!).join(),
      );
      expect(differing.map(([key]) => key)).toEqual([]);
    });
  }

  it('catches a key missing in one language (the check itself)', () => {
    const broken = structuredClone(TEXTS.en) as unknown as { receipt: Record<string, string> };
    delete broken.receipt.thanks;
    const entries = leaves(broken);
    expect([...reference.keys()].filter((k) => !entries.has(k))).toEqual(['receipt.thanks']);
  });
});
