import type { KioskEvent } from '../../contract/index.js';
import type { KioskConfig } from '../../config/config.js';
import { mobilePayEnabled } from '../../integrations/mobilepay/config.js';
import { loadBrand } from '../../app/brand.js';

/** What the screen is told of the configuration, by either shell. */
export type ScreenSettings = Extract<KioskEvent, { type: 'core.ready' }>['settings'];

export function screenSettings(config: KioskConfig & { readonly source?: string }): ScreenSettings {
  return {
    idleTimeoutMs: config.ui.idleTimeoutMs,
    idleWarningMs: config.ui.idleWarningMs,
    timeZone: config.library.timeZone,
    wedge: config.scanner.wedge,
    // The demo's MobilePay sandbox plays the phone: the QR screen offers its buttons.
    demoPhone: mobilePayEnabled(config) && config.mobilepay.environment === 'sandbox',
    defaultLanguage: config.ui.language,
    approvedReturnMs: config.ui.approvedReturnMs,
    scanSound: config.ui.scanSound,
    brand: loadBrand(config),
  };
}
