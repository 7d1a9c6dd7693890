/**
 * Operator API v1 calls to the master (master.proto `mesos.v1.master.Call`), sent by operators,
 * tools and the UI to `POST /api/v1`. Every call is a union `{type: X, x: {...}}`;
 * `validateMasterCall` checks the envelope and the shape of the body the type names, and its
 * errors name the field. Rules beyond the shape (a weight must be positive, a role name valid)
 * belong to the master and are checked there (src/master/core/weights.ts).
 */
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { AgentID, FrameworkID, Resource } from '../mesos.js';
import { literals, makeUnionValidator, makeValidator } from '../schema.js';

/** Every call type of the Mesos 1.11 master API, in master.proto's order. */
export const MASTER_CALL_TYPES = [
  'GET_HEALTH', 'GET_FLAGS', 'GET_VERSION', 'GET_METRICS', 'GET_LOGGING_LEVEL', 'SET_LOGGING_LEVEL', 'LIST_FILES',
  'READ_FILE', 'GET_STATE', 'GET_AGENTS', 'GET_FRAMEWORKS', 'GET_EXECUTORS', 'GET_OPERATIONS', 'GET_TASKS', 'GET_ROLES',
  'GET_WEIGHTS', 'UPDATE_WEIGHTS', 'GET_MASTER', 'SUBSCRIBE', 'RESERVE_RESOURCES', 'UNRESERVE_RESOURCES',
  'CREATE_VOLUMES', 'DESTROY_VOLUMES', 'GROW_VOLUME', 'SHRINK_VOLUME', 'GET_MAINTENANCE_STATUS',
  'GET_MAINTENANCE_SCHEDULE', 'UPDATE_MAINTENANCE_SCHEDULE', 'START_MAINTENANCE', 'STOP_MAINTENANCE', 'GET_QUOTA',
  'UPDATE_QUOTA', 'SET_QUOTA', 'REMOVE_QUOTA', 'TEARDOWN', 'MARK_AGENT_GONE', 'DRAIN_AGENT', 'DEACTIVATE_AGENT',
  'REACTIVATE_AGENT',
] as const;
export type MasterCallType = (typeof MASTER_CALL_TYPES)[number];

/** The body key of each call type, or null for calls without a body (Mesos requires the body when there is one). */
export const MASTER_CALL_BODY: Readonly<Record<MasterCallType, string | null>> = {
  GET_HEALTH: null,
  GET_FLAGS: null,
  GET_VERSION: null,
  GET_METRICS: 'get_metrics',
  GET_LOGGING_LEVEL: null,
  SET_LOGGING_LEVEL: 'set_logging_level',
  LIST_FILES: 'list_files',
  READ_FILE: 'read_file',
  GET_STATE: null,
  GET_AGENTS: null,
  GET_FRAMEWORKS: null,
  GET_EXECUTORS: null,
  GET_OPERATIONS: null,
  GET_TASKS: null,
  GET_ROLES: null,
  GET_WEIGHTS: null,
  UPDATE_WEIGHTS: 'update_weights',
  GET_MASTER: null,
  SUBSCRIBE: null,
  RESERVE_RESOURCES: 'reserve_resources',
  UNRESERVE_RESOURCES: 'unreserve_resources',
  CREATE_VOLUMES: 'create_volumes',
  DESTROY_VOLUMES: 'destroy_volumes',
  GROW_VOLUME: 'grow_volume',
  SHRINK_VOLUME: 'shrink_volume',
  GET_MAINTENANCE_STATUS: null,
  GET_MAINTENANCE_SCHEDULE: null,
  UPDATE_MAINTENANCE_SCHEDULE: 'update_maintenance_schedule',
  START_MAINTENANCE: 'start_maintenance',
  STOP_MAINTENANCE: 'stop_maintenance',
  GET_QUOTA: null,
  UPDATE_QUOTA: 'update_quota',
  SET_QUOTA: 'set_quota',
  REMOVE_QUOTA: 'remove_quota',
  TEARDOWN: 'teardown',
  MARK_AGENT_GONE: 'mark_agent_gone',
  DRAIN_AGENT: 'drain_agent',
  DEACTIVATE_AGENT: 'deactivate_agent',
  REACTIVATE_AGENT: 'reactivate_agent',
};

/**
 * A role's weight (mesos.proto `WeightInfo`). Mesos declares `role` optional, but an absent role
 * is the empty name, which no role validation accepts; requiring it names the problem sooner.
 */
export const WeightInfo = Type.Object({ role: Type.String(), weight: Type.Number() });
export type WeightInfo = Static<typeof WeightInfo>;

/**
 * `Call.UpdateWeights`. An absent `weight_infos` is an empty list (a no-op), as in Mesos: protobuf's
 * JSON leaves empty lists out, so a client sending none writes `"update_weights": {}`.
 */
export const UpdateWeights = Type.Object({ weight_infos: Type.Optional(Type.Array(WeightInfo)) });

/**
 * `Call.ReserveResources`: reserve `resources` on an agent. Without `source` each resource gets one
 * more DYNAMIC reservation level; with it, the unallocated `source` is re-reserved as `resources`
 * (same amounts). Resources in either reservation format. Protobuf's JSON leaves an empty `source`
 * out, so absent means none.
 */
