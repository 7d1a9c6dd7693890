/**
 * Goal: operator weights change how the master shares the cluster, exactly as set, and bad weights
 * never get in — from the Operator API, `PUT /weights`, the saved file or the `--weights` flag.
 * Method: the core driven through the Harness (many one-cpu agents, two roles contending, offers
 * counted per role); the validators and the weights file tested directly.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { validateMasterCall, validateWeightInfoArray } from '../../../src/api/operator/calls.js';
import type { Offer } from '../../../src/api/mesos.js';
import { createLogger } from '../../../src/common/log.js';
import { checkWeightInfos, mergeWeights } from '../../../src/master/core/weights.js';
import { parseWeightsFlag, recoverWeights, WeightsStore } from '../../../src/master/shell/weights-store.js';
import { frameworkEvents, Harness } from './harness.js';

const AGENTS = 40;

/** Two frameworks, in roles `a` and `b`, and AGENTS agents of one cpu each: every agent is one offer. */
function contendedCluster(): { h: Harness; a: string; b: string } {
  const h = new Harness();
  for (let i = 0; i < AGENTS; i++) h.addAgent('cpus:1;mem:128', `agent-${i}`);
  const a = h.subscribe('fa', { role: 'a' }).frameworkId;
  const b = h.subscribe('fb', { role: 'b' }).frameworkId;
  return { h, a, b };
}

function countByFramework(offers: Offer[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const offer of offers) counts.set(offer.framework_id.value, (counts.get(offer.framework_id.value) ?? 0) + 1);
  return counts;
}

test('without weights two contending roles get equal shares of the agents', () => {
  const { h, a, b } = contendedCluster();
  const counts = countByFramework(h.allocate());
  // Each agent goes to the role with the lower dominant share: they alternate, 20 and 20.
  assert.equal(counts.get(a), AGENTS / 2);
  assert.equal(counts.get(b), AGENTS / 2);
});

test('with weight a=3, role a gets three times the agents role b gets', () => {
  const { h, a, b } = contendedCluster();
  h.step({ kind: 'update-weights', weights: [{ role: 'a', weight: 3 }] });
  const counts = countByFramework(h.allocate());
  // Shares are divided by weight: a holds n/40 of the cpus, weighing n/120; b holds m/40. They stay
  // level when n = 3m, so of 40 agents a gets 30 and b 10.
  assert.equal(counts.get(a), 30);
  assert.equal(counts.get(b), 10);
});

test('a weight change rescinds outstanding offers, and the next allocation follows the new weights', () => {
  const { h, a, b } = contendedCluster();
  assert.equal(h.allocate().length, AGENTS, 'every agent is offered once, 20 to each role');
  const effects = h.step({ kind: 'update-weights', weights: [{ role: 'a', weight: 3 }] });
  const rescinds = frameworkEvents(effects).filter((event) => event.type === 'RESCIND');
  assert.equal(rescinds.length, AGENTS, 'all outstanding offers are rescinded (Mesos does so when a weighted role has frameworks)');
  assert.ok(effects.some((effect) => effect.kind === 'allocation-wanted'));
  const counts = countByFramework(h.allocate());
  assert.equal(counts.get(a), 30);
  assert.equal(counts.get(b), 10);
});

test('a weight for a role no framework is in leaves outstanding offers alone', () => {
  const { h } = contendedCluster();
  h.allocate();
  const effects = h.step({ kind: 'update-weights', weights: [{ role: 'elsewhere', weight: 5 }] });
  assert.equal(frameworkEvents(effects).filter((event) => event.type === 'RESCIND').length, 0);
  assert.equal(h.core.offers.size, AGENTS);
});

test('the core answers the weights that were set, sorted by role; later updates replace earlier ones', () => {
  const h = new Harness();
  assert.deepEqual(h.core.weightInfos(), []);
  h.step({ kind: 'update-weights', weights: [{ role: 'eng', weight: 2 }, { role: 'ops', weight: 0.5 }] });
  h.step({ kind: 'update-weights', weights: [{ role: 'eng', weight: 1 }, { role: 'dev/web', weight: 4 }] });
  assert.deepEqual(h.core.weightInfos(), [
    { role: 'dev/web', weight: 4 },
    { role: 'eng', weight: 1 },
    { role: 'ops', weight: 0.5 },
  ]);
});

