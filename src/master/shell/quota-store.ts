/**
 * Where the master keeps quota across restarts: `<work_dir>/quota.json`, the part of Mesos'
 * registry that holds quota configs. Saved durably before an update is applied or acknowledged.
 * Without a work_dir quota lives in memory only, and a restarted master starts without it.
 */
import { Type } from '@sinclair/typebox';
import { QuotaConfig } from '../../api/operator/calls.js';
import { makeValidator } from '../../api/schema.js';
import type { QuotaSpec } from '../../allocator/quota.js';
import { readJsonFile, writeFileDurably } from '../../common/durable-file.js';
import { checkQuotaConfigs, toQuotaConfig } from '../core/quota-rules.js';

export const QUOTA_FILE = 'quota.json';

const validateQuotaFile = makeValidator(Type.Object({ quota_configs: Type.Array(QuotaConfig) }));

export class QuotaStore {
  constructor(readonly path: string) {}

  /** The saved quotas (none when there is no file yet); a file that does not hold valid quota throws, naming it. */
  load(): Array<{ role: string; spec: QuotaSpec }> {
    const parsed = readJsonFile(this.path, (why) => this.corrupt(why));
    if (parsed === undefined) return [];
    const shape = validateQuotaFile(parsed);
    if (!shape.ok) throw this.corrupt(`does not hold quota configs: ${shape.error}`);
    const checked = checkQuotaConfigs(shape.value.quota_configs, 'quota_configs');
    if (!checked.ok) throw this.corrupt(`holds an invalid quota config: ${checked.error}`);
    return checked.value;
  }

  /** Replaces the saved quotas with `quotas`; resolves once they are durable. */
  async save(quotas: ReadonlyMap<string, QuotaSpec>): Promise<void> {
    const configs = [...quotas.keys()].sort().map((role) => toQuotaConfig(role, quotas.get(role) as QuotaSpec));
    await writeFileDurably(this.path, `${JSON.stringify({ quota_configs: configs })}\n`);
  }

  private corrupt(why: string): Error {
    return new Error(`${this.path} ${why}. It holds the operator's role quotas; fix it or remove it (the master then starts with no quota)`);
  }
}
