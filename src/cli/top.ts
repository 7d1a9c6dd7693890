/**
 * `meridian top`: a live view of the cluster in the terminal, redrawn in place every `--interval`
 * seconds (on the alternate screen, so the shell's scrollback is left as it was). `q` or Ctrl-C
 * quits and restores the terminal. When stdout is not a terminal, or with `--once`, it prints one
 * frame and exits, so scripts and tests can read it. Each refresh asks the master for GET_AGENTS,
 * GET_FRAMEWORKS and `/metrics/snapshot` (not GET_STATE: the task list is not needed, and on a
 * large cluster it is most of the state). Exit codes: 0 done, 1 the master could not be reached
 * for the first frame; bad flags are FlagErrors naming the flag.
 */
import { FlagError, type FlagValues } from '../common/flags.js';
import { MasterAnswerError, MasterClient, MasterUnreachableError, parseMasters } from './views/master-client.js';
import type { GetAgentsJson, GetFrameworksJson } from './views/operator-json.js';
import { renderTopFrame, type FrameContext, type TopSnapshot } from './views/top-frame.js';

/** Refreshing faster than this would make the master's answers the cluster's main work. */
export const INTERVAL_SECONDS_MIN = 0.5;
export const INTERVAL_SECONDS_MAX = 3_600;

/** Where the frames' data comes from: the master in production, a stand-in in tests. */
export interface TopSource {
  /** The master asked, as the heading names it. */
  describe(): string;
  fetch(): Promise<TopSnapshot>;
}

export interface TopOptions {
  source: TopSource;
  intervalSeconds: number;
  once: boolean;
}

/** The terminal `top` draws on; the process's own in production, a fake in tests. */
export interface TopTerminal {
  /** Whether stdout is a terminal (else one frame is printed as plain text). */
  readonly isTTY: boolean;
  columns(): number;
  rows(): number;
  write(text: string): void;
  /** Starts delivering key presses and returns a function that stops; null when keys cannot be read (stdin is not a terminal). */
  readKeys(onKey: (key: string) => void): (() => void) | null;
  /** Calls `listener` when the terminal is resized; returns a function that stops. */
  onResize(listener: () => void): () => void;
}

/** Converts the values of TOP_FLAGS into TopOptions; throws FlagError naming the flag. */
export function topOptionsFromFlags(values: FlagValues): TopOptions {
  const client = new MasterClient(parseMasters(String(values.master ?? '127.0.0.1:5050')));
  const intervalSeconds = Number(values.interval ?? 2);
  if (!(intervalSeconds >= INTERVAL_SECONDS_MIN && intervalSeconds <= INTERVAL_SECONDS_MAX)) {
    throw new FlagError(`--interval: must be between ${INTERVAL_SECONDS_MIN} and ${INTERVAL_SECONDS_MAX} seconds, not ${intervalSeconds}`);
  }
  return { source: masterSource(client), intervalSeconds, once: values.once === true };
}

/** Frames from a master: GET_AGENTS, GET_FRAMEWORKS and `/metrics/snapshot`, asked together. */
export function masterSource(client: MasterClient): TopSource {
  return {
    describe: () => client.describe(),
    fetch: async () => {
      const [agents, frameworks, metrics] = await Promise.all([
        client.call<GetAgentsJson>('GET_AGENTS'),
        client.call<GetFrameworksJson>('GET_FRAMEWORKS'),
        client.getJson<Record<string, number>>('/metrics/snapshot'),
      ]);
      return { agents, frameworks, metrics };
    },
  };
}

const isMasterFailure = (error: unknown): error is Error =>
  error instanceof MasterUnreachableError || error instanceof MasterAnswerError || error instanceof SyntaxError;

const clockText = (date: Date): string => date.toTimeString().slice(0, 8);

