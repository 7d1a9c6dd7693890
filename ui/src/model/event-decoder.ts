/**
 * Bytes of the master's SUBSCRIBE response in, events out: RecordIO framing (the same decoder the
 * servers use), UTF-8, JSON. A record that is not a JSON object with a string `type` means the
 * stream is broken, and the caller reconnects rather than guessing.
 */
import { RecordIODecoder } from '../../../src/common/recordio.js';
import type { MasterEvent } from './wire.js';

export class EventStreamError extends Error {
  override name = 'EventStreamError';
}

export class MasterEventDecoder {
  private readonly records = new RecordIODecoder();
  private readonly text = new TextDecoder('utf-8', { fatal: true });

  /** The events completed by this chunk, in order; throws EventStreamError on a broken stream. */
  decode(chunk: Uint8Array): MasterEvent[] {
    let records: Uint8Array[];
    try {
      records = this.records.decode(chunk);
    } catch (error) {
      throw new EventStreamError(`bad RecordIO framing: ${(error as Error).message}`);
    }
    return records.map((record) => this.parse(record));
  }

  private parse(record: Uint8Array): MasterEvent {
    let value: unknown;
    try {
      value = JSON.parse(this.text.decode(record));
    } catch (error) {
      throw new EventStreamError(`a record is not UTF-8 JSON: ${(error as Error).message}`);
    }
    const problem = eventProblem(value);
    if (problem !== null) throw new EventStreamError(`a record is not a valid event: ${problem}`);
    return value as MasterEvent;
  }
}

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);

/** Reads `path` (dot-separated) from `value`; undefined when any step is missing. */
function at(value: unknown, path: string): unknown {
  let current = value;
  for (const key of path.split('.')) {
    if (!isObject(current)) return undefined;
    current = current[key];
  }
  return current;
}

/** Fields each event type must carry for the UI to apply it: objects, and ids as strings. */
const REQUIRED: Record<string, { objects: string[]; strings: string[] }> = {
  SUBSCRIBED: { objects: ['subscribed'], strings: [] },
  TASK_ADDED: { objects: ['task_added.task'], strings: ['task_added.task.task_id.value', 'task_added.task.framework_id.value', 'task_added.task.agent_id.value', 'task_added.task.state'] },
  TASK_UPDATED: { objects: ['task_updated.status'], strings: ['task_updated.framework_id.value', 'task_updated.status.task_id.value', 'task_updated.state'] },
  AGENT_ADDED: { objects: ['agent_added.agent.agent_info'], strings: [] },
  AGENT_REMOVED: { objects: [], strings: ['agent_removed.agent_id.value'] },
  FRAMEWORK_ADDED: { objects: ['framework_added.framework.framework_info'], strings: [] },
  FRAMEWORK_UPDATED: { objects: ['framework_updated.framework.framework_info'], strings: [] },
  FRAMEWORK_REMOVED: { objects: ['framework_removed.framework_info'], strings: [] },
  HEARTBEAT: { objects: [], strings: [] },
};

/** What is wrong with a decoded record, naming the field; null when the UI can apply it. */
export function eventProblem(value: unknown): string | null {
  if (!isObject(value) || typeof value.type !== 'string') return "expected an object with a string 'type'";
  const required = REQUIRED[value.type];
  // Types this UI does not know are passed on; applying them changes nothing.
  if (required === undefined) return null;
  for (const path of required.objects) if (!isObject(at(value, path))) return `${value.type}: '${path}' must be an object`;
  for (const path of required.strings) if (typeof at(value, path) !== 'string') return `${value.type}: '${path}' must be a string`;
  return null;
}
