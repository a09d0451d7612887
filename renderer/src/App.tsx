import { useEffect, useLayoutEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { KioskCommand, SessionView } from '../../contract/index.js';
import { WedgeDetector } from './scanner/wedge.js';
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
} from './screens.js';
import { useKiosk } from './store.js';
import { StaffHome } from './staff/StaffHome.js';
import { StaffLogin } from './staff/StaffLogin.js';
import type { KioskBridge } from './transport.js';

/** Screens where the idle timer runs: a borrower is mid-way and might have walked off. */
const IDLE_SCREENS: readonly SessionView['screen'][] = [
  'pin',
  'claims',
  'nothing-to-pay',
  'approved',
  'declined',
  'staff-notified',
  'error',
];

export function App({ bridge }: { bridge: KioskBridge }) {
  const { t, i18n } = useTranslation();
  const { view, language, connected, settings, staff } = useKiosk();
  const send = (command: KioskCommand) => bridge.send(command);

  useEffect(() => {
    if (i18n.language !== language) void i18n.changeLanguage(language);
    document.documentElement.lang = language;
  }, [language, i18n]);

  // Keyboard-wedge scanners: caught anywhere on the page, handed to the core's scan stream.
  // A layout effect: the detector listens before the screen that invites a scan is painted.
  useLayoutEffect(() => {
    if (!settings?.wedge.enabled) return;
    const { maxInterKeyMs, minLength, suffixKey } = settings.wedge;
    const detector = new WedgeDetector(
      window,
      { maxInterKeyMs, minLength, suffixKey: suffixKey === 'none' ? null : suffixKey },
      (code) => bridge.send({ type: 'scanner.wedge', code }),
    );
    // Says the page is listening for scans (technicians' tools and the tests look for it).
    document.documentElement.dataset.wedge = 'listening';
    return () => {
      delete document.documentElement.dataset.wedge;
      detector.dispose();
    };
  }, [settings, bridge]);

  const secondsLeft = useIdleReset(IDLE_SCREENS.includes(view.screen), settings, () => send({ type: 'session.reset' }));
  const gesture = useHiddenGesture(staff.mode === 'off' && view.screen === 'attract', () =>
    send({ type: 'staff.begin' }),
  );
  useStaffActivity(staff.mode === 'signed-in', () => send({ type: 'staff.activity' }));

  let content;
  if (staff.mode === 'login') content = <StaffLogin state={staff} bridge={bridge} />;
  else if (staff.mode === 'signed-in' && view.screen === 'attract')
    content = <StaffHome state={staff} bridge={bridge} />;
  else content = screenFor(view, send, settings?.timeZone ?? 'Europe/Copenhagen', settings?.demoPhone ?? false);

  return (
    <div className="kiosk" data-screen={view.screen} data-connected={connected && settings !== null}>
      <header>
        {/* Press and hold the title for three seconds: staff log-in (the hidden gesture). */}
        <span className="brand" {...gesture}>
          {t('app.title')}
        </span>
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
        {!connected && <span className="offline">{t('app.offline')}</span>}
        <button
          type="button"
          className="secondary"
          onClick={() => send({ type: 'ui.setLanguage', language: language === 'da' ? 'en' : 'da' })}
          lang={language === 'da' ? 'en' : 'da'}
        >
          {t('app.language')}
        </button>
      </header>
      <main>{content}</main>
      <footer>
        {view.screen !== 'attract' && view.screen !== 'paying' && (
          <button type="button" className="secondary" onClick={() => send({ type: 'session.reset' })}>
            {t('app.startOver')}
          </button>
        )}
      </footer>
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

function screenFor(view: SessionView, send: (command: KioskCommand) => void, timeZone: string, demoPhone: boolean) {
  switch (view.screen) {
    case 'attract':
      return <Attract send={send} />;
    case 'pin':
      return <Pin view={view} send={send} />;
    case 'loading':
      return <Loading />;
    case 'claims':
      return <Claims view={view} send={send} />;
    case 'nothing-to-pay':
      return <NothingToPay view={view} />;
    case 'paying':
      return <Paying view={view} send={send} demoPhone={demoPhone} />;
    case 'approved':
      return <Approved view={view} send={send} timeZone={timeZone} />;
    case 'declined':
      return <Declined view={view} send={send} />;
    case 'staff-notified':
      return <StaffNotified />;
    case 'error':
      return <ErrorScreen view={view} />;
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
