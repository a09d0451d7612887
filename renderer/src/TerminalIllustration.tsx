import type { TerminalStepView } from '../../contract/index.js';

/**
 * The paying screen's picture: a card terminal, with the card where the borrower should put it
 * now (held to it, or in it for the PIN) and the keypad lit when the PIN is asked for. Drawn
 * inline, like the attract screen's scanner, so the CSP needs no image source.
 */
export function TerminalIllustration({ step, label }: { step: TerminalStepView; label: string }) {
  const pinNow = step === 'enter-pin' || step === 'pin-entered';
  const takeCard = step === 'card-removed';
  const keys = [0, 1, 2].flatMap((row) => [0, 1, 2].map((col) => ({ row, col })));
  return (
    <svg
      className="terminal-illustration"
      viewBox="0 0 320 240"
      width="320"
      height="240"
      role="img"
      aria-label={label}
      data-step={step}
    >
      {/* The terminal: a body, its screen and its keypad. */}
      <rect x="100" y="20" width="120" height="210" rx="16" fill="var(--ink)" />
      <rect x="114" y="36" width="92" height="56" rx="6" fill="var(--card)" />
      <g fill={pinNow ? 'var(--accent)' : '#8a8f94'}>
        {keys.map(({ row, col }) => (
          <rect key={`${row}-${col}`} x={122 + col * 28} y={108 + row * 26} width="20" height="18" rx="4" />
        ))}
      </g>
      {/* The card: held to the screen (contactless), in the slot for the PIN, or handed back. */}
      <g
        transform={
          pinNow
            ? 'translate(112 150) rotate(0)'
            : takeCard
              ? 'translate(210 150) rotate(-10)'
              : 'translate(180 30) rotate(12)'
        }
      >
        <rect width="96" height="60" rx="8" fill="var(--card)" stroke="var(--accent)" strokeWidth="4" />
        <rect x="10" y="14" width="20" height="14" rx="3" fill="#c9a227" />
        <rect x="10" y="40" width="60" height="6" rx="3" fill="var(--accent)" />
      </g>
      {!pinNow && !takeCard && (
        <g stroke="var(--accent)" strokeWidth="4" fill="none" strokeLinecap="round">
          <path d="M236 26 q10 12 0 24" />
          <path d="M246 18 q16 20 0 40" />
        </g>
      )}
    </svg>
  );
}
