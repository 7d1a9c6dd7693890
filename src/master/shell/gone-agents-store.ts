/**
 * Where the master keeps the agents an operator marked gone: `<work_dir>/gone-agents.json`, the
 * part of Mesos' registry that holds gone agents. A MARK_AGENT_GONE is saved durably before it is
 * applied or acknowledged, so a gone agent stays refused after a master restart. Without a
 * work_dir the list lives in memory only.
 */
import { Type } from '@sinclair/typebox';
import { makeValidator } from '../../api/schema.js';
import { readJsonFile, writeFileDurably } from '../../common/durable-file.js';
import type { AgentId } from '../../common/ids.js';

export const GONE_AGENTS_FILE = 'gone-agents.json';
/**
 * Gone agents remembered at most; the oldest are forgotten first (Mesos' registry keeps 102,400
 * by default, `--registry_max_agent_count`). A forgotten agent could register again as new.
 */
export const GONE_AGENTS_MAX = 102_400;

const validateGoneAgentsFile = makeValidator(Type.Object({ agent_ids: Type.Array(Type.Object({ value: Type.String({ minLength: 1 }) })) }));

export class GoneAgentsStore {
  /** What the file holds, oldest first. */
  private ids: AgentId[] = [];

  constructor(readonly path: string) {}

  /** The saved gone agents (none when there is no file yet); a file that does not hold them throws, naming it. */
  load(): AgentId[] {
    const parsed = readJsonFile(this.path, (why) => this.corrupt(why));
    if (parsed === undefined) return [];
    const shape = validateGoneAgentsFile(parsed);
    if (!shape.ok) throw this.corrupt(`does not hold gone agents: ${shape.error}`);
    this.ids = shape.value.agent_ids.map((id) => id.value as AgentId);
    return [...this.ids];
  }

  /** Adds an agent to the saved list; resolves once it is durable, and changes nothing when the write fails. */
  async add(agentId: AgentId): Promise<void> {
    const next = [...this.ids.filter((id) => id !== agentId), agentId].slice(-GONE_AGENTS_MAX);
    await writeFileDurably(this.path, `${JSON.stringify({ agent_ids: next.map((value) => ({ value })) })}\n`);
    this.ids = next;
  }

  private corrupt(why: string): Error {
    return new Error(`${this.path} ${why}. It holds the agents the operator marked gone; fix it or remove it (gone agents could then register again)`);
  }
}
