/**
 * Dynamic reservations as Mesos checks them (docs/reservation.md, master/validation.cpp): the
 * RESERVE and UNRESERVE operations of a framework's ACCEPT and the operator's RESERVE_RESOURCES and
 * UNRESERVE_RESOURCES. A valid request becomes a conversion `from → to` of equal amounts, which the
 * master then applies to what the framework was offered (or to the agent's free resources), to the
 * allocator and to the agent. Nothing here looks at the state of the cluster: whether `from` is
 * there to convert is the caller's question.
 *
 * Either reservation format is accepted on input (`role` + `reservation`, or the `reservations`
 * stack of RESERVATION_REFINEMENT); both become the stack. A RESERVE pushes one DYNAMIC level on
 * top of what the resources had (so `from` is `resources` with that level popped), an UNRESERVE
 * pops it; with `source`, a RESERVE turns `source` into `resources` directly (Mesos' re-reservation).
 */
import type { ReservationInfo, Resource } from '../../api/mesos.js';
import {
  addAll, contains, describe, isDynamicallyReserved, normalize, popReservation, toUnreserved, unallocated, validateResources,
} from '../../allocator/resource-math.js';
import { isSameOrSubrole, validateRole } from './roles.js';

/** A valid request as the conversion it makes; or why it is invalid, naming the field. */
export type Conversion = { ok: true; from: Resource[]; to: Resource[] } | { ok: false; error: string };

/**
 * Who asks. A framework reserves what it was offered: its resources carry the offer's allocation
 * role (injected for frameworks that are not MULTI_ROLE and so never see one, as Mesos injects it),
 * its reservations are for that role, and their principal is its own when it has one. An operator
 * reserves unallocated resources; without HTTP authentication any principal is accepted.
 */
export type Requester =
  | { kind: 'framework'; roles: readonly string[]; principal: string | undefined; multiRole: boolean; refinement: boolean; offerRole: string }
  | { kind: 'operator' };

type Checked = { ok: true; resource: Resource } | { ok: false; error: string };

/** Checks one wire entry's shape and reservation stack, and returns it in the refinement format. */
export function checkResourceEntry(resource: Resource, at: string): Checked {
  const problem = validateResources([resource]);
  if (problem !== null) return { ok: false, error: `${at}: ${problem}` };
  const stack = resource.reservations ?? [];
  if (stack.length > 0 && (resource.role !== undefined || resource.reservation !== undefined)) {
    return { ok: false, error: `${at}: 'reservations' must not be given together with 'role' or 'reservation' (the format before RESERVATION_REFINEMENT)` };
  }
  if (resource.role !== undefined) {
    const roleProblem = validateRole(resource.role);
    if (roleProblem) return { ok: false, error: `${at}.role: ${roleProblem}` };
    if (resource.role === '*' && resource.reservation !== undefined) {
      return { ok: false, error: `${at}.reservation: role '*' cannot be dynamically reserved` };
    }
  }
  const stackProblem = checkStack(stack, `${at}.reservations`);
  if (stackProblem) return { ok: false, error: stackProblem };
  return { ok: true, resource: normalize(resource) };
}

/** A reservation stack is well formed: typed levels for valid roles, each level refining the one below. */
function checkStack(stack: readonly ReservationInfo[], at: string): string | null {
  for (const [index, level] of stack.entries()) {
    const here = `${at}[${index}]`;
    if (level.type !== 'STATIC' && level.type !== 'DYNAMIC') return `${here}.type: must be STATIC or DYNAMIC`;
    if (level.role === undefined) return `${here}.role: must be set`;
    const roleProblem = validateRole(level.role);
    if (roleProblem) return `${here}.role: ${roleProblem}`;
    if (level.role === '*') return `${here}.role: role '*' cannot be reserved`;
    const below = index > 0 ? stack[index - 1] : undefined;
    if (below) {
      if (level.type === 'STATIC') return `${here}.type: a refined reservation cannot be STATIC`;
      const ancestor = below.role ?? '*';
      if (level.role === ancestor || !isSameOrSubrole(level.role, ancestor)) {
        return `${here}.role: role '${level.role}' is not a refinement of '${ancestor}' (it must lie below it in the role tree)`;
      }
    }
  }
  return null;
}

/**
 * Checks every entry of an operation's list and brings it into the refinement format, with the
 * offer's allocation role where a framework could not give one.
 */
function checkList(list: readonly Resource[], at: string, requester: Requester): { ok: true; resources: Resource[] } | { ok: false; error: string } {
  const resources: Resource[] = [];
  for (const [index, entry] of list.entries()) {
    const checked = checkResourceEntry(entry, `${at}[${index}]`);
    if (!checked.ok) return checked;
    let resource = checked.resource;
    if (requester.kind === 'framework' && !requester.multiRole && resource.allocation_info?.role === undefined) {
      resource = { ...resource, allocation_info: { role: requester.offerRole } };
    }
    if (requester.kind === 'operator' && resource.allocation_info !== undefined) {
      return { ok: false, error: `${at}[${index}].allocation_info: the operator API reserves and unreserves unallocated resources only` };
    }
    resources.push(resource);
  }
  return { ok: true, resources };
}

