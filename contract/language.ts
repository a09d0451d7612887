import { z } from 'zod';

/** The kiosk's languages: Danish (the default) and English. */
export const Language = z.enum(['da', 'en']);
export type Language = z.infer<typeof Language>;
export const DEFAULT_LANGUAGE: Language = 'da';
