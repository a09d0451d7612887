import { useEffect, useLayoutEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { KioskCommand, SessionView } from '../../contract/index.js';
import { WedgeDetector } from './scanner/wedge.js';
import { feedbackSound } from './feedback-sound.js';
import {
  Approved,
  Attract,
  Claims,
  Declined,
  ErrorScreen,
  Loading,
  NothingToPay,
  Paying,
  Pin,
  StaffNotified,
  TypeCard,
} from './screens.js';
import { StepIndicator } from './StepIndicator.js';
import { useKiosk } from './store.js';
import { StaffHome } from './staff/StaffHome.js';
import { StaffLogin } from './staff/StaffLogin.js';
import type { KioskBridge } from './transport.js';

/** Screens where the idle timer runs: a borrower is mid-way and might have walked off. */
const IDLE_SCREENS: readonly SessionView['screen'][] = [
  'type-card',
  'pin',
  'claims',
  'nothing-to-pay',
  'declined',
  'staff-notified',
  'error',
];

/** How long the start screen says a scan was not read. */
const MISREAD_SHOWN_MS = 6_000;

export function App({ bridge }: { bridge: KioskBridge }) {
  const { t, i18n } = useTranslation();
  const { view, language, connected, settings, staff, display, setDisplay } = useKiosk();
  const send = (command: KioskCommand) => bridge.send(command);
  const [misread, setMisread] = useState(false);

  useEffect(() => {
    if (i18n.language !== language) void i18n.changeLanguage(language);
    document.documentElement.lang = language;
  }, [language, i18n]);

  // Larger text and high contrast: on the document, so every rem and colour follows.
  useEffect(() => {
    const root = document.documentElement;
    root.dataset.text = display.largerText ? 'large' : 'normal';
    root.dataset.contrast = display.highContrast ? 'high' : 'normal';
    if (settings) root.style.setProperty('--brand-accent', settings.brand.accent);
  }, [display, settings]);

  // The next borrower starts with the library's own display: back at the start screen, the
  // larger text and contrast chosen by the last borrower are undone.
  const previousScreen = useRef(view.screen);
  useEffect(() => {
    if (view.screen === 'attract' && previousScreen.current !== 'attract')
      setDisplay({ largerText: false, highContrast: false });
    if (view.screen !== 'attract') setMisread(false);
    previousScreen.current = view.screen;
  }, [view.screen, setDisplay]);

  useEffect(() => {
    if (!misread) return;
    const timer = setTimeout(() => setMisread(false), MISREAD_SHOWN_MS);
    return () => clearTimeout(timer);
  }, [misread]);

  // Keyboard-wedge scanners: caught anywhere on the page, handed to the core's scan stream.
  // A layout effect: the detector listens before the screen that invites a scan is painted.
  useLayoutEffect(() => {
    if (!settings?.wedge.enabled) return;
    const { maxInterKeyMs, minLength, suffixKey } = settings.wedge;
    const sound = settings.scanSound ? feedbackSound() : null;
    const detector = new WedgeDetector(
      window,
      { maxInterKeyMs, minLength, suffixKey: suffixKey === 'none' ? null : suffixKey },
      (code) => {
        sound?.read();
        setMisread(false);
        bridge.send({ type: 'scanner.wedge', code });
      },
      undefined,
      () => {
        // A burst ended by the scanner's suffix key, too slow to be sure it was a scan: say so
        // rather than drop it silently (the borrower would stand there waiting).
        sound?.misread();
        setMisread(true);
      },
    );
    // Says the page is listening for scans (technicians' tools and the tests look for it).
    document.documentElement.dataset.wedge = 'listening';
    return () => {
      delete document.documentElement.dataset.wedge;
      detector.dispose();
    };
  }, [settings, bridge]);

  // A language chosen on the start screen with no card scanned also returns to the default.
  const idleActive =
    IDLE_SCREENS.includes(view.screen) ||
    (view.screen === 'attract' && settings !== null && language !== settings.defaultLanguage);
  const secondsLeft = useIdleReset(idleActive, settings, () => send({ type: 'session.reset' }));
  const gesture = useHiddenGesture(staff.mode === 'off' && view.screen === 'attract', () =>
    send({ type: 'staff.begin' }),
  );
  useStaffActivity(staff.mode === 'signed-in', () => send({ type: 'staff.activity' }));

  const borrowerScreen = staff.mode !== 'login' && !(staff.mode === 'signed-in' && view.screen === 'attract');
  let content;
  if (staff.mode === 'login') content = <StaffLogin state={staff} bridge={bridge} />;
  else if (staff.mode === 'signed-in' && view.screen === 'attract')
    content = <StaffHome state={staff} bridge={bridge} />;
  else
    content = screenFor(view, send, {
      timeZone: settings?.timeZone ?? 'Europe/Copenhagen',
      demoPhone: settings?.demoPhone ?? false,
      approvedReturnMs: settings?.approvedReturnMs ?? 20_000,
      misread,
    });

  return (
    <div
      className="kiosk"
      data-screen={view.screen}
      data-connected={connected && settings !== null}
      data-mode={borrowerScreen ? 'borrower' : 'staff'}
    >
      <header>
        {/* Press and hold the library's name for three seconds: staff log-in (the hidden gesture). */}
        <span className="brand" {...gesture}>
          {settings?.brand.logo && <img className="logo" src={settings.brand.logo} alt="" />}
          <span>{settings?.brand.name ?? t('app.title')}</span>
        </span>
        <div className="header-tools">
          {!connected && <span className="offline">{t('app.offline')}</span>}
          {staff.mode === 'signed-in' && (
            <span className="staff-banner" data-testid="staff-banner">
              {view.screen === 'attract' ? t('desk.banner', { name: staff.name }) : t('desk.counterBanner')}
            </span>
          )}
          {staff.mode === 'signed-in' && (
            <button type="button" className="secondary" onClick={() => send({ type: 'staff.logout' })}>
              {t('desk.logout')}
            </button>
          )}
          {borrowerScreen && (
            <>
              <button
                type="button"
                className="secondary toggle"
                aria-pressed={display.largerText}
                onClick={() => setDisplay({ ...display, largerText: !display.largerText })}
              >
                {t('app.largerText')}
              </button>
              <button
                type="button"
                className="secondary toggle"
                aria-pressed={display.highContrast}
                onClick={() => setDisplay({ ...display, highContrast: !display.highContrast })}
              >
                {t('app.contrast')}
              </button>
            </>
          )}
          <button
            type="button"
            className="secondary"
            onClick={() => send({ type: 'ui.setLanguage', language: language === 'da' ? 'en' : 'da' })}
            lang={language === 'da' ? 'en' : 'da'}
          >
            {t('app.language')}
          </button>
        </div>
      </header>
      {borrowerScreen && <StepIndicator screen={view.screen} />}
      <main>{content}</main>
      {secondsLeft !== null && (
        <div className="overlay" role="alertdialog" aria-labelledby="idle-title">
          <div className="dialog">
            <h2 id="idle-title">{t('idle.title')}</h2>
            <p className="lead" data-testid="idle-countdown">
              {t('idle.body', { seconds: secondsLeft })}
            </p>
            <button type="button" className="primary wide">
              {t('idle.stay')}
            </button>
          </div>
        </div>
      )}
    </div>
  );
}

interface ScreenOptions {
  readonly timeZone: string;
  readonly demoPhone: boolean;
  readonly approvedReturnMs: number;
  readonly misread: boolean;
}

function screenFor(view: SessionView, send: (command: KioskCommand) => void, options: ScreenOptions) {
  switch (view.screen) {
    case 'attract':
      return <Attract send={send} misread={options.misread} />;
    case 'type-card':
      return <TypeCard send={send} />;
    case 'pin':
      return <Pin view={view} send={send} />;
    case 'loading':
      return <Loading />;
    case 'claims':
      return <Claims view={view} send={send} />;
    case 'nothing-to-pay':
      return <NothingToPay view={view} send={send} />;
    case 'paying':
      return <Paying view={view} send={send} demoPhone={options.demoPhone} />;
    case 'approved':
      return <Approved view={view} send={send} timeZone={options.timeZone} returnAfterMs={options.approvedReturnMs} />;
    case 'declined':
      return <Declined view={view} send={send} />;
    case 'staff-notified':
      return <StaffNotified send={send} />;
    case 'error':
      return <ErrorScreen view={view} send={send} />;
  }
}

/** Pointer handlers for the hidden gesture: held down for `holdMs`, it fires once. */
function useHiddenGesture(active: boolean, onGesture: () => void, holdMs = 3_000) {
  const timer = useRef<number | null>(null);
  const cancel = () => {
    if (timer.current !== null) window.clearTimeout(timer.current);
    timer.current = null;
  };
  useEffect(() => cancel, []);
  return {
    onPointerDown: () => {
      cancel();
      if (active) timer.current = window.setTimeout(onGesture, holdMs);
    },
    onPointerUp: cancel,
    onPointerLeave: cancel,
    onPointerCancel: cancel,
  };
}

/** In staff mode every touch keeps the session alive; the core logs out after its idle time. */
function useStaffActivity(active: boolean, report: () => void): void {
  const send = useRef(report);
  send.current = report;
  useEffect(() => {
    if (!active) return;
    let last = 0;
    const touched = () => {
      if (Date.now() - last < 5_000) return;
      last = Date.now();
      send.current();
    };
    window.addEventListener('pointerdown', touched, true);
    window.addEventListener('keydown', touched, true);
    return () => {
      window.removeEventListener('pointerdown', touched, true);
      window.removeEventListener('keydown', touched, true);
    };
  }, [active]);
}

/**
 * After `idleTimeoutMs` without a touch or key, a countdown of `idleWarningMs`; then `onReset`.
 * Any touch during the countdown cancels it. Returns the seconds left while counting down.
 */
function useIdleReset(
  active: boolean,
  settings: { idleTimeoutMs: number; idleWarningMs: number } | null,
  onReset: () => void,
): number | null {
  const [secondsLeft, setSecondsLeft] = useState<number | null>(null);
  const lastActivity = useRef(Date.now());
  const reset = useRef(onReset);
  reset.current = onReset;

  useEffect(() => {
    lastActivity.current = Date.now();
    setSecondsLeft(null);
    if (!active || !settings) return;
    const touched = () => {
      lastActivity.current = Date.now();
      setSecondsLeft(null);
    };
    window.addEventListener('pointerdown', touched, true);
    window.addEventListener('keydown', touched, true);
    const timer = setInterval(() => {
      const idle = Date.now() - lastActivity.current;
      if (idle < settings.idleTimeoutMs) return setSecondsLeft(null);
      const left = settings.idleTimeoutMs + settings.idleWarningMs - idle;
      if (left <= 0) {
        clearInterval(timer);
        setSecondsLeft(null);
        reset.current();
      } else setSecondsLeft(Math.ceil(left / 1000));
    }, 250);
    return () => {
      clearInterval(timer);
      window.removeEventListener('pointerdown', touched, true);
      window.removeEventListener('keydown', touched, true);
    };
  }, [active, settings]);
  return secondsLeft;
}
