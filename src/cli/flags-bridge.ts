/**
 * Declares a process's FlagSpecs on a commander command and resolves what the user typed, the
 * environment (`MERIDIAN_<FLAG>`) and the defaults into typed values. Errors name the flag.
 */
import { Option, type Command } from 'commander';
import { envNameOfFlag, resolveFlags, type FlagSpec, type FlagValues } from '../common/flags.js';

export function declareFlags(command: Command, specs: readonly FlagSpec[]): Command {
  for (const spec of specs) {
    const flag = spec.kind === 'boolean' ? `--${spec.name} [value]` : `--${spec.name} <value>`;
    const defaultNote = spec.default !== undefined ? ` (default: ${spec.default})` : spec.required ? ' (required)' : '';
    command.addOption(new Option(flag, `${spec.help}${defaultNote}; env ${envNameOfFlag(spec.name)}`));
  }
  return command;
}

/** Turns commander's parsed options into FlagValues (throws FlagError naming the flag). */
export function flagValuesOf(specs: readonly FlagSpec[], options: Record<string, unknown>): FlagValues {
  const raw: Record<string, string | undefined> = {};
  for (const spec of specs) {
    const value = options[spec.name];
    if (value === undefined) continue;
    raw[spec.name] = value === true ? 'true' : String(value);
  }
  return resolveFlags(specs, raw, process.env);
}
