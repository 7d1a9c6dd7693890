/** The master's flags, named as Mesos names them where Mesos has them. */
import type { FlagSpec } from '../../common/flags.js';

export const MASTER_FLAGS: readonly FlagSpec[] = [
  { name: 'ip', kind: 'string', default: '127.0.0.1', help: 'IP address to listen on; use 0.0.0.0 or a host address to serve a real cluster' },
  { name: 'port', kind: 'integer', default: '5050', help: 'Port to listen on (0 picks a free port and writes it to <work_dir>/master.address)' },
  { name: 'hostname', kind: 'string', help: 'Hostname the master advertises (default: --ip)' },
  { name: 'work_dir', kind: 'string', help: 'Folder for the master\'s files (its address when --port=0, the registry of agents, the operator\'s weights, quota and gone agents); without it they are kept in memory only' },
  { name: 'allocation_interval', kind: 'duration', default: '1secs', help: 'How often the allocator runs a batch allocation' },
  {
    name: 'min_allocatable_resources',
    kind: 'string',
    default: 'cpus:0.01|mem:32',
    help: 'An offer must hold all quantities of one of these sets (sets separated by |, quantities by ;); ranges and sets count their members, e.g. disk:1|cpus:1;mem:32;ports:1',
  },
  { name: 'fair_sharing_excluded_resource_names', kind: 'string', help: 'Comma-separated resource names left out of fair shares (e.g. gpus)' },
  {
    name: 'offer_timeout',
    kind: 'duration',
    default: '1mins',
    help: 'Offers not answered within this time are rescinded, so a framework cannot hoard resources (Mesos sets none; use 0secs to never rescind)',
  },
  { name: 'agent_ping_timeout', kind: 'duration', default: '15secs', help: 'How long the master waits for an agent to answer a ping' },
  { name: 'max_agent_ping_timeouts', kind: 'integer', default: '5', help: 'Missed pings after which an agent is marked unreachable' },
  {
    name: 'agent_reregister_timeout',
    kind: 'duration',
    default: '10mins',
    help: 'After a master restart, agents of the registry (<work_dir>/agents.log) not back within this time are marked unreachable. Mesos requires at least 10mins; Meridian takes any positive duration, so tests can use short ones',
  },
  {
    name: 'registry_max_agent_age',
    kind: 'duration',
    default: '2weeks',
    help: 'How long the registry remembers an unreachable agent; one forgotten that comes back registers as new',
  },
  { name: 'registry_max_agent_count', kind: 'integer', default: '102400', help: 'How many unreachable agents the registry remembers; past it the oldest are forgotten' },
  { name: 'registry_gc_interval', kind: 'duration', default: '15mins', help: 'How often the registry forgets unreachable agents past registry_max_agent_age or registry_max_agent_count' },
  { name: 'heartbeat_interval', kind: 'duration', default: '15secs', help: 'Interval of HEARTBEAT events on scheduler and agent streams' },
  { name: 'max_operator_event_stream_subscribers', kind: 'integer', default: '1000', help: 'Operator API SUBSCRIBE streams open at once; past it the oldest is closed' },
  { name: 'max_completed_frameworks', kind: 'integer', default: '50', help: 'Completed frameworks kept in memory for state endpoints' },
  { name: 'max_completed_tasks_per_framework', kind: 'integer', default: '1000', help: 'Completed tasks kept in memory per framework' },
  {
    name: 'weights',
    kind: 'string',
    help: "Role weights as 'role1=weight1,role2=weight2' (deprecated in Mesos: use the Operator API); ignored once weights were saved in <work_dir>/weights.json",
  },
  { name: 'log_level', kind: 'string', default: 'info', help: 'Log level: trace, debug, info, warn, error' },
];
