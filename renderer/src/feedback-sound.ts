/**
 * Optional tones for scans (config `ui.scanSound`): a short high tone when a card is read, a
 * low one when a scan was not read. Made with Web Audio, so no sound file is needed.
 */
export function feedbackSound(): { read(): void; misread(): void } {
  let context: AudioContext | null = null;
  const tone = (hz: number, ms: number): void => {
    try {
      context ??= new AudioContext();
      const oscillator = context.createOscillator();
      const gain = context.createGain();
      oscillator.frequency.value = hz;
      gain.gain.value = 0.15;
      oscillator.connect(gain).connect(context.destination);
      oscillator.start();
      oscillator.stop(context.currentTime + ms / 1000);
    } catch {
      // No audio device: the screen still says it.
    }
  };
  return { read: () => tone(1_400, 90), misread: () => tone(300, 250) };
}
