/**
 * The attract screen's picture: a card with a barcode held under a scanner's red beam.
 * Decorative (the text says what to do), drawn inline so the CSP needs no image source.
 */
const BARS = [3, 1, 2, 1, 1, 3, 1, 2, 2, 1, 3, 1, 1, 2, 1, 3, 2, 1, 1, 2, 3, 1, 2, 1];

export function ScanIllustration() {
  let x = 62;
  const bars = BARS.map((width, i) => {
    const bar = i % 2 === 0 ? <rect key={i} x={x} y={118} width={width * 3} height={56} /> : null;
    x += width * 3;
    return bar;
  });
  return (
    <svg className="scan-illustration" viewBox="0 0 320 220" width="320" height="220" aria-hidden="true">
      {/* The scanner: a head with its window, and the beam it throws. */}
      <rect x="110" y="6" width="100" height="44" rx="12" fill="var(--ink)" />
      <rect x="128" y="42" width="64" height="10" rx="3" fill="#c0392b" />
      <path d="M130 52 L60 104 L260 104 L190 52 Z" fill="#c0392b" opacity="0.18" />
      {/* The card. */}
      <rect x="40" y="88" width="240" height="120" rx="14" fill="var(--card)" stroke="var(--accent)" strokeWidth="4" />
      <rect x="58" y="100" width="70" height="10" rx="3" fill="var(--accent)" />
      <g fill="var(--ink)">{bars}</g>
      <line x1="52" y1="146" x2="268" y2="146" stroke="#c0392b" strokeWidth="3" />
    </svg>
  );
}
