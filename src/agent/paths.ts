/**
 * Where an agent keeps things under `--work_dir`, laid out as Mesos lays it out so operators find
 * sandboxes where they expect them:
 *
 *   slaves/<agent>/frameworks/<framework>/executors/<executor>/runs/<container>   the sandbox
 *   meta/journal                                                                  checkpoints (see checkpoint.ts)
 *   meta/resources.json                                                           dynamic reservations
 */
import { join } from 'node:path';

export class AgentPaths {
  constructor(readonly workDir: string) {}

  metaDir(): string {
    return join(this.workDir, 'meta');
  }

  /** The agent's checkpoint journal (see checkpoint.ts). */
  journalFile(): string {
    return join(this.metaDir(), 'journal');
  }

  /** The agent's dynamic reservations, as the master last sent them (CHECKPOINT_RESOURCES). */
  resourcesFile(): string {
    return join(this.metaDir(), 'resources.json');
  }

  executorHostFile(): string {
    return join(this.metaDir(), 'executor-host.json');
  }

  executorHostLog(): string {
    return join(this.workDir, 'executor-host.log');
  }

  sandbox(agentId: string, frameworkId: string, executorId: string, containerId: string): string {
    return join(this.workDir, 'slaves', agentId, 'frameworks', frameworkId, 'executors', executorId, 'runs', containerId);
  }
}
