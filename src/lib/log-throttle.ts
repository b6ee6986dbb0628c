/**
 * Lets one log line through per interval and counts the rest, so that a
 * flood of bad requests cannot flood the log.
 */
export class LogThrottle {
  private nextAllowedAt = 0;
  private suppressed = 0;

  constructor(
    private readonly intervalMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * `null` when this occurrence should not be logged; otherwise how many
   * occurrences were held back since the last one logged.
   */
  admit(): number | null {
    const now = this.now();
    if (now < this.nextAllowedAt) {
      this.suppressed++;
      return null;
    }
    this.nextAllowedAt = now + this.intervalMs;
    const heldBack = this.suppressed;
    this.suppressed = 0;
    return heldBack;
  }
}
