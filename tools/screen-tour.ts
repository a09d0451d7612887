/**
 * `npm run docs:screens`: the screen tour (docs/screens.md) from the screenshots the E2E tour
 * takes (tests/e2e/screens.spec.ts, every borrower screen in Danish and English at three screen
 * sizes, each audited with axe-core). The pictures are made smaller here, by Chromium itself
 * (no image tool needed): each PNG drawn at a fraction of its size and saved as JPEG.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from '@playwright/test';

const SHOTS = 'test-results/screens';
const OUT_DIR = 'docs/screens';
const SCALE = 0.4;

/** The tour in a borrower's order, each screen with what it is for. */
const SCREENS: readonly { name: string; title: string; about: string }[] = [
  { name: 'attract', title: 'Start', about: 'Waiting for a card: scan it, or type its number.' },
  { name: 'type-card', title: 'Card number on the keypad', about: 'For a card the scanner cannot read.' },
  {
    name: 'scan-book',
    title: 'Not a library card',
    about: "A book's barcode was scanned: the screen says what to scan.",
  },
  { name: 'pin', title: 'PIN', about: 'Says how the card was read; OK only for a whole PIN.' },
  { name: 'pin-wrong', title: 'Wrong PIN', about: 'Try again.' },
  { name: 'pin-few-tries-left', title: 'Few tries left', about: 'Warned before FBS locks the card.' },
  { name: 'unknown-card', title: 'Unknown card', about: 'FBS does not know the card: not called a wrong PIN.' },
  {
    name: 'claims',
    title: 'What you owe',
    about: 'Each claim, who it is paid to, the total; pay by card or MobilePay.',
  },
  { name: 'declined', title: 'Declined', about: 'No money taken; try again.' },
  { name: 'paying', title: 'Paying on the terminal', about: 'The amount, the terminal and what to do on it now.' },
  { name: 'cancelled', title: 'Cancelled', about: 'The borrower cancelled: no money taken.' },
  {
    name: 'approved',
    title: 'Paid',
    about: 'What was paid, how, the reference and the receipt; back to the start by itself.',
  },
  { name: 'nothing-to-pay', title: 'Nothing to pay', about: '' },
  { name: 'blocked', title: 'Blocked borrower', about: 'Sent to the staff.' },
  { name: 'locked-out', title: 'Card locked', about: 'Too many wrong PINs at FBS.' },
  { name: 'card-payment-unavailable', title: 'Card payment unavailable', about: 'The terminal is out of service.' },
  {
    name: 'staff-notified',
    title: 'Checking the payment',
    about: 'The terminal could not confirm it: staff decide, never "try again".',
  },
  { name: 'fbs-unavailable', title: 'Library system down', about: '' },
];
const SIZES = [
  { key: 'portrait', label: 'Portrait 1080 × 1920' },
  { key: 'landscape', label: 'Landscape 1920 × 1080' },
  { key: 'square', label: '5:4 monitor 1280 × 1024' },
] as const;
/** Shown at every size; the rest in portrait (the layout is the same card at each size). */
const AT_EVERY_SIZE = new Set(['attract', 'claims', 'paying', 'approved']);

const shot = (language: string, name: string, size: string) => `${language}-tour-${name}-${size}`;

const missing = SCREENS.flatMap((s) => ['da', 'en'].map((l) => shot(l, s.name, 'portrait'))).filter(
  (f) => !existsSync(join(SHOTS, `${f}.png`)),
);
if (missing.length > 0) {
  console.error(`No screenshots for ${missing.join(', ')}: run the tour first (npx playwright test screens.spec.ts).`);
  process.exit(1);
}

rmSync(OUT_DIR, { recursive: true, force: true });
mkdirSync(OUT_DIR, { recursive: true });
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update'],
});
const page = await browser.newPage();
const wanted = new Set<string>();
for (const s of SCREENS)
  for (const language of ['da', 'en'])
    for (const size of SIZES)
      if (size.key === 'portrait' || (AT_EVERY_SIZE.has(s.name) && language === 'da'))
        wanted.add(shot(language, s.name, size.key));
for (const file of readdirSync(SHOTS)) {
  const base = file.replace(/\.png$/u, '');
  if (!wanted.has(base)) continue;
  const png = readFileSync(join(SHOTS, file));
  const width = png.readUInt32BE(16);
  const height = png.readUInt32BE(20);
  const w = Math.round(width * SCALE);
  const h = Math.round(height * SCALE);
  await page.setViewportSize({ width: w, height: h });
  await page.setContent(
    `<body style="margin:0"><img style="display:block;width:${w}px;height:${h}px" src="data:image/png;base64,${png.toString('base64')}"></body>`,
  );
  await page.locator('img').evaluate((img) => (img as unknown as { decode(): Promise<void> }).decode());
  await page.screenshot({ path: join(OUT_DIR, `${base}.jpg`), type: 'jpeg', quality: 70 });
}
await browser.close();

const img = (base: string, alt: string) => `<img src="screens/${base}.jpg" alt="${alt}" width="216">`;
const lines = [
  '# Screen tour',
  '',
  'Every screen a borrower meets at the kiosk, in Danish (the default) and English, as the end-to-end tour',
  '(`tests/e2e/screens.spec.ts`) reaches them against the demo sandboxes. Each was also checked with',
  'axe-core (WCAG 2.1 AA) and the kiosk’s own rules (text at least 20 px, touch targets at least 64 px)',
  'at all three screen sizes. Generated by `npm run docs:screens`; do not edit by hand.',
  '',
  'On every borrower screen: the library’s name (and logo, `library.logoFile`), “Større tekst”, “Høj kontrast”',
  'and the language button at the top; the step indicator (Kort → Pinkode → Betal → Kvittering) below it;',
  'the main action at the bottom of the card, with “Start forfra” beside it.',
  '',
  '| Screen | Dansk | English |',
  '| --- | --- | --- |',
  ...SCREENS.map(
    (s) =>
      `| **${s.title}**<br>${s.about} | ${img(shot('da', s.name, 'portrait'), `${s.title}, Danish`)} | ${img(shot('en', s.name, 'portrait'), `${s.title}, English`)} |`,
  ),
  '',
  '## Screen sizes',
  '',
  'The same card fills each screen; on wide screens the actions sit side by side.',
  '',
  `| Screen | ${SIZES.map((s) => s.label).join(' | ')} |`,
  `| --- | ${SIZES.map(() => '---').join(' | ')} |`,
  ...SCREENS.filter((s) => AT_EVERY_SIZE.has(s.name)).map(
    (s) =>
      `| **${s.title}** | ${SIZES.map((size) => img(shot('da', s.name, size.key), `${s.title}, ${size.label}`)).join(' | ')} |`,
  ),
  '',
];
writeFileSync('docs/screens.md', lines.join('\n'));
console.log(`docs/screens.md: ${wanted.size} screenshots in ${OUT_DIR}/`);
