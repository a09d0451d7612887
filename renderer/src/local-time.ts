import { useTranslation } from 'react-i18next';
import { useKiosk } from './store.js';

/**
 * Times and dates as the library reads them: in its configured time zone (the CSV and the
 * receipts use the same), never the browser's, and in the screen's language.
 */
export function useLocalTime() {
  const { i18n } = useTranslation();
  const timeZone = useKiosk((s) => s.settings?.timeZone ?? 'Europe/Copenhagen');
  const locale = i18n.language === 'da' ? 'da-DK' : 'en-GB';
  const format = (iso: string, options: Intl.DateTimeFormatOptions) =>
    new Intl.DateTimeFormat(locale, { ...options, timeZone }).format(new Date(iso));
  return {
    timeZone,
    time: (iso: string) => format(iso, { hour: '2-digit', minute: '2-digit' }),
    date: (iso: string) => format(iso, { day: 'numeric', month: 'long', year: 'numeric' }),
    dateTime: (iso: string) => format(iso, { dateStyle: 'short', timeStyle: 'short' }),
    /** A calendar day (YYYY-MM-DD, the library's day) spelled out: "3. december 2026". */
    day: (ymd: string) =>
      new Intl.DateTimeFormat(locale, { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' }).format(
        new Date(`${ymd}T12:00:00Z`),
      ),
  };
}

/** The calendar day before or after a YYYY-MM-DD day. */
export function shiftDay(ymd: string, days: number): string {
  const date = new Date(`${ymd}T12:00:00Z`);
  date.setUTCDate(date.getUTCDate() + days);
  return date.toISOString().slice(0, 10);
}
