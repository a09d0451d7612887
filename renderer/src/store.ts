import { create } from 'zustand';
import type { KioskEvent, Language, SessionView, StaffState } from '../../contract/index.js';

export interface Display {
  readonly largerText: boolean;
  readonly highContrast: boolean;
}

export type ScreenSettings = Extract<KioskEvent, { type: 'core.ready' }>['settings'];

/** What the screen knows: the core's latest view, and whether the core is reachable. */
export interface KioskState {
  readonly view: SessionView;
  readonly language: Language;
  readonly connected: boolean;
  /** The core's answer to the last refused command (shown briefly, for diagnosis). */
  readonly rejected: string | null;
  readonly settings: ScreenSettings | null;
  /** Staff mode, as the core says. */
  readonly staff: StaffState;
  /** The technician's scanner test: the latest scans, newest first. */
  readonly scans: readonly { source: string; kind: string; code: string }[];
  /** The borrower's display choices (larger text, high contrast); undone for the next borrower. */
  readonly display: Display;
  setDisplay(display: Display): void;
  setStaff(staff: StaffState): void;
  addScan(scan: { source: string; kind: string; code: string }): void;
  setSettings(settings: ScreenSettings): void;
  setView(view: SessionView, language: Language): void;
  setConnected(connected: boolean): void;
  setRejected(reason: string | null): void;
}

export const useKiosk = create<KioskState>((set) => ({
  view: { screen: 'attract' },
  language: 'da',
  connected: false,
  rejected: null,
  settings: null,
  staff: { mode: 'off' },
  scans: [],
  display: { largerText: false, highContrast: false },
  setDisplay: (display) => set({ display }),
  setStaff: (staff) => set({ staff, ...(staff.mode === 'off' ? { scans: [] } : {}) }),
  addScan: (scan) => set((state) => ({ scans: [scan, ...state.scans].slice(0, 5) })),
  setSettings: (settings) => set({ settings }),
  setView: (view, language) => set({ view, language, rejected: null }),
  setConnected: (connected) => set({ connected }),
  setRejected: (rejected) => set({ rejected }),
}));