/** The rules for one entry a RESERVE reserves (its innermost level is the reservation being made). */
function checkReserved(resource: Resource, at: string, requester: Requester): string | null {
  if (!isDynamicallyReserved(resource)) return `${at}: ${describe([resource])} is not dynamically reserved`;
  const stack = resource.reservations ?? [];
  const top = stack[stack.length - 1] as ReservationInfo;
  const topAt = `${at}.reservations[${stack.length - 1}]`;
  if (requester.kind === 'operator') return null;
  if (stack.length > 1 && !requester.refinement) {
    return `${at}.reservations: refining a reservation needs the RESERVATION_REFINEMENT capability`;
  }
  if (requester.principal !== undefined) {
    if (top.principal === undefined) {
      return `${topAt}.principal: the framework's principal is '${requester.principal}', but the reservation has no principal`;
    }
    if (top.principal !== requester.principal) {
      return `${topAt}.principal: '${top.principal}' does not match the framework's principal '${requester.principal}'`;
    }
  }
  const allocationRole = resource.allocation_info?.role;
  if (allocationRole === undefined) {
    return `${at}.allocation_info: frameworks reserve resources allocated to them: 'allocation_info.role' must be set`;
  }
  if (allocationRole !== top.role) {
    return `${topAt}.role: a reservation for role '${top.role ?? ''}' of resources allocated to role '${allocationRole}' (the reservation role must be the offer's allocation role)`;
  }
  if (!requester.roles.includes(allocationRole)) {
    return `${at}.allocation_info.role: '${allocationRole}' is not a role of the framework (${requester.roles.join(', ')})`;
  }
  return null;
}

/**
 * A RESERVE (`path` names it: `reserve_resources`, `accept.operations[1].reserve`). Without
 * `source`, each entry of `resources` gets one new DYNAMIC level on top of what it had; with it,
 * `source` becomes `resources`, which must hold the same amounts, each list with one reservation.
 */
export function checkReserve(resources: readonly Resource[], source: readonly Resource[], requester: Requester, path: string): Conversion {
  if (resources.length === 0) return { ok: false, error: `${path}.resources: must not be empty` };
  const target = checkList(resources, `${path}.resources`, requester);
  if (!target.ok) return target;
  for (const [index, resource] of target.resources.entries()) {
    const problem = checkReserved(resource, `${path}.resources[${index}]`, requester);
    if (problem) return { ok: false, error: problem };
  }
  if (requester.kind === 'framework') {
    const roles = new Set(target.resources.map((r) => r.allocation_info?.role));
    if (roles.size > 1) return { ok: false, error: `${path}.resources: all resources must be allocated to one role, not to ${[...roles].join(', ')}` };
  }
  const to = addAll([], target.resources);
  if (source.length === 0) return { ok: true, from: addAll([], target.resources.map(popReservation)), to };
  const origin = checkList(source, `${path}.source`, requester);
  if (!origin.ok) return origin;
  const mixed = mixedReservations(origin.resources, `${path}.source`) ?? mixedReservations(target.resources, `${path}.resources`);
  if (mixed) return { ok: false, error: mixed };
  const from = addAll([], origin.resources);
  const [have, want] = [toUnreserved(unallocated(from)), toUnreserved(unallocated(to))];
  if (!contains(have, want) || !contains(want, have)) {
    return { ok: false, error: `${path}.source: must hold the same amounts as 'resources': ${describe(have)} vs. ${describe(want)}` };
  }
  return { ok: true, from, to };
}

/** Each list of a re-reservation moves resources of one reservation stack (Mesos refuses mixed ones). */
function mixedReservations(list: readonly Resource[], at: string): string | null {
  const stacks = new Set(list.map((resource) => JSON.stringify(resource.reservations ?? [])));
  return stacks.size > 1 ? `${at}: all entries must have the same reservations` : null;
}

/** An UNRESERVE: each entry must be dynamically reserved, and loses its innermost reservation level. */
export function checkUnreserve(resources: readonly Resource[], requester: Requester, path: string): Conversion {
  if (resources.length === 0) return { ok: false, error: `${path}.resources: must not be empty` };
  const checked = checkList(resources, `${path}.resources`, requester);
  if (!checked.ok) return checked;
  for (const [index, resource] of checked.resources.entries()) {
    const at = `${path}.resources[${index}]`;
    if (!isDynamicallyReserved(resource)) return { ok: false, error: `${at}: ${describe([resource])} is not dynamically reserved` };
    if (resource.disk?.persistence !== undefined) {
      return { ok: false, error: `${at}: ${describe([resource])} is a persistent volume: destroy it before unreserving its resources` };
    }
  }
  return { ok: true, from: addAll([], checked.resources), to: addAll([], checked.resources.map(popReservation)) };
}
