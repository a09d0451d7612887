import i18next from 'i18next';
import { initReactI18next } from 'react-i18next';
import { TEXTS } from '../../contract/index.js';

/** Every word on the screen, from the kiosk's one catalogue per language (contract/texts/). */
const resources = {
  da: { translation: TEXTS.da },
  en: { translation: TEXTS.en },
} as const;

void i18next.use(initReactI18next).init({
  resources,
  lng: 'da',
  fallbackLng: 'da',
  interpolation: { escapeValue: false }, // React escapes
});

export default i18next;
