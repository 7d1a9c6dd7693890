/**
 * Where an agent keeps things under `--work_dir`, laid out as Mesos lays it out so operators find
 * sandboxes where they expect them:
 *
 *   slaves/<agent>/frameworks/<framework>/executors/<executor>/runs/<container>   the sandbox
 *   meta/slaves/<agent>/frameworks/<framework>/executors/<executor>/...           checkpoints
 */
import { join } from 'node:path';

export class AgentPaths {
  constructor(readonly workDir: string) {}

  metaDir(): string {
    return join(this.workDir, 'meta');
  }

  /** Holds the id of the agent this work dir belongs to (Mesos keeps a `latest` symlink). */
  latestAgentFile(): string {
    return join(this.metaDir(), 'slaves', 'latest');
  }

  agentMetaDir(agentId: string): string {
    return join(this.metaDir(), 'slaves', agentId);
  }

  agentInfoFile(agentId: string): string {
    return join(this.agentMetaDir(agentId), 'slave.info');
  }

  frameworkMetaDir(agentId: string, frameworkId: string): string {
    return join(this.agentMetaDir(agentId), 'frameworks', frameworkId);
  }

  frameworkInfoFile(agentId: string, frameworkId: string): string {
    return join(this.frameworkMetaDir(agentId, frameworkId), 'framework.info');
  }

  executorMetaDir(agentId: string, frameworkId: string, executorId: string): string {
    return join(this.frameworkMetaDir(agentId, frameworkId), 'executors', executorId);
  }

  executorInfoFile(agentId: string, frameworkId: string, executorId: string): string {
    return join(this.executorMetaDir(agentId, frameworkId, executorId), 'executor.info');
  }

  taskMetaDir(agentId: string, frameworkId: string, executorId: string, taskId: string): string {
    return join(this.executorMetaDir(agentId, frameworkId, executorId), 'tasks', taskId);
  }

  taskInfoFile(agentId: string, frameworkId: string, executorId: string, taskId: string): string {
    return join(this.taskMetaDir(agentId, frameworkId, executorId, taskId), 'task.info');
  }

  taskUpdatesFile(agentId: string, frameworkId: string, executorId: string, taskId: string): string {
    return join(this.taskMetaDir(agentId, frameworkId, executorId, taskId), 'task.updates');
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
