/** The agent's flags, named as Mesos names them where Mesos has them. */
import type { FlagSpec } from '../common/flags.js';

export const AGENT_FLAGS: readonly FlagSpec[] = [
  { name: 'master', kind: 'string', required: true, help: 'The master to register with, host:port' },
  { name: 'ip', kind: 'string', default: '127.0.0.1', help: 'IP address to listen on and to advertise' },
  { name: 'port', kind: 'integer', default: '5051', help: 'Port to listen on (0 picks a free port)' },
  { name: 'hostname', kind: 'string', help: 'Hostname the agent advertises (default: --ip)' },
  { name: 'work_dir', kind: 'string', required: true, help: 'Folder for sandboxes and checkpoints; reuse it across restarts to recover running tasks' },
  {
    name: 'resources',
    kind: 'string',
    help: "Total resources, overriding what is detected: 'cpus:4;mem:4096;disk:10000;ports:[31000-32000]' or a JSON array of Resource",
  },
  { name: 'attributes', kind: 'string', help: "Attributes offered with the agent's resources: 'rack:r1;zone:a'" },
  { name: 'executor_registration_timeout', kind: 'duration', default: '1mins', help: 'How long an executor may take to subscribe before its tasks fail' },
  { name: 'executor_reregistration_timeout', kind: 'duration', default: '2secs', help: 'After an agent restart, how long executors have to resubscribe' },
  { name: 'executor_shutdown_grace_period', kind: 'duration', default: '5secs', help: 'Time an executor has to stop its tasks when shut down' },
  {
    name: 'strict',
    kind: 'boolean',
    default: 'true',
    help: 'Whether a damaged checkpoint stops the agent at start; with false the agent skips what it cannot read, recovers the rest and counts slave/recovery_errors',
  },
  { name: 'recovery_timeout', kind: 'duration', default: '15mins', help: 'How long executors wait for a restarting agent before they kill their tasks and exit' },
  { name: 'registration_backoff_factor', kind: 'duration', default: '1secs', help: 'Upper bound of the first wait before (re)subscribing to the master; doubles on each failure up to 1mins' },
  { name: 'log_level', kind: 'string', default: 'info', help: 'Log level: trace, debug, info, warn, error' },
];
