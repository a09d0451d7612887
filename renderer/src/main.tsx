import { createRoot } from 'react-dom/client';
import { z } from 'zod';
import { App } from './App.js';
import './i18n.js';
import { useKiosk } from './store.js';
import { connectToCore } from './transport.js';
import { settleStaffRequest } from './staff/requests.js';
import './styles.css';

// No eval under the page's CSP: zod would otherwise probe for it (and log a CSP violation).
z.config({ jitless: true });

/** The kiosk screen: draws what the core says, sends what the borrower does. */
const bridge = connectToCore();
const store = useKiosk.getState();
bridge.onConnection((connected) => store.setConnected(connected));
bridge.onEvent((event) => {
  switch (event.type) {
    case 'core.ready':
      store.setSettings(event.settings);
      break;
    case 'session.view':
      store.setView(event.view, event.language);
      break;
    case 'staff.state':
      store.setStaff(event.state);
      break;
    case 'staff.scanned':
      store.addScan({ source: event.source, kind: event.kind, code: event.code });
      break;
    case 'staff.result':
      settleStaffRequest(event.requestId, event.answer);
      break;
    case 'command.rejected':
      store.setRejected(event.reason);
      break;
    default:
      break;
  }
});

const root = document.getElementById('app');
if (root) createRoot(root).render(<App bridge={bridge} />);
