// Countdowns to a deadline as hours:minutes:seconds, negative once it has passed.

/** Formats a time left in milliseconds as `H:MM:SS`, with a leading minus sign when overdue. */
export function formatCountdown(remainingMs: number, formatNumber: (value: number) => string): string {
  const sign = remainingMs < 0 ? '-' : '';
  const totalSeconds = Math.floor(Math.abs(remainingMs) / 1000);
  const hours = Math.floor(totalSeconds / 3600);
  const minutes = Math.floor((totalSeconds % 3600) / 60);
  const seconds = totalSeconds % 60;
  const twoDigits = (value: number) => formatNumber(value).padStart(2, formatNumber(0));
  return `${sign}${formatNumber(hours)}:${twoDigits(minutes)}:${twoDigits(seconds)}`;
}
