/**
 * Goal: `/files` and LIST_FILES/READ_FILE never serve anything outside an executor's sandbox,
 * whatever the path: `..` anywhere, symlinks that point out (absolute, relative, to `/`, to a
 * neighbour's sandbox, in loops), absolute paths elsewhere, the agent's own `meta/` files; and
 * everything inside a sandbox (through its real path, `runs/latest`, or the virtual
 * `/frameworks/<f>/executors/<e>/runs/latest`) is served.
 * Method: a real directory tree under a temporary folder laid out as an agent's work_dir, with a
 * secret file beside it; hand-picked cases first, then a property (fast-check): random paths made
 * of sandbox prefixes and `..`/`.`/symlink/dir parts either resolve to a real path inside the
 * sandbox they start in, or are refused, and reading or listing them never shows the secret.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, realpathSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { listDirectory, readFileWindow } from '../../../src/agent/files.js';
import { locateSandbox, openInSandbox, resolveInSandbox, type SandboxLayout } from '../../../src/agent/sandbox-paths.js';

const SECRET = 'TOP-SECRET-never-served';
let root: string;
let layout: SandboxLayout;
let runDir: string;
let executorRuns: string;
let neighbourRun: string;

before(() => {
  root = realpathSync(mkdtempSync(join(tmpdir(), 'meridian-files-')));
  const workDir = join(root, 'work');
  layout = { workDir, agentId: 'A1' };
  executorRuns = join(workDir, 'slaves', 'A1', 'frameworks', 'F1', 'executors', 'E1', 'runs');
  runDir = join(executorRuns, 'C1');
  neighbourRun = join(workDir, 'slaves', 'A1', 'frameworks', 'F2', 'executors', 'E2', 'runs', 'C2');
  mkdirSync(join(runDir, 'sub', 'deeper'), { recursive: true });
  mkdirSync(join(executorRuns, 'C0'), { recursive: true });
  mkdirSync(neighbourRun, { recursive: true });
  mkdirSync(join(workDir, 'meta'), { recursive: true });
  mkdirSync(join(root, 'outside'), { recursive: true });
  writeFileSync(join(runDir, 'stdout'), 'hello from the task\n');
  writeFileSync(join(runDir, 'sub', 'inner.txt'), 'inner');
  writeFileSync(join(runDir, 'sub', 'deeper', 'deep.txt'), 'deep');
  writeFileSync(join(executorRuns, 'C0', 'old.txt'), 'an older run');
  writeFileSync(join(neighbourRun, 'neighbour.txt'), SECRET);
  writeFileSync(join(workDir, 'meta', 'journal'), SECRET);
  writeFileSync(join(root, 'secret.txt'), SECRET);
  writeFileSync(join(root, 'outside', 'secret.txt'), SECRET);
  symlinkSync('C1', join(executorRuns, 'latest'));
  symlinkSync('sub/inner.txt', join(runDir, 'link-in'));
  symlinkSync('sub', join(runDir, 'link-dir-in'));
  symlinkSync(join(root, 'secret.txt'), join(runDir, 'link-out'));
  symlinkSync('../../../../../../../../../secret.txt', join(runDir, 'link-out-relative'));
  symlinkSync(join(root, 'outside'), join(runDir, 'link-dir-out'));
  symlinkSync('/', join(runDir, 'link-root'));
  symlinkSync('..', join(runDir, 'link-up'));
  symlinkSync(neighbourRun, join(runDir, 'link-neighbour'));
  symlinkSync('loop', join(runDir, 'loop'));
  symlinkSync('missing', join(runDir, 'dangling'));
});

after(() => rmSync(root, { recursive: true, force: true }));

test('locateSandbox finds the run a path starts with, without normalising it', () => {
  assert.deepEqual(locateSandbox(`${runDir}/sub/inner.txt`, layout), { root: runDir, below: ['sub', 'inner.txt'] });
  assert.deepEqual(locateSandbox(`${executorRuns}/latest/`, layout), { root: join(executorRuns, 'latest'), below: [] });
  assert.deepEqual(locateSandbox('/frameworks/F1/executors/E1/runs/latest/stdout', layout), { root: join(executorRuns, 'latest'), below: ['stdout'] });
  assert.deepEqual(locateSandbox(`${runDir}//sub/../sub`, layout), { root: runDir, below: ['sub', '..', 'sub'] });
  assert.equal(locateSandbox('/frameworks/F1/executors/E1/runs/latest', { ...layout, agentId: null }), null, 'no virtual paths before the agent has an id');
  assert.equal(locateSandbox(`${layout.workDir}/meta/journal`, layout), null);
  assert.equal(locateSandbox(`${executorRuns}`, layout), null, 'the runs folder itself is no sandbox');
  assert.equal(locateSandbox(`${executorRuns}/..`, layout), null);
  assert.equal(locateSandbox(`${layout.workDir}/slaves/A1/frameworks/../frameworks/F1/executors/E1/runs/C1`, layout), null);
  assert.equal(locateSandbox('/frameworks/F1/executors/../runs/latest', layout), null);
  assert.equal(locateSandbox('/frameworks/../executors/E1/runs/latest', layout), null);
  assert.equal(locateSandbox('sub/inner.txt', layout), null, 'relative paths reach nothing');
  assert.equal(locateSandbox('/etc/passwd', layout), null);
});

test('files inside a sandbox are served by every name Mesos attaches', async () => {
  for (const path of [`${runDir}/stdout`, `${executorRuns}/latest/stdout`, '/frameworks/F1/executors/E1/runs/latest/stdout', `${runDir}/sub/../stdout`, `${runDir}/link-up/C1/stdout`]) {
    const read = await readFileWindow(path, layout, 0, null);
    assert.ok(read.ok, `${path}: ${JSON.stringify(read)}`);
    assert.equal(read.value.data.toString(), 'hello from the task\n', path);
    assert.equal(read.value.size, 20);
  }
  const viaLink = await readFileWindow(`${runDir}/link-in`, layout, 0, null);
  assert.ok(viaLink.ok && viaLink.value.data.toString() === 'inner', 'a symlink inside the sandbox is followed');
  const viaDirLink = await resolveInSandbox(`${runDir}/link-dir-in/deeper/deep.txt`, layout);
  assert.ok(viaDirLink.ok && viaDirLink.path === join(runDir, 'sub', 'deeper', 'deep.txt'));
});

test('paths that lead out of their sandbox are refused as inaccessible (400), others are not found (404)', async () => {
  const inaccessible = [
    `${runDir}/..`, `${runDir}/../C0/old.txt`, `${runDir}/../../../../../../../../../secret.txt`, `${runDir}/link-out`,
    `${runDir}/link-out-relative`, `${runDir}/link-dir-out/secret.txt`, `${runDir}/link-root/etc/passwd`, `${runDir}/link-up`,
    `${runDir}/link-neighbour/neighbour.txt`, `${runDir}/sub/../../C0/old.txt`, '/frameworks/F1/executors/E1/runs/latest/../../../../../../../../meta/journal',
    `${runDir}/loop`,
  ];
  for (const path of inaccessible) {
    const resolved = await resolveInSandbox(path, layout);
    assert.ok(!resolved.ok && resolved.refusal.kind === 'inaccessible', `${path}: ${JSON.stringify(resolved)}`);
    const read = await readFileWindow(path, layout, 0, null);
    assert.ok(!read.ok, path);
  }
  const notFound = [
    `${layout.workDir}/meta/journal`, `${root}/secret.txt`, '/etc/passwd', `${runDir}/missing.txt`, `${runDir}/dangling`,
    `${layout.workDir}/slaves/A1/frameworks/F9/executors/E9/runs/C9/stdout`, '/frameworks/F1/executors/E9/runs/latest/stdout',
    `${layout.workDir}/slaves/A1/frameworks/F1/../../../../meta/journal`, `${runDir}/stdout/child`,
  ];
  for (const path of notFound) {
    const resolved = await resolveInSandbox(path, layout);
    assert.ok(!resolved.ok && resolved.refusal.kind === 'not-found', `${path}: ${JSON.stringify(resolved)}`);
  }
});

test('listing a sandbox describes symlinks that point out as links, never their targets', async () => {
  const listed = await listDirectory(`${runDir}/`, layout);
  assert.ok(listed.ok);
  const byName = new Map(listed.value.map((entry) => [entry.path.slice(runDir.length + 1), entry.stats]));
  assert.deepEqual([...byName.keys()], ['link-dir-in', 'link-dir-out', 'link-in', 'link-neighbour', 'link-out', 'link-out-relative', 'link-root', 'link-up', 'stdout', 'sub']);
  assert.ok(byName.get('link-in')?.isFile(), 'an inside link shows its target');
  assert.ok(byName.get('link-dir-in')?.isDirectory());
  for (const name of ['link-out', 'link-out-relative', 'link-dir-out', 'link-root', 'link-up', 'link-neighbour']) {
    assert.ok(byName.get(name)?.isSymbolicLink(), `${name} shows as a link`);
  }
  assert.equal(listed.value[0]?.path, `${runDir}/link-dir-in`, 'entry paths keep the path as asked, without a doubled slash');
  const file = await listDirectory(`${runDir}/stdout`, layout);
  assert.ok(file.ok && file.value.length === 0, 'a file lists as empty, as in Mesos');
});

test('a file swapped for a symlink after the check is not opened', async () => {
  const victim = join(runDir, 'swap.txt');
  writeFileSync(victim, 'innocent');
  const resolved = await resolveInSandbox(`${runDir}/swap.txt`, layout);
  assert.ok(resolved.ok);
  rmSync(victim);
  symlinkSync(join(root, 'secret.txt'), victim);
  const opened = await openInSandbox(resolved, 'swap.txt');
  assert.ok(!opened.ok && opened.refusal.kind === 'inaccessible', JSON.stringify(opened));
  rmSync(victim);
});

test('a directory swapped for a symlink to the outside after the check is caught on the open descriptor', async () => {
  const dir = join(runDir, 'swapdir');
  mkdirSync(dir);
  writeFileSync(join(dir, 'secret.txt'), 'innocent');
  const resolved = await resolveInSandbox(`${runDir}/swapdir/secret.txt`, layout);
  assert.ok(resolved.ok);
  renameSync(dir, join(runDir, 'swapdir-old'));
  symlinkSync(join(root, 'outside'), dir);
  const opened = await openInSandbox(resolved, 'swapdir/secret.txt');
  assert.ok(!opened.ok && opened.refusal.kind === 'inaccessible', JSON.stringify(opened));
  rmSync(dir);
  rmSync(join(runDir, 'swapdir-old'), { recursive: true });
});

const PARTS = ['..', '.', '', 'sub', 'deeper', 'stdout', 'inner.txt', 'link-in', 'link-dir-in', 'link-out', 'link-out-relative', 'link-dir-out', 'link-root',
  'link-up', 'link-neighbour', 'loop', 'dangling', 'secret.txt', 'outside', 'C0', 'C1', 'latest', 'runs', 'meta', 'journal', 'E2', 'F2'];

test('property: random paths resolve inside the sandbox they start in, or are refused; the secret is never read or listed', async () => {
  const prefixes = [
    runDir, join(executorRuns, 'latest'), '/frameworks/F1/executors/E1/runs/latest', join(layout.workDir, 'slaves', 'A1', 'frameworks', 'F1', 'executors', 'E1', 'runs'),
    layout.workDir, join(layout.workDir, 'meta'), root, '/', neighbourRun, join(root, 'outside'),
  ];
  const realRoots = new Map([[runDir, runDir], [join(executorRuns, 'latest'), runDir], [neighbourRun, neighbourRun]]);
  await fc.assert(
    fc.asyncProperty(fc.constantFrom(...prefixes), fc.array(fc.constantFrom(...PARTS), { maxLength: 8 }), fc.boolean(), async (prefix, parts, trailingSlash) => {
      const path = [prefix.replace(/\/$/, ''), ...parts].join('/') + (trailingSlash ? '/' : '');
      const location = locateSandbox(path, layout);
      const resolved = await resolveInSandbox(path, layout);
      if (resolved.ok) {
        assert.ok(location, `${path} resolved without a sandbox`);
        const expectedRoot = realRoots.get(location.root) ?? realpathSync(location.root);
        assert.equal(resolved.root, expectedRoot, path);
        const real = realpathSync(resolved.path);
        assert.ok(real === expectedRoot || real.startsWith(`${expectedRoot}/`), `${path} → ${real} is outside ${expectedRoot}`);
        if (location.root !== neighbourRun) assert.ok(!real.startsWith(neighbourRun), `${path} reached the neighbour's sandbox`);
      }
      const read = await readFileWindow(path, layout, 0, null);
      if (read.ok) assert.ok(!read.value.data.toString().includes(SECRET) || location?.root === neighbourRun, `${path} read the secret`);
      const listed = await listDirectory(path, layout);
      if (listed.ok && location?.root !== neighbourRun) {
        for (const entry of listed.value) {
          if (entry.stats.isFile()) assert.notEqual(entry.stats.size, SECRET.length, `${path} listed a secret's size as ${entry.path}`);
        }
      }
    }),
    { numRuns: 400 },
  );
});
