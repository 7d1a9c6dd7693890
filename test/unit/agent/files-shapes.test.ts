/**
 * Goal: the pure pieces behind `/files` and READ_FILE follow Mesos: which window a read returns,
 * how a mode prints, how a listing entry and a v1 FileInfo look, and that `/files/read` never
 * ends its text inside a UTF-8 character.
 * Method: table cases, and a property (fast-check) over random text cut at random places.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { browseEntryJson, completeUtf8Length, contentDisposition, fileInfoWire, modeString, READ_LENGTH_MAX, readWindow } from '../../../src/agent/files.js';

test('readWindow reads as Mesos does: nothing past the end, to the end without a length, capped at 16 pages', () => {
  assert.deepEqual(readWindow(100, 0, null), { start: 0, count: 100 });
  assert.deepEqual(readWindow(100, 10, 5), { start: 10, count: 5 });
  assert.deepEqual(readWindow(100, 90, 50), { start: 90, count: 10 });
  assert.deepEqual(readWindow(100, 100, null), { start: 100, count: 0 });
  assert.deepEqual(readWindow(100, 500, 10), { start: 500, count: 0 });
  assert.deepEqual(readWindow(100, 0, 0), { start: 0, count: 0 }, 'a length of 0 asks for the size only');
  assert.deepEqual(readWindow(10 * READ_LENGTH_MAX, 0, null), { start: 0, count: READ_LENGTH_MAX });
  assert.equal(READ_LENGTH_MAX, 65536);
});

test('modeString prints the type and permission bits as ls -l', () => {
  assert.equal(modeString(0o100644), '-rw-r--r--');
  assert.equal(modeString(0o040755), 'drwxr-xr-x');
  assert.equal(modeString(0o120777), 'lrwxrwxrwx');
  assert.equal(modeString(0o010600), 'prw-------');
  assert.equal(modeString(0o140700), 'srwx------');
  assert.equal(modeString(0o020620), 'crw--w----');
  assert.equal(modeString(0o060660), 'brw-rw----');
});

test('a listing entry and a v1 FileInfo carry the same facts in their own shapes', () => {
  const dir = mkdtempSync(join(tmpdir(), 'meridian-shapes-'));
  try {
    const file = join(dir, 'stdout');
    writeFileSync(file, 'twelve bytes');
    const stats = statSync(file);
    const entry = { path: '/sandbox/stdout', stats };
    const legacy = browseEntryJson(entry);
    assert.deepEqual(Object.keys(legacy), ['gid', 'mode', 'mtime', 'nlink', 'path', 'size', 'uid'], 'keys sorted, as Mesos writes a JSON object');
    assert.equal(legacy.mode, modeString(stats.mode));
    assert.equal(legacy.size, 12);
    assert.equal(legacy.mtime, Math.floor(stats.mtimeMs / 1000));
    const wire = fileInfoWire(entry);
    assert.equal(wire.mode, stats.mode);
    assert.deepEqual(wire.mtime, { nanoseconds: Math.floor(stats.mtimeMs / 1000) * 1e9 });
    assert.equal(wire.uid, legacy.uid);
    assert.equal(wire.gid, legacy.gid);
    if (process.getuid?.() === 0) assert.equal(wire.uid, 'root', 'uids are shown by name');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('completeUtf8Length drops only a character cut at the end', () => {
  const bytes = (text: string) => new Uint8Array(Buffer.from(text));
  assert.equal(completeUtf8Length(bytes('abc')), 3);
  assert.equal(completeUtf8Length(bytes('aü')), 3);
  assert.equal(completeUtf8Length(bytes('aü').subarray(0, 2)), 1);
  assert.equal(completeUtf8Length(bytes('a€').subarray(0, 3)), 1);
  assert.equal(completeUtf8Length(bytes('a😀').subarray(0, 4)), 1);
  assert.equal(completeUtf8Length(bytes('a😀')), 5);
  assert.equal(completeUtf8Length(new Uint8Array([0x80, 0x80])), 2, 'stray continuation bytes are left as they are');
  assert.equal(completeUtf8Length(new Uint8Array([])), 0);
});

test('property: windows read in turn, each cut to whole characters, put the text back together', () => {
  // A client that asks for at least 4 bytes (the longest UTF-8 character) always gets one whole
  // character, and advancing by the bytes of the text it got keeps it on character boundaries.
  fc.assert(
    fc.property(fc.string({ unit: 'grapheme', maxLength: 60 }), fc.array(fc.integer({ min: 4, max: 9 }), { minLength: 1, maxLength: 10 }), (text, lengths) => {
      const bytes = Buffer.from(text);
      let offset = 0;
      let rebuilt = '';
      for (let step = 0; offset < bytes.length; step++) {
        const window = bytes.subarray(offset, offset + (lengths[step % lengths.length] as number));
        const piece = window.subarray(0, completeUtf8Length(window)).toString('utf8');
        assert.ok(piece.length > 0, 'every window yields text');
        rebuilt += piece;
        offset += Buffer.byteLength(piece);
      }
      assert.equal(rebuilt, text);
    }),
  );
});

test('contentDisposition names the file as Mesos does, and encodes names a header cannot carry', () => {
  assert.equal(contentDisposition('stdout'), 'attachment; filename=stdout');
  assert.equal(contentDisposition('report.tar.gz'), 'attachment; filename=report.tar.gz');
  assert.equal(contentDisposition('my file.txt'), "attachment; filename*=UTF-8''my%20file.txt");
  assert.equal(contentDisposition('a\nb'), "attachment; filename*=UTF-8''a%0Ab");
  assert.equal(contentDisposition('ü.txt'), "attachment; filename*=UTF-8''%C3%BC.txt");
});
