/**
 * Goal: operator quota (Mesos 1.9+ UPDATE_QUOTA semantics) changes what the master offers — limits
 * are never exceeded, guarantees are laid away — and bad quota never gets in, from the Operator
 * API, the deprecated calls or the saved file.
 * Method: the rules tested directly with the messages they give; the core driven through the
 * Harness (one-cpu agents, roles contending, offers summed per role); the quota file round-tripped.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Offer } from '../../../src/api/mesos.js';
import {
  applyQuotaUpdate, checkOvercommit, checkQuotaConfigs, checkQuotaTree, quotaStatus, totalGuarantees,
} from '../../../src/master/core/quota-rules.js';
import { QuotaStore } from '../../../src/master/shell/quota-store.js';
import { frameworkEvents, Harness } from './harness.js';

const error = (result: { ok: boolean; error?: string }) => (result.ok ? null : result.error);

test('quota configs: role names, scalar resources, finite non-negative amounts, guarantees within limits, one config a role', () => {
  const check = (configs: Parameters<typeof checkQuotaConfigs>[0]) => error(checkQuotaConfigs(configs, 'update_quota.quota_configs'));
  assert.equal(check([{ role: 'dev', limits: { cpus: { value: 10 }, mem: { value: 2048 } }, guarantees: { cpus: { value: 1 } } }]), null);
  assert.match(check([{ role: 'a//b', limits: {} }]) ?? '', /quota_configs\[0\]\.role: .*'\/\/'/);
  assert.match(check([{ role: 'dev', limits: { ports: { value: 10 } } }]) ?? '', /quota_configs\[0\]\.limits\.ports: quota applies to scalar resources only/);
  assert.match(check([{ role: 'dev', limits: { cpus: { value: -1 } } }]) ?? '', /limits\.cpus\.value: must not be negative/);
  assert.match(check([{ role: 'dev', limits: { cpus: { value: Infinity } } }]) ?? '', /limits\.cpus\.value: must be a finite number/);
  assert.match(check([{ role: 'dev', guarantees: { cpus: { value: 4 } }, limits: { cpus: { value: 2 } } }]) ?? '', /the guarantee of cpus \(4\) is above its limit \(2\)/);
  assert.match(check([{ role: 'dev' }, { role: ' dev ' }]) ?? '', /quota_configs\[1\]\.role: role 'dev' already has a quota config at update_quota\.quota_configs\[0\]/);
  const ok = checkQuotaConfigs([{ role: ' dev ', limits: { cpus: { value: 0.0004 } } }], 'x');
  assert.deepEqual(ok.ok && ok.value, [{ role: 'dev', spec: { guarantees: {}, limits: { cpus: 0 } } }], 'trimmed, in thousandths');
});

test('quota tree: a parent\'s guarantees hold its children\'s, and only top-level guarantees count towards capacity', () => {
  const quotas = applyQuotaUpdate(new Map(), [
    { role: 'eng', spec: { guarantees: { cpus: 4 }, limits: {} } },
    { role: 'eng/web', spec: { guarantees: { cpus: 3 }, limits: {} } },
    { role: 'eng/batch', spec: { guarantees: { cpus: 1 }, limits: {} } },
  ]);
  assert.equal(checkQuotaTree(quotas), null);
  assert.deepEqual(totalGuarantees(quotas), { cpus: 4 });
  const tooMuch = applyQuotaUpdate(quotas, [{ role: 'eng/batch', spec: { guarantees: { cpus: 2 }, limits: {} } }]);
  assert.match(checkQuotaTree(tooMuch) ?? '', /parent role 'eng' with guarantees \(cpus:4\) does not hold the sum of its children's guarantees \(cpus:5\)/);
  assert.match(checkOvercommit(quotas, { cpus: 3 }) ?? '', /total quota guarantees 'cpus:4' exceed cluster capacity 'cpus:3'/);
  assert.equal(checkOvercommit(quotas, { cpus: 4, mem: 1 }), null);
  assert.equal(applyQuotaUpdate(quotas, [{ role: 'eng/web', spec: { guarantees: {}, limits: {} } }]).has('eng/web'), false, 'an empty config removes');
});

test('GET_QUOTA status: legacy infos with guarantees as scalar resources, and configs, sorted by role', () => {
  const status = quotaStatus(new Map([['b', { guarantees: { cpus: 1 }, limits: { cpus: 2 } }], ['a', { guarantees: {}, limits: { mem: 64 } }]]));
  assert.deepEqual(status, {
    infos: [{ role: 'a', guarantee: [] }, { role: 'b', guarantee: [{ name: 'cpus', type: 'SCALAR', scalar: { value: 1 } }] }],
    configs: [{ role: 'a', limits: { mem: { value: 64 } } }, { role: 'b', guarantees: { cpus: { value: 1 } }, limits: { cpus: { value: 2 } } }],
  });
  assert.deepEqual(quotaStatus(new Map()), {});
});

function cpusByFramework(offers: Offer[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const offer of offers) {
    const cpus = offer.resources.filter((r) => r.name === 'cpus').reduce((sum, r) => sum + (r.scalar?.value ?? 0), 0);
    out.set(offer.framework_id.value, (out.get(offer.framework_id.value) ?? 0) + cpus);
  }
  return out;
}

function cluster(agents = 8): { h: Harness; dev: string; ops: string } {
  const h = new Harness();
  for (let i = 0; i < agents; i++) h.addAgent('cpus:1;mem:1024', `agent-${i}`);
  const dev = h.subscribe('dev', { role: 'dev' }).frameworkId;
  const ops = h.subscribe('ops', { role: 'ops' }).frameworkId;
  return { h, dev, ops };
}

test('a quota limit caps what the role is offered; the rest of the cluster goes to others', () => {
  const { h, dev, ops } = cluster();
  h.step({ kind: 'update-quota', update: [{ role: 'dev', spec: { guarantees: {}, limits: { cpus: 2 } } }] });
  const cpus = cpusByFramework(h.allocate());
  assert.equal(cpus.get(dev), 2);
  assert.equal(cpus.get(ops), 6);
  assert.deepEqual(h.core.quotas().get('dev'), { guarantees: {}, limits: { cpus: 2 } });
});

test('setting a limit rescinds the role\'s offers above it; without force a limit below what is used is refused', () => {
  const { h, dev } = cluster();
  const offers = h.allocate();
  const devOffers = offers.filter((o) => o.framework_id.value === dev);
  assert.equal(devOffers.length, 4);
  // dev launches a one-cpu task on one offer: it now consumes 1 cpu (offers are not charged).
  h.launch(dev as never, devOffers[0] as Offer, [{ id: 't1', resources: [{ name: 'cpus', type: 'SCALAR', scalar: { value: 1 } }, { name: 'mem', type: 'SCALAR', scalar: { value: 32 } }] }]);
  assert.deepEqual(h.core.quotaConsumed('dev'), { cpus: 1, mem: 32 });
  assert.match(h.core.checkQuotaUpdate([{ role: 'dev', spec: { guarantees: {}, limits: { cpus: 0.5 } } }], false)?.message ?? '', /role 'dev' is already consuming 'cpus:1; mem:32'; this is more than the requested limits 'cpus:0.5' \(use 'force' flag/);
  assert.equal(h.core.checkQuotaUpdate([{ role: 'dev', spec: { guarantees: {}, limits: { cpus: 0.5 } } }], true), null, 'force bypasses it');
  const effects = h.step({ kind: 'update-quota', update: [{ role: 'dev', spec: { guarantees: {}, limits: { cpus: 2 } } }] });
  const rescinded = frameworkEvents(effects, dev as never).filter((e) => e.type === 'RESCIND').length;
  assert.ok(rescinded >= 2, `dev held 1 + 3 offered cpus against a limit of 2: ${rescinded} rescinded`);
  assert.ok(effects.some((e) => e.kind === 'allocation-wanted'));
});

test('guarantees the cluster cannot hold are refused without force', () => {
  const { h } = cluster(2);
  assert.match(h.core.checkQuotaUpdate([{ role: 'dev', spec: { guarantees: { cpus: 3 }, limits: {} } }], false)?.message ?? '', /exceed cluster capacity 'cpus:2; mem:2048'/);
  assert.equal(h.core.checkQuotaUpdate([{ role: 'dev', spec: { guarantees: { cpus: 2 }, limits: {} } }], false), null);
});

test('the quota file round-trips, and a corrupt one is refused naming the file', () => {
  const folder = mkdtempSync(join(tmpdir(), 'meridian-quota-'));
  try {
    const store = new QuotaStore(join(folder, 'quota.json'));
    assert.deepEqual(store.load(), [], 'no file yet: no quota');
    return store.save(new Map([['dev', { guarantees: { cpus: 1 }, limits: { cpus: 2 } }]])).then(() => {
      assert.deepEqual(store.load(), [{ role: 'dev', spec: { guarantees: { cpus: 1 }, limits: { cpus: 2 } } }]);
      writeFileSync(store.path, '{"quota_configs":[{"role":"dev","limits":{"ports":{"value":1}}}]}');
      assert.throws(() => store.load(), /quota\.json holds an invalid quota config: quota_configs\[0\]\.limits\.ports/);
      writeFileSync(store.path, 'nope');
      assert.throws(() => store.load(), /quota\.json is not JSON/);
    }).finally(() => rmSync(folder, { recursive: true, force: true }));
  } catch (failure) {
    rmSync(folder, { recursive: true, force: true });
    throw failure;
  }
});

test('an operator reservation that a role\'s limit cannot hold is refused with 409; one within it is made and counts as consumed', () => {
  const h = new Harness();
  const agentId = h.addAgent('cpus:4;mem:1024');
  h.step({ kind: 'update-quota', update: [{ role: 'eng', spec: { guarantees: {}, limits: { cpus: 1.5 } } }] });
  const reserve = (role: string, cpus: number) => {
    const effects = h.step({
      kind: 'reserve-resources', agentId, source: [],
      resources: [{ name: 'cpus', type: 'SCALAR', scalar: { value: cpus }, reservations: [{ type: 'DYNAMIC', role }] }],
    });
    const found = effects.find((e) => e.kind === 'operator-answer');
    return found?.kind === 'operator-answer' ? found.answer : null;
  };
  assert.equal(reserve('eng/web', 1)?.status, 202, 'a subrole\'s reservation counts against its parent\'s limit: 1 of 1.5');
  assert.deepEqual(h.core.quotaConsumed('eng'), { cpus: 1 });
  const refused = reserve('eng', 0.75);
  assert.equal(refused?.status, 409);
  assert.equal(refused?.message, "Reserving 0.75 cpus for 'eng' would exceed its quota limit: it consumes 1 of 1.5");
  assert.deepEqual(h.core.quotaConsumed('eng'), { cpus: 1 }, 'nothing was reserved');
  assert.equal(reserve('ops', 0.75)?.status, 202, 'roles without quota are not bounded');
});
