/**
 * Where the master keeps operator weights across restarts: `<work_dir>/weights.json`, the part of
 * Mesos' registry that holds weights. Writes are atomic and durable before the master answers
 * (a temporary file in the same folder, fsync, rename over the old file, fsync of the folder), so
 * after a crash the file holds either the old weights or the new ones, never a torn mix.
 */
import { Type } from '@sinclair/typebox';
import { WeightInfo } from '../../api/operator/calls.js';
import { makeValidator } from '../../api/schema.js';
import { readJsonFile, writeFileDurably } from '../../common/durable-file.js';
import { FlagError } from '../../common/flags.js';
import type { Logger } from '../../common/log.js';
import { checkWeightInfos } from '../core/weights.js';

/** The file's name inside the master's work_dir. */
export const WEIGHTS_FILE = 'weights.json';

const validateWeightsFile = makeValidator(Type.Object({ weight_infos: Type.Array(WeightInfo) }));

export class WeightsStore {
  constructor(readonly path: string) {}

  /**
   * The saved weights, or null when the file does not exist yet. A file that cannot be read or
   * does not hold valid weights throws, naming the file: starting without the operator's weights
   * would silently change how the cluster is shared.
   */
  load(): WeightInfo[] | null {
    const parsed = readJsonFile(this.path, (why) => this.corrupt(why));
    if (parsed === undefined) return null;
    const shape = validateWeightsFile(parsed);
    if (!shape.ok) throw this.corrupt(`does not hold weights: ${shape.error}`);
    const checked = checkWeightInfos(shape.value.weight_infos, 'weight_infos');
    if (!checked.ok) throw this.corrupt(`holds an invalid weight: ${checked.error}`);
    return checked.value;
  }

  /** Replaces the saved weights with `weightInfos`; resolves once they are durable on disk. */
  async save(weightInfos: readonly WeightInfo[]): Promise<void> {
    await writeFileDurably(this.path, `${JSON.stringify({ weight_infos: weightInfos })}\n`);
  }

  private corrupt(why: string): Error {
    return new Error(
      `${this.path} ${why}. It holds the operator's role weights; fix it or remove it (the master then starts with no weights)`,
    );
  }
}

/**
 * Parses Mesos' deprecated `--weights` flag, `role1=weight1,role2=weight2`, with the same rules
 * as every other way in; throws a FlagError naming the flag.
 */
export function parseWeightsFlag(text: string): WeightInfo[] {
  const weightInfos: WeightInfo[] = [];
  for (const token of text.split(',').map((part) => part.trim()).filter((part) => part.length > 0)) {
    const pair = token.split('=');
    const weight = Number(pair[1]);
    if (pair.length !== 2 || (pair[1] as string).trim() === '' || Number.isNaN(weight)) {
      throw new FlagError(`--weights: invalid weight '${token}': expecting the form 'role1=weight1,role2=weight2'`);
    }
    weightInfos.push({ role: pair[0] as string, weight });
  }
  const checked = checkWeightInfos(weightInfos, '--weights');
  if (!checked.ok) throw new FlagError(checked.error);
  return checked.value;
}

/**
 * The weights a starting master applies, as Mesos recovers them: saved weights win; when none
 * were saved, the `--weights` flag's are used and saved (Mesos stores them in the registry on
 * bootstrap). Without a store (no --work_dir) weights live in memory only and die with the process.
 */
export async function recoverWeights(store: WeightsStore | null, flag: string | undefined, logger: Logger): Promise<WeightInfo[]> {
  const fromFlag = flag !== undefined && flag.trim() !== '' ? parseWeightsFlag(flag) : [];
  const saved = store?.load() ?? null;
  if (saved !== null && saved.length > 0) {
    if (fromFlag.length > 0) logger.warn({ file: store?.path }, '--weights is ignored: the saved weights win (as in Mesos, where the registry wins)');
    return saved;
  }
  if (fromFlag.length > 0 && store) await store.save(fromFlag);
  return fromFlag;
}
