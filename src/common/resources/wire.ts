/**
 * The Resource message in the Mesos v1 JSON shape (mesos.proto `Resource`), the one resource model
 * shared by the master, the allocator, the agents and the frameworks. Field names are Mesos'.
 */
import { Type, type Static } from '@sinclair/typebox';

export const Label = Type.Object({ key: Type.String(), value: Type.Optional(Type.String()) });
export type Label = Static<typeof Label>;
export const Labels = Type.Object({ labels: Type.Optional(Type.Array(Label)) });
export type Labels = Static<typeof Labels>;

export const Scalar = Type.Object({ value: Type.Number() });
export const Range = Type.Object({ begin: Type.Integer({ minimum: 0 }), end: Type.Integer({ minimum: 0 }) });
export type Range = Static<typeof Range>;
export const Ranges = Type.Object({ range: Type.Optional(Type.Array(Range)) });
export type Ranges = Static<typeof Ranges>;
export const ValueSet = Type.Object({ item: Type.Optional(Type.Array(Type.String())) });
export type ValueSet = Static<typeof ValueSet>;
export const Text = Type.Object({ value: Type.String() });

export const ValueType = Type.Union([Type.Literal('SCALAR'), Type.Literal('RANGES'), Type.Literal('SET'), Type.Literal('TEXT')]);
export type ValueType = Static<typeof ValueType>;

export const ReservationType = Type.Union([Type.Literal('UNKNOWN'), Type.Literal('STATIC'), Type.Literal('DYNAMIC')]);

/** One level of a reservation stack (RESERVATION_REFINEMENT format). */
export const ReservationInfo = Type.Object({
  type: Type.Optional(ReservationType),
  role: Type.Optional(Type.String()),
  principal: Type.Optional(Type.String()),
  labels: Type.Optional(Labels),
});
export type ReservationInfo = Static<typeof ReservationInfo>;

export const AllocationInfo = Type.Object({ role: Type.Optional(Type.String()) });
export type AllocationInfo = Static<typeof AllocationInfo>;

export const DiskInfo = Type.Object({
  persistence: Type.Optional(Type.Object({ id: Type.String(), principal: Type.Optional(Type.String()) })),
  volume: Type.Optional(Type.Unknown()),
  source: Type.Optional(Type.Unknown()),
});

export const Resource = Type.Object({
  provider_id: Type.Optional(Type.Object({ value: Type.String() })),
  name: Type.String({ minLength: 1 }),
  type: ValueType,
  scalar: Type.Optional(Scalar),
  ranges: Type.Optional(Ranges),
  set: Type.Optional(ValueSet),
  /** Pre-refinement format: the role the resource is reserved for, `*` when unreserved. */
  role: Type.Optional(Type.String()),
  allocation_info: Type.Optional(AllocationInfo),
  /** Pre-refinement format: the dynamic reservation of `role`. */
  reservation: Type.Optional(ReservationInfo),
  /** Refinement format: the stack of reservations, outermost last; empty means unreserved. */
  reservations: Type.Optional(Type.Array(ReservationInfo)),
  disk: Type.Optional(DiskInfo),
  revocable: Type.Optional(Type.Object({})),
  shared: Type.Optional(Type.Object({})),
});
export type Resource = Static<typeof Resource>;

export const Attribute = Type.Object({
  name: Type.String({ minLength: 1 }),
  type: ValueType,
  scalar: Type.Optional(Scalar),
  ranges: Type.Optional(Ranges),
  set: Type.Optional(ValueSet),
  text: Type.Optional(Text),
});
export type Attribute = Static<typeof Attribute>;
