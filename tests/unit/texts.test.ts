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

/**
 * What a borrower reads at the kiosk, checked for reading level: short sentences (at most 16
 * words) and an easy text overall by LIX, the Danish readability index (words per sentence plus
 * the share of words over six letters; under 35 is easy, 35-44 medium). No office jargon.
 */
describe("the borrower's texts", () => {
  const BORROWER_SECTIONS = [
    'app',
    'attract',
    'pin',
    'loading',
    'claims',
    'nothing',
    'paying',
    'approved',
    'receipt',
    'declined',
    'staff',
    'error',
    'scan',
    'idle',
    'mobilepay',
  ] as const;
  const danish = TEXTS.da as unknown as Record<string, unknown>;
  const sentences = BORROWER_SECTIONS.flatMap((section) =>
    [...leaves(danish[section], section)].flatMap(([key, text]) =>
      text
        .replace(/\{\{\s*\w+\s*\}\}/gu, 'X')
        .split(/[.!?:–—]+\s*/u)
        .map((s) => ({ key, words: s.match(/[\p{L}\p{N}]+/gu) ?? [] }))
        .filter((s) => s.words.length > 0),
    ),
  );

  it('are short sentences', () => {
    const long = sentences.filter((s) => s.words.length > 16).map((s) => `${s.key}: ${s.words.join(' ')}`);
    expect(long).toEqual([]);
  });

  it('read easily (LIX under 35)', () => {
    const words = sentences.flatMap((s) => s.words);
    const lix = words.length / sentences.length + (100 * words.filter((w) => w.length > 6).length) / words.length;
    expect(lix).toBeLessThan(35);
  });

  it('use no office words', () => {
    const text = JSON.stringify(BORROWER_SECTIONS.map((s) => danish[s])).toLowerCase();
    for (const jargon of ['mellemværende', 'det gik ikke', 'registreres hos', 'debitor', 'eksemplar'])
      expect(text, jargon).not.toContain(jargon);
  });
});
