/**
 * Command-line flags, declared as data by each process (master, agent, ...) and parsed by the CLI.
 * Names follow Mesos (`--work_dir`, `--offer_timeout`); every flag can also come from the
 * environment as `MERIDIAN_<FLAG>` (upper case), and the command line wins over the environment.
 */

export type FlagKind = 'string' | 'integer' | 'number' | 'boolean' | 'duration';

export interface FlagSpec {
  name: string;
  kind: FlagKind;
  help: string;
  /** Default in the flag's text form (as a user would type it), shown in --help. */
  default?: string;
  required?: boolean;
}

export type FlagValue = string | number | boolean;
export type FlagValues = Record<string, FlagValue | undefined>;

export class FlagError extends Error {
  override name = 'FlagError';
}

const DURATION_UNITS_MS: Readonly<Record<string, number>> = {
  ns: 1e-6, us: 1e-3, ms: 1, secs: 1000, mins: 60_000, hrs: 3_600_000, days: 86_400_000, weeks: 604_800_000,
};

/** Parses a Mesos duration (`100ms`, `5secs`, `1mins`, `2hrs`, `1days`, `2weeks`) into milliseconds. */
export function parseDurationMs(text: string): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*(ns|us|ms|secs|mins|hrs|days|weeks)\s*$/.exec(text);
  if (!match) throw new FlagError(`'${text}' is not a duration (examples: 500ms, 5secs, 1mins, 2hrs, 1days, 2weeks)`);
  return Number(match[1]) * (DURATION_UNITS_MS[match[2] as string] as number);
}

export function formatDuration(ms: number): string {
  if (ms % 604_800_000 === 0 && ms > 0) return `${ms / 604_800_000}weeks`;
  if (ms % 86_400_000 === 0 && ms > 0) return `${ms / 86_400_000}days`;
  if (ms % 3_600_000 === 0 && ms > 0) return `${ms / 3_600_000}hrs`;
  if (ms % 60_000 === 0 && ms > 0) return `${ms / 60_000}mins`;
  if (ms % 1000 === 0) return `${ms / 1000}secs`;
  return `${ms}ms`;
}

/** Converts one flag's text into its typed value (durations become milliseconds); throws naming the flag. */
export function parseFlagValue(spec: FlagSpec, text: string): FlagValue {
  try {
    switch (spec.kind) {
      case 'string':
        return text;
      case 'integer': {
        if (!/^-?\d+$/.test(text.trim())) throw new FlagError(`'${text}' is not an integer`);
        return Number(text);
      }
      case 'number': {
        const value = Number(text);
        if (text.trim() === '' || !Number.isFinite(value)) throw new FlagError(`'${text}' is not a number`);
        return value;
      }
      case 'boolean': {
        if (['true', '1', 'yes', ''].includes(text)) return true;
        if (['false', '0', 'no'].includes(text)) return false;
        throw new FlagError(`'${text}' is not a boolean (true or false)`);
      }
      case 'duration':
        return parseDurationMs(text);
    }
  } catch (error) {
    throw new FlagError(`--${spec.name}: ${(error as Error).message}`);
  }
}

export const envNameOfFlag = (name: string): string => `MERIDIAN_${name.toUpperCase()}`;

/**
 * Resolves every declared flag from the command line's raw texts, then the environment, then the
 * default. Raw texts are keyed by flag name. Unknown names are the caller's to reject.
 */
export function resolveFlags(specs: readonly FlagSpec[], raw: Readonly<Record<string, string | undefined>>, env: Readonly<Record<string, string | undefined>>): FlagValues {
  const values: FlagValues = {};
  for (const spec of specs) {
    const text = raw[spec.name] ?? env[envNameOfFlag(spec.name)] ?? spec.default;
    if (text === undefined) {
      if (spec.required) throw new FlagError(`--${spec.name} is required (or set ${envNameOfFlag(spec.name)})`);
      continue;
    }
    values[spec.name] = parseFlagValue(spec, text);
  }
  return values;
}