test('checkWeightInfos refuses what Mesos refuses, naming the field', () => {
  const path = 'update_weights.weight_infos';
  const problem = (infos: Array<{ role: string; weight: number }>) => {
    const checked = checkWeightInfos(infos, path);
    return checked.ok ? null : checked.error;
  };
  assert.equal(problem([{ role: 'a', weight: 1 }, { role: 'b', weight: 0 }]), `${path}[1].weight: must be greater than 0`);
  assert.equal(problem([{ role: 'a', weight: -2 }]), `${path}[0].weight: must be greater than 0`);
  assert.equal(problem([{ role: 'a', weight: Infinity }]), `${path}[0].weight: must be a finite number`);
  assert.equal(problem([{ role: 'a', weight: NaN }]), `${path}[0].weight: must be a finite number`);
  assert.match(problem([{ role: '..', weight: 1 }]) ?? '', /^update_weights\.weight_infos\[0\]\.role: .*'\.\.'/);
  assert.match(problem([{ role: 'a//b', weight: 1 }]) ?? '', /^update_weights\.weight_infos\[0\]\.role: .*'\/\/'/);
  assert.match(problem([{ role: '', weight: 1 }]) ?? '', /\[0\]\.role: role name must not be empty/);
  assert.match(problem([{ role: '/a', weight: 1 }]) ?? '', /\[0\]\.role:/);
  assert.match(problem([{ role: 'a/*', weight: 1 }]) ?? '', /\[0\]\.role:/);
  assert.match(problem([{ role: 'a', weight: 2 }, { role: 'b', weight: 2 }, { role: 'a', weight: 3 }]) ?? '', /\[2\]\.role: role 'a' is already given a weight at .*\[0\]/);
  assert.match(problem([{ role: 'a', weight: 2 }, { role: ' a ', weight: 3 }]) ?? '', /\[1\]\.role: role 'a'/, 'names are compared after trimming');
});

test('checkWeightInfos accepts positive weights, trims role names as Mesos does, and accepts *', () => {
  const checked = checkWeightInfos([{ role: ' eng ', weight: 2.5 }, { role: '*', weight: 0.1 }, { role: 'a/b', weight: 1e6 }], 'w');
  assert.deepEqual(checked, { ok: true, value: [{ role: 'eng', weight: 2.5 }, { role: '*', weight: 0.1 }, { role: 'a/b', weight: 1e6 }] });
});

