/**
 * Builders of the master's v1 answers for the CLI views' tests: a GET_STATE with agents,
 * frameworks and tasks written in one line each, shaped as the Operator API answers them.
 */
import type { TaskState } from '../../../src/api/mesos.js';
import type { AgentJson, FrameworkJson, GetStateJson, ResourceJson, TaskJson } from '../../../src/cli/views/operator-json.js';

/** `cpus:4;mem:4096` as endpoint-format scalars, all allocated to `role` when given. */
export function scalars(text: string, role?: string): ResourceJson[] {
  return text.split(';').filter(Boolean).map((part) => {
    const [name, value] = part.split(':') as [string, string];
    return { name, type: 'SCALAR', scalar: { value: Number(value) }, ...(role !== undefined ? { allocation_info: { role } } : {}) };
  });
}

export function agent(id: string, hostname: string, port: number, total: string, used = '', offered = '', active = true): AgentJson {
  return {
    agent_info: { id: { value: id }, hostname, port },
    active,
    total_resources: scalars(total),
    ...(used ? { allocated_resources: scalars(used, '*') } : {}),
    ...(offered ? { offered_resources: scalars(offered, '*') } : {}),
  };
}

export function framework(id: string, name: string, roles: string[], used = '', active = true, role = roles[0]): FrameworkJson {
  return {
    framework_info: { id: { value: id }, name, roles },
    active,
    ...(used ? { allocated_resources: scalars(used, role) } : {}),
  };
}

export function task(id: string, state: TaskState, frameworkId: string, agentId: string, resources = 'cpus:0.1;mem:32'): TaskJson {
  return {
    name: id.replace(/-\d+$/, ''),
    task_id: { value: id },
    framework_id: { value: frameworkId },
    agent_id: { value: agentId },
    state,
    resources: scalars(resources, '*'),
  };
}

/**
 * Two agents on one host and one elsewhere; a web framework with two running tasks and a
 * finished one, a batch framework with one staging task, and a completed framework.
 */
export function sampleState(): GetStateJson {
  return {
    get_agents: {
      agents: [
        agent('M-S1', 'node-a', 5052, 'cpus:4;mem:4096;disk:8192', 'cpus:0.2;mem:64', 'cpus:3.8;mem:4032;disk:8192'),
        agent('M-S0', 'node-a', 5051, 'cpus:4;mem:4096;disk:8192', 'cpus:1;mem:512'),
        agent('M-S2', 'node-b', 5051, 'cpus:2;mem:2048;disk:1024', '', '', false),
      ],
    },
    get_frameworks: {
      frameworks: [
        framework('M-0001', 'batch', ['batch', 'batch/nightly'], 'cpus:1;mem:512', true, 'batch'),
        framework('M-0000', 'web', ['*'], 'cpus:0.2;mem:64'),
      ],
      completed_frameworks: [framework('M-0002', 'old-job', ['*'], '', false)],
    },
    get_tasks: {
      tasks: [
        task('web-2', 'TASK_RUNNING', 'M-0000', 'M-S1'),
        task('web-1', 'TASK_RUNNING', 'M-0000', 'M-S1'),
        task('nightly-1', 'TASK_STAGING', 'M-0001', 'M-S0', 'cpus:1;mem:512'),
        task('web-0', 'TASK_FINISHED', 'M-0000', 'M-S1'),
      ],
      completed_tasks: [task('old-1', 'TASK_FAILED', 'M-0002', 'M-S2')],
    },
  };
}