export const ReserveResources = Type.Object({
  agent_id: AgentID,
  source: Type.Optional(Type.Array(Resource)),
  resources: Type.Array(Resource),
});
export type ReserveResources = Static<typeof ReserveResources>;

/** `Call.UnreserveResources`: each resource loses its innermost (DYNAMIC) reservation level. */
export const UnreserveResources = Type.Object({ agent_id: AgentID, resources: Type.Array(Resource) });
export type UnreserveResources = Static<typeof UnreserveResources>;

/** `{cpus: {value: 4}}`: a QuotaConfig's guarantees or limits. */
const ScalarAmounts = Type.Record(Type.String(), Type.Object({ value: Type.Number() }));

/** `quota.QuotaConfig` (Mesos 1.9+): a role's guarantees and limits; both empty removes its quota. */
export const QuotaConfig = Type.Object({
  role: Type.String(),
  guarantees: Type.Optional(ScalarAmounts),
  limits: Type.Optional(ScalarAmounts),
});
export type QuotaConfig = Static<typeof QuotaConfig>;

/** `Call.UpdateQuota`: all-or-nothing; `force` skips the consumption and capacity checks. */
export const UpdateQuota = Type.Object({ force: Type.Optional(Type.Boolean()), quota_configs: Type.Optional(Type.Array(QuotaConfig)) });

/** `quota.QuotaRequest` (deprecated SET_QUOTA and `POST /quota`): guarantees that are the limits too. */
export const QuotaRequest = Type.Object({ force: Type.Optional(Type.Boolean()), role: Type.String(), guarantee: Type.Optional(Type.Array(Resource)) });
export type QuotaRequest = Static<typeof QuotaRequest>;

/**
 * `Call.GetMetrics`: `timeout` bounds how long the answer may take. Every metric is read at
 * once, so none can be late and the value changes nothing; it must still be a duration.
 */
export const GetMetrics = Type.Object({ timeout: Type.Optional(Type.Object({ nanoseconds: Type.Integer({ minimum: 0 }) })) });

/**
 * `Call.SetLoggingLevel`: log more verbosely (glog's verbosity `level`; 0 is the master's own
 * level) for `duration`, then return to the master's own level.
 */
export const SetLoggingLevel = Type.Object({
  level: Type.Integer({ minimum: 0 }),
  duration: Type.Object({ nanoseconds: Type.Integer({ minimum: 0 }) }),
});
export type SetLoggingLevel = Static<typeof SetLoggingLevel>;

/** `Call.Teardown`: remove a framework, killing its tasks and executors. */
export const Teardown = Type.Object({ framework_id: FrameworkID });

/** `Call.MarkAgentGone`: the agent is never coming back; it may not reregister. */
export const MarkAgentGone = Type.Object({ agent_id: AgentID });

/** Bodies of calls Meridian does not implement yet: present when required, their content unchecked. */
const NotYetChecked: TSchema = Type.Unknown();

export const MasterCall = Type.Object({
  type: literals(MASTER_CALL_TYPES),
  update_weights: Type.Optional(UpdateWeights),
  get_metrics: Type.Optional(GetMetrics),
  set_logging_level: Type.Optional(SetLoggingLevel),
  list_files: Type.Optional(NotYetChecked),
  read_file: Type.Optional(NotYetChecked),
  reserve_resources: Type.Optional(ReserveResources),
  unreserve_resources: Type.Optional(UnreserveResources),
  create_volumes: Type.Optional(NotYetChecked),
  destroy_volumes: Type.Optional(NotYetChecked),
  grow_volume: Type.Optional(NotYetChecked),
  shrink_volume: Type.Optional(NotYetChecked),
  update_maintenance_schedule: Type.Optional(NotYetChecked),
  start_maintenance: Type.Optional(NotYetChecked),
  stop_maintenance: Type.Optional(NotYetChecked),
  update_quota: Type.Optional(UpdateQuota),
  set_quota: Type.Optional(Type.Object({ quota_request: QuotaRequest })),
  remove_quota: Type.Optional(Type.Object({ role: Type.String() })),
  teardown: Type.Optional(Teardown),
  mark_agent_gone: Type.Optional(MarkAgentGone),
  drain_agent: Type.Optional(NotYetChecked),
  deactivate_agent: Type.Optional(NotYetChecked),
  reactivate_agent: Type.Optional(NotYetChecked),
});
export type MasterCall = Static<typeof MasterCall>;

export const validateMasterCall = makeUnionValidator<MasterCall>('master::Call', MasterCall, MASTER_CALL_BODY);

/** The body of the legacy `PUT /weights`: a bare JSON array of WeightInfo (paths read `[1].weight`). */
export const validateWeightInfoArray = makeValidator(Type.Array(WeightInfo));

/** `Response.GetWeights` as Mesos serialises it: an empty repeated field is left out. */
export function getWeightsResponse(weightInfos: readonly WeightInfo[]): { type: 'GET_WEIGHTS'; get_weights: { weight_infos?: WeightInfo[] } } {
  return { type: 'GET_WEIGHTS', get_weights: weightInfos.length > 0 ? { weight_infos: [...weightInfos] } : {} };
}