test('validateMasterCall checks the envelope and the UPDATE_WEIGHTS body, naming the field', () => {
  const error = (input: unknown) => {
    const checked = validateMasterCall(input);
    return checked.ok ? null : checked.error;
  };
  assert.equal(error({ type: 'GET_WEIGHTS' }), null);
  assert.equal(error({ type: 'UPDATE_WEIGHTS', update_weights: { weight_infos: [{ role: 'a', weight: 2 }] } }), null);
  assert.equal(error({ type: 'GET_STATE' }), null, 'known types validate; the shell answers 501 for those not implemented');
  assert.match(error({ type: 'LAUNCH_ROCKET' }) ?? '', /unknown 'type' "LAUNCH_ROCKET"/);
  assert.match(error({}) ?? '', /Expecting 'type' to be present/);
  assert.match(error([]) ?? '', /expecting a JSON object/);
  assert.match(error({ type: 'UPDATE_WEIGHTS' }) ?? '', /Expecting 'update_weights' to be present/);
  assert.equal(error({ type: 'UPDATE_WEIGHTS', update_weights: {} }), null, 'an empty list is left out in protobuf JSON');
  assert.match(error({ type: 'UPDATE_WEIGHTS', update_weights: { weight_infos: [{ role: 'a', weight: '2' }] } }) ?? '', /'update_weights\.weight_infos\[0\]\.weight' is invalid/);
  assert.match(error({ type: 'UPDATE_WEIGHTS', update_weights: { weight_infos: [{ role: 'a' }] } }) ?? '', /Expecting 'update_weights\.weight_infos\[0\]\.weight' to be present/);
  assert.match(error({ type: 'UPDATE_WEIGHTS', update_weights: { weight_infos: [{ weight: 1 }] } }) ?? '', /Expecting 'update_weights\.weight_infos\[0\]\.role' to be present/);
  assert.match(error({ type: 'UPDATE_WEIGHTS', update_weights: { weight_infos: [{ role: 'a', weight: Infinity }] } }) ?? '', /weight' is invalid/);
  const legacy = validateWeightInfoArray([{ role: 'a', weight: 1 }, { role: 'b', weight: null }]);
  assert.equal(legacy.ok, false);
  assert.match(legacy.ok ? '' : legacy.error, /\[1\]\.weight/);
});

test('mergeWeights applies an update over the current weights', () => {
  assert.deepEqual(mergeWeights([{ role: 'b', weight: 2 }, { role: 'c', weight: 3 }], [{ role: 'a', weight: 1.5 }, { role: 'b', weight: 4 }]), [
    { role: 'a', weight: 1.5 }, { role: 'b', weight: 4 }, { role: 'c', weight: 3 },
  ]);
});

test('the --weights flag: role=weight pairs, checked like every other way in', () => {
  assert.deepEqual(parseWeightsFlag('eng=2,ops=0.5'), [{ role: 'eng', weight: 2 }, { role: 'ops', weight: 0.5 }]);
  assert.throws(() => parseWeightsFlag('eng'), /--weights: invalid weight 'eng'/);
  assert.throws(() => parseWeightsFlag('eng=two'), /--weights: invalid weight 'eng=two'/);
  assert.throws(() => parseWeightsFlag('eng=0'), /--weights\[0\]\.weight: must be greater than 0/);
  assert.throws(() => parseWeightsFlag('a=1,a//b=2'), /--weights\[1\]\.role/);
});

function withTempDir(run: (dir: string) => Promise<void> | void): () => Promise<void> {
  return async () => {
    const dir = mkdtempSync(join(tmpdir(), 'meridian-weights-'));
    try {
      await run(dir);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
}

test('the weights file: absent reads as null; saved weights read back; no temporary file is left', withTempDir(async (dir) => {
  const store = new WeightsStore(join(dir, 'master', 'weights.json'));
  assert.equal(store.load(), null);
  await store.save([{ role: 'eng', weight: 2 }]);
  await store.save([{ role: 'eng', weight: 3 }, { role: 'ops', weight: 0.5 }]);
  assert.deepEqual(store.load(), [{ role: 'eng', weight: 3 }, { role: 'ops', weight: 0.5 }]);
  assert.deepEqual(readdirSync(join(dir, 'master')), ['weights.json']);
}));

test('a corrupt weights file is refused with a message naming it, never read as no weights', withTempDir((dir) => {
  const path = join(dir, 'weights.json');
  const store = new WeightsStore(path);
  for (const content of ['{"weight_infos":[{"role":"eng","weight":2}', '[]', '{"weight_infos":[{"role":"eng","weight":-1}]}', '{"weight_infos":[{"role":"a//b","weight":1}]}', '']) {
    writeFileSync(path, content);
    assert.throws(() => store.load(), (error: Error) => error.message.startsWith(path) && /fix it or remove it/.test(error.message), content);
  }
}));

test('a save that cannot be written rejects, leaving the old file as it was', withTempDir(async (dir) => {
  const path = join(dir, 'weights.json');
  const store = new WeightsStore(path);
  await store.save([{ role: 'eng', weight: 2 }]);
  // A folder in place of the temporary file makes the write fail, even for root.
  mkdirSync(`${path}.tmp`);
  await assert.rejects(store.save([{ role: 'eng', weight: 9 }]), /EISDIR/);
  assert.equal(readFileSync(path, 'utf8'), '{"weight_infos":[{"role":"eng","weight":2}]}\n');
  // So does a work_dir that is a file.
  writeFileSync(join(dir, 'not-a-folder'), 'a file');
  await assert.rejects(new WeightsStore(join(dir, 'not-a-folder', 'weights.json')).save([{ role: 'eng', weight: 9 }]));
}));

test('recovery: saved weights win over --weights; without saved weights the flag is used and saved', withTempDir(async (dir) => {
  const logger = createLogger('test', 'silent');
  const store = new WeightsStore(join(dir, 'weights.json'));
  assert.deepEqual(await recoverWeights(store, 'eng=2', logger), [{ role: 'eng', weight: 2 }]);
  assert.deepEqual(store.load(), [{ role: 'eng', weight: 2 }], 'the flag weights were saved on first start');
  await store.save([{ role: 'ops', weight: 4 }]);
  assert.deepEqual(await recoverWeights(store, 'eng=2', logger), [{ role: 'ops', weight: 4 }]);
  assert.deepEqual(await recoverWeights(null, 'eng=5', logger), [{ role: 'eng', weight: 5 }], 'no work_dir: memory only');
  assert.deepEqual(await recoverWeights(null, undefined, logger), []);
}));
