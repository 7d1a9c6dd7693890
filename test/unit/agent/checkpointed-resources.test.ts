/**
 * Goal: an agent's dynamic reservations survive it: they are saved whole (never half a file), read
 * back as saved, and a file that cannot be read back stops the agent rather than being taken as
 * "no reservations"; CHECKPOINT_RESOURCES bodies are validated with errors naming the field.
 * Method: the checkpoint functions on files in a temporary folder.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { validateCheckpointResources } from '../../../src/api/agent-link/messages.js';
import { recoverCheckpointedResources, writeJsonAtomic } from '../../../src/agent/checkpoint.js';

const root = mkdtempSync(join(tmpdir(), 'meridian-resources-'));
after(() => rmSync(root, { recursive: true, force: true }));

const reserved = [{ name: 'cpus', type: 'SCALAR' as const, scalar: { value: 2 }, reservations: [{ type: 'DYNAMIC' as const, role: 'eng', principal: 'ops' }] }];

test('saved reservations are read back as saved; no file means none', () => {
  const file = join(root, 'a', 'meta', 'resources.json');
  assert.deepEqual(recoverCheckpointedResources(file), []);
  writeJsonAtomic(file, { resources: reserved });
  assert.deepEqual(recoverCheckpointedResources(file), reserved);
  assert.equal(existsSync(`${file}.tmp`), false, 'the temporary file was renamed over the real one');
  writeJsonAtomic(file, { resources: [] });
  assert.deepEqual(JSON.parse(readFileSync(file, 'utf8')), { resources: [] });
});

test('a corrupt or malformed reservations file is an error, not an empty list', () => {
  const torn = join(root, 'torn.json');
  writeFileSync(torn, '{"resources": [{"name": "cp');
  assert.throws(() => recoverCheckpointedResources(torn), /Failed to recover the checkpointed resources in .*torn\.json/);
  const malformed = join(root, 'malformed.json');
  writeFileSync(malformed, JSON.stringify({ resources: [{ name: 'cpus', type: 'NUMBER' }] }));
  assert.throws(() => recoverCheckpointedResources(malformed), /checkpoint_resources\.resources\[0\]\.type/);
});

test('CHECKPOINT_RESOURCES bodies are validated, errors naming the field', () => {
  assert.deepEqual(validateCheckpointResources({ resources: reserved }), { ok: true, value: { resources: reserved } });
  const missing = validateCheckpointResources({});
  assert.equal(missing.ok, false);
  assert.match(missing.ok ? '' : missing.error, /'checkpoint_resources\.resources'/);
  const badRole = validateCheckpointResources({ resources: [{ ...reserved[0], reservations: [{ type: 'DYNAMIC', role: 7 }] }] });
  assert.match(badRole.ok ? '' : badRole.error, /checkpoint_resources\.resources\[0\]\.reservations\[0\]\.role/);
});
