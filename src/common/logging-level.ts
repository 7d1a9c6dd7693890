/**
 * The Operator API's GET_LOGGING_LEVEL and SET_LOGGING_LEVEL on a pino logger. Mesos speaks glog
 * verbosity: 0 is normal logging and each level above it logs more. Here 0 is the process's own
 * level (`--log_level`) and each level above it one pino level more verbose (info → debug →
 * trace), stopping at trace. A raised level goes back to the process's own once its duration
 * is over, as in Mesos.
 */
import type { Logger } from 'pino';

/** Pino's levels from the quietest to the most verbose. */
const LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace'] as const;
/** Node's timers hold at most this many milliseconds; longer durations are waited out in steps. */
const TIMER_MS_MAX = 2 ** 31 - 1;

export class LoggingLevel {
  private readonly ownLevel: string;
  private verbosityNow = 0;
  private revertAtMs = 0;
  private revertTimer: NodeJS.Timeout | null = null;

  constructor(private readonly logger: Logger, private readonly nowMs: () => number = Date.now) {
    this.ownLevel = logger.level;
  }

  /** The verbosity in force (GET_LOGGING_LEVEL). */
  verbosity(): number {
    return this.verbosityNow;
  }

  /** The pino level a verbosity means for this process. */
  levelFor(verbosity: number): string {
    if (verbosity === 0) return this.ownLevel;
    // A process that logs nothing, or at a level pino does not list, counts up from info.
    const own = LEVELS.indexOf(this.ownLevel as (typeof LEVELS)[number]);
    const from = own >= 0 ? own : LEVELS.indexOf('info');
    return LEVELS[Math.min(LEVELS.length - 1, from + verbosity)] as string;
  }

  /** SET_LOGGING_LEVEL: `verbosity` for `durationMs`, then the process's own level again. A new call replaces the last. */
  set(verbosity: number, durationMs: number): void {
    this.apply(verbosity);
    this.revertAtMs = this.nowMs() + durationMs;
    this.scheduleRevert();
  }

  /** Cancels a pending revert (the process is stopping). */
  stop(): void {
    if (this.revertTimer) clearTimeout(this.revertTimer);
    this.revertTimer = null;
  }

  private apply(verbosity: number): void {
    this.verbosityNow = verbosity;
    this.logger.level = this.levelFor(verbosity);
  }

  private scheduleRevert(): void {
    this.stop();
    const waitMs = Math.max(0, this.revertAtMs - this.nowMs());
    this.revertTimer = setTimeout(() => {
      this.revertTimer = null;
      if (this.nowMs() >= this.revertAtMs) this.apply(0);
      else this.scheduleRevert();
    }, Math.min(waitMs, TIMER_MS_MAX));
    // Reverting a log level is no reason to keep a stopping process alive.
    this.revertTimer.unref();
  }
}