/** ANSI sequences: the alternate screen and the cursor, home, clear to the end of the line and of the screen. */
const ENTER_SCREEN = '\x1b[?1049h\x1b[?25l';
const LEAVE_SCREEN = '\x1b[?25h\x1b[?1049l';
const HOME = '\x1b[H';
const CLEAR_LINE_END = '\x1b[K';
const CLEAR_SCREEN_END = '\x1b[J';
/** Keys that quit: q, Q, Ctrl-C (raw mode delivers it as a byte, not a signal). */
const QUIT_KEYS = new Set(['q', 'Q', '\x03']);

/** Runs `meridian top`; resolves with the exit code. Aborting `signal` quits like `q`. */
export async function topCommand(options: TopOptions, terminal: TopTerminal, err: (line: string) => void, signal?: AbortSignal): Promise<number> {
  let snapshot: TopSnapshot;
  try {
    snapshot = await options.source.fetch();
  } catch (error) {
    if (!isMasterFailure(error)) throw error;
    err(`meridian top: ${error.message}`);
    return 1;
  }
  if (options.once || !terminal.isTTY) {
    const context: FrameContext = {
      master: options.source.describe(), clock: clockText(new Date()), intervalSeconds: options.intervalSeconds,
      columns: null, rows: null, error: null, keysHint: false,
    };
    terminal.write(`${renderTopFrame(snapshot, context).join('\n')}\n`);
    return 0;
  }
  return live(options, terminal, snapshot, signal);
}

async function live(options: TopOptions, terminal: TopTerminal, first: TopSnapshot, signal: AbortSignal | undefined): Promise<number> {
  const quit = new AbortController();
  const onAbort = () => quit.abort();
  signal?.addEventListener('abort', onAbort, { once: true });
  let snapshot = first;
  let lastError: string | null = null;
  let refreshedAt = new Date();
  let stopKeys: (() => void) | null = null;
  const draw = () => {
    const context: FrameContext = {
      master: options.source.describe(), clock: clockText(refreshedAt), intervalSeconds: options.intervalSeconds,
      columns: terminal.columns(), rows: terminal.rows(), error: lastError, keysHint: stopKeys !== null,
    };
    const lines = renderTopFrame(snapshot, context);
    terminal.write(`${HOME}${lines.map((line) => `${line}${CLEAR_LINE_END}`).join('\r\n')}${CLEAR_SCREEN_END}`);
  };
  terminal.write(ENTER_SCREEN);
  const stopResize = terminal.onResize(draw);
  try {
    stopKeys = terminal.readKeys((key) => {
      if ([...key].some((char) => QUIT_KEYS.has(char))) quit.abort();
    });
    draw();
    while (!quit.signal.aborted) {
      await sleep(options.intervalSeconds * 1000, quit.signal);
      if (quit.signal.aborted) break;
      try {
        snapshot = await options.source.fetch();
        lastError = null;
      } catch (error) {
        if (!isMasterFailure(error)) throw error;
        // Keep the last picture and say why it is not refreshed; the master may be restarting.
        lastError = error.message;
      }
      refreshedAt = lastError === null ? new Date() : refreshedAt;
      if (!quit.signal.aborted) draw();
    }
    return 0;
  } finally {
    stopKeys?.();
    stopResize();
    signal?.removeEventListener('abort', onAbort);
    terminal.write(LEAVE_SCREEN);
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}

/** The process's terminal: stdout for drawing, stdin in raw mode for keys when it is a terminal. */
export function processTerminal(): TopTerminal {
  const { stdin, stdout } = process;
  return {
    isTTY: stdout.isTTY === true,
    // A terminal that reports no size (0, as some pseudo-terminals do) is drawn as the classic 80x24.
    columns: () => stdout.columns || 80,
    rows: () => stdout.rows || 24,
    write: (text) => void stdout.write(text),
    readKeys(onKey) {
      if (!stdin.isTTY) return null;
      const listener = (chunk: string) => onKey(chunk);
      stdin.setRawMode(true);
      stdin.setEncoding('utf8');
      stdin.on('data', listener);
      stdin.resume();
      return () => {
        stdin.off('data', listener);
        stdin.setRawMode(false);
        stdin.pause();
      };
    },
    onResize(listener) {
      stdout.on('resize', listener);
      return () => void stdout.off('resize', listener);
    },
  };
}
