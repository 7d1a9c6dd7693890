/**
 * Identifiers are opaque strings on the wire; inside Meridian each kind has its own brand so an
 * agent id cannot be passed where a framework id is expected. Generated ids follow the Mesos
 * formats, which some clients parse for display: `<master>-0000`, `<master>-S3`, `<master>-O42`.
 */
export type MasterId = string & { readonly __brand: 'MasterId' };
export type FrameworkId = string & { readonly __brand: 'FrameworkId' };
export type AgentId = string & { readonly __brand: 'AgentId' };
export type OfferId = string & { readonly __brand: 'OfferId' };
export type TaskId = string & { readonly __brand: 'TaskId' };
export type ExecutorId = string & { readonly __brand: 'ExecutorId' };
export type ContainerId = string & { readonly __brand: 'ContainerId' };

export const frameworkIdOf = (masterId: MasterId, counter: number): FrameworkId =>
  `${masterId}-${String(counter).padStart(4, '0')}` as FrameworkId;
export const agentIdOf = (masterId: MasterId, counter: number): AgentId => `${masterId}-S${counter}` as AgentId;
export const offerIdOf = (masterId: MasterId, counter: number): OfferId => `${masterId}-O${counter}` as OfferId;

/** A wire id object: `{"value": "..."}`. */
export interface IdValue {
  value: string;
}
