/**
 * Goal: the allocator shares agents between roles down the role tree, by weight, then between the
 * frameworks of a role; suppressed or inactive frameworks get nothing; a framework's resources in
 * a role it left still count for that role.
 * Method: identical one-cpu agents, so what counts is how many each framework receives in one
 * allocation run, whatever the (seeded, shuffled) agent order; shares narrated per case.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DrfAllocator } from '../../../src/allocator/drf-allocator.js';
import type { AgentId, FrameworkId } from '../../../src/common/ids.js';
import { SeededRng } from '../../../src/common/rng.js';

const scalar = (name: string, value: number) => ({ name, type: 'SCALAR' as const, scalar: { value } });
const fw = (id: string) => id as FrameworkId;

function cluster(agents: number, frameworks: Record<string, string[]>): DrfAllocator {
  const allocator = new DrfAllocator(new SeededRng(7));
  for (const [id, roles] of Object.entries(frameworks)) allocator.addFramework(fw(id), { roles, suppressedRoles: [] }, true);
  for (let i = 0; i < agents; i++) allocator.addAgent(`agent-${i}` as AgentId, { total: [scalar('cpus', 1), scalar('mem', 1024)], used: [] });
  return allocator;
}

/** Agents offered to each framework role (`framework role`) in one run. */
function offersIn(allocator: DrfAllocator): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const decision of allocator.allocate(0)) {
    const key = `${decision.frameworkId} ${decision.role}`;
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
}

test('roles share down the tree: a lone role gets as much as a parent role with two subroles', () => {
  // eng/web, eng/batch and ops: eng and ops each get half of the 4 agents; eng's half is split.
  const allocator = cluster(4, { A: ['eng/web'], B: ['eng/batch'], C: ['ops'] });
  assert.deepEqual(offersIn(allocator), { 'A eng/web': 1, 'B eng/batch': 1, 'C ops': 2 });
});

test('weights: a role of weight 3 gets three times the share of a role of weight 1', () => {
  const allocator = cluster(8, { A: ['eng'], B: ['ops'] });
  allocator.updateWeight('eng', 3);
  assert.deepEqual(offersIn(allocator), { 'A eng': 6, 'B ops': 2 });
});

test('a weight on a parent role applies to its whole subtree', () => {
  const allocator = cluster(8, { A: ['eng/web'], B: ['eng/batch'], C: ['ops'] });
  allocator.updateWeight('eng', 3);
  assert.deepEqual(offersIn(allocator), { 'A eng/web': 3, 'B eng/batch': 3, 'C ops': 2 });
});

test('frameworks within a role share it; a multi-role framework is offered per role', () => {
  const allocator = cluster(6, { A: ['web'], B: ['web'], M: ['web', 'batch'] });
  // Roles web and batch get 3 agents each; web's three go one to each of A, B and M.
  assert.deepEqual(offersIn(allocator), { 'A web': 1, 'B web': 1, 'M web': 1, 'M batch': 3 });
});

test('suppressed roles and inactive frameworks are passed over', () => {
  const allocator = cluster(4, { A: ['web'], B: ['web'], M: ['web', 'batch'] });
  allocator.suppressOffers(fw('M'), ['batch']);
  allocator.deactivateFramework(fw('B'));
  assert.deepEqual(offersIn(allocator), { 'A web': 2, 'M web': 2 });
});

test('a role a framework left is offered nothing, though what it holds there is kept', () => {
  const allocator = cluster(4, { A: ['eng'], B: ['ops'] });
  allocator.recordAllocation(fw('A'), 'agent-0' as AgentId, [{ ...scalar('cpus', 1), ...{ allocation_info: { role: 'eng' } } }]);
  allocator.updateFramework(fw('A'), { roles: ['web'], suppressedRoles: [] });
  const decisions = allocator.allocate(0);
  assert.equal(decisions.filter((d) => d.role === 'eng').length, 0);
  // Agent 0 still has its mem to give; its cpu stays with A until recovered.
  const cpusOffered = decisions.flatMap((d) => d.resources).filter((r) => r.name === 'cpus').reduce((sum, r) => sum + (r.scalar?.value ?? 0), 0);
  assert.equal(cpusOffered, 3);
  allocator.recoverResources(fw('A'), 'agent-0' as AgentId, [{ ...scalar('cpus', 1), allocation_info: { role: 'eng' } }], null, 0);
  for (const decision of decisions) allocator.recoverResources(decision.frameworkId, decision.agentId, decision.resources, null, 0);
  assert.equal(allocator.allocate(0).flatMap((d) => d.resources).filter((r) => r.name === 'cpus').length, 4);
});
