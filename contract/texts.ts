import da from './texts/da.json' with { type: 'json' };
import en from './texts/en.json' with { type: 'json' };
import type { Language } from './language.js';

/**
 * Every word the kiosk shows or prints, one catalogue per language (contract/texts/*.json): the
 * borrower's screens, the staff screens (`desk`), the receipt on screen and on paper (`receipt`)
 * and the printed day report (`dayReport`). The screen reads them through i18next; the core and
 * the printer read them directly. A test fails when a key is in one language and not the other.
 */
export type Catalogue = typeof da;

export const TEXTS: Readonly<Record<Language, Catalogue>> = { da, en };
