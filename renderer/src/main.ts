import { formatDkk } from '../../contract/index.js';

/**
 * Placeholder until the touchscreen UI is built: shows that the renderer builds and runs, in
 * Danish (default) or English. It imports only contract/: the compiler and the linter hold the
 * renderer to that.
 */
const TEXT = {
  da: {
    title: 'Betalingsautomat',
    body: 'Kiosken kører i demo-tilstand. Brugerfladen til betaling er under opbygning.',
    example: 'Beløb vises sådan:',
    other: 'English',
  },
  en: {
    title: 'Payment kiosk',
    body: 'The kiosk is running in demo mode. The payment screens are being built.',
    example: 'Amounts look like this:',
    other: 'Dansk',
  },
} as const;

function render(language: keyof typeof TEXT): void {
  const text = TEXT[language];
  const app = document.getElementById('app');
  if (!app) return;
  document.documentElement.lang = language;
  app.replaceChildren();
  const h1 = document.createElement('h1');
  h1.textContent = text.title;
  const body = document.createElement('p');
  body.textContent = text.body;
  const example = document.createElement('p');
  example.textContent = `${text.example} ${formatDkk(123450)}`;
  const toggle = document.createElement('button');
  toggle.textContent = text.other;
  toggle.addEventListener('click', () => render(language === 'da' ? 'en' : 'da'));
  app.append(h1, body, example, toggle);
}

render('da');
