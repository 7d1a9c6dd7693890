/**
 * Sandbox files, as Mesos' agent serves them: list a directory, read a window of a file, download
 * a file whole. The same operations answer the legacy endpoints (`/files/browse`, `/files/read`,
 * `/files/download`, `/files/debug`, with Mesos' query parameters and JSON shapes) and the v1
 * calls LIST_FILES and READ_FILE (operator-api.ts). Which paths may be served is decided in
 * sandbox-paths.ts; nothing here opens a path that did not pass it.
 */
import { readFileSync, statSync, type Stats } from 'node:fs';
import { lstat, readdir, realpath, stat } from 'node:fs/promises';
import { basename, extname } from 'node:path';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { FileInfoWire } from '../api/operator/agent-calls.js';
import { sendText } from '../common/http/mesos-http.js';
import type { AgentSnapshot } from './agent-view.js';
import { openInSandbox, resolveInSandbox, type SandboxLayout, type SandboxRefusal } from './sandbox-paths.js';

/** Mesos caps one read at 16 memory pages. */
export const READ_LENGTH_MAX = 16 * 4096;

/** One entry of a listing: the path as the client will ask for it, and what stat says. */
export interface FileEntry {
  path: string;
  stats: Stats;
}

export type FilesResult<T> = { ok: true; value: T } | { ok: false; refusal: SandboxRefusal };

// ---------------------------------------------------------------- user and group names

interface NameTable {
  mtimeMs: number;
  names: Map<number, string>;
}
const nameTables = new Map<string, NameTable>();

/** Names from `/etc/passwd` or `/etc/group` (name:x:id:...), re-read when the file changes. */
function namesFrom(file: string): Map<number, string> {
  let mtimeMs = -1;
  try {
    mtimeMs = statSync(file).mtimeMs;
  } catch {
    return new Map();
  }
  const cached = nameTables.get(file);
  if (cached && cached.mtimeMs === mtimeMs) return cached.names;
  const names = new Map<number, string>();
  try {
    for (const line of readFileSync(file, 'utf8').split('\n')) {
      const [name, , id] = line.split(':');
      if (name && id !== undefined && /^\d+$/.test(id) && !names.has(Number(id))) names.set(Number(id), name);
    }
  } catch {
    // Unreadable: ids are shown as numbers.
  }
  nameTables.set(file, { mtimeMs, names });
  return names;
}

/** A user's name as Mesos shows it (`getpwuid`), or the number when the system does not know it. */
export function userName(uid: number): string {
  return namesFrom('/etc/passwd').get(uid) ?? String(uid);
}

export function groupName(gid: number): string {
  return namesFrom('/etc/group').get(gid) ?? String(gid);
}

// ---------------------------------------------------------------- shapes

const FILE_TYPE_LETTERS: ReadonlyArray<[mask: number, letter: string]> = [
  [0o100000, '-'], [0o040000, 'd'], [0o020000, 'c'], [0o060000, 'b'], [0o010000, 'p'], [0o120000, 'l'], [0o140000, 's'],
];

/** `ls -l`'s mode column as Mesos writes it: the file type, then rwx for owner, group and others. */
export function modeString(mode: number): string {
  const type = FILE_TYPE_LETTERS.find(([mask]) => (mode & 0o170000) === mask)?.[1] ?? '-';
  let out = type;
  for (const shift of [6, 3, 0]) {
    const bits = (mode >> shift) & 7;
    out += (bits & 4 ? 'r' : '-') + (bits & 2 ? 'w' : '-') + (bits & 1 ? 'x' : '-');
  }
  return out;
}

/** Mesos records a file's mtime in whole seconds. */
const mtimeSeconds = (stats: Stats): number => Math.floor(stats.mtimeMs / 1000);

/** A `FileInfo` of the v1 API (LIST_FILES). */
export function fileInfoWire(entry: FileEntry): FileInfoWire {
  const { stats } = entry;
  return {
    path: entry.path,
    nlink: stats.nlink,
    size: stats.size,
    mtime: { nanoseconds: mtimeSeconds(entry.stats) * 1e9 },
    mode: stats.mode,
    uid: userName(stats.uid),
    gid: groupName(stats.gid),
  };
}

/** An entry of `/files/browse`: keys in Mesos' (sorted) order, `mode` as text, `mtime` in seconds. */
export function browseEntryJson(entry: FileEntry): Record<string, string | number> {
  const { stats } = entry;
  return {
    gid: groupName(stats.gid),
    mode: modeString(stats.mode),
    mtime: mtimeSeconds(stats),
    nlink: stats.nlink,
    path: entry.path,
    size: stats.size,
    uid: userName(stats.uid),
  };
}

/**
 * Which bytes a read returns, as Mesos reads: nothing at or past the end; without a length, to
 * the end; a length of 0 asks for the size only; never more than READ_LENGTH_MAX.
 */
export function readWindow(size: number, offset: number, length: number | null): { start: number; count: number } {
  if (offset >= size) return { start: offset, count: 0 };
  const wanted = length ?? size - offset;
  return { start: offset, count: Math.max(0, Math.min(wanted, READ_LENGTH_MAX, size - offset)) };
}

/**
 * The length of the longest prefix of `bytes` that does not end inside a UTF-8 sequence. `/files/read`
 * answers text: a window cut in the middle of a character would otherwise end in a replacement
 * character, and a client that advances by the text's byte length would skip the rest of it.
 */
export function completeUtf8Length(bytes: Uint8Array): number {
  const end = bytes.length;
  for (let back = 1; back <= Math.min(4, end); back++) {
    const byte = bytes[end - back] as number;
    if ((byte & 0xc0) === 0x80) continue; // A continuation byte: the lead is further back.
    const needed = byte < 0x80 ? 1 : (byte & 0xe0) === 0xc0 ? 2 : (byte & 0xf0) === 0xe0 ? 3 : (byte & 0xf8) === 0xf0 ? 4 : 1;
    return back < needed ? end - back : end;
  }
  return end;
}

// ---------------------------------------------------------------- operations

/**
 * The entries of a directory, sorted by name. Symlinks are described by their target when it is
 * inside the sandbox, and as links otherwise (so a listing says nothing of files outside);
 * entries that vanish or dangle are left out, as Mesos leaves out what it cannot stat. A path that
 * is a file lists as empty, as in Mesos.
 */
export async function listDirectory(requested: string, layout: SandboxLayout): Promise<FilesResult<FileEntry[]>> {
  const resolved = await resolveInSandbox(requested, layout);
  if (!resolved.ok) return resolved;
  let names: string[];
  try {
    if (!(await stat(resolved.path)).isDirectory()) return { ok: true, value: [] };
    names = await readdir(resolved.path);
  } catch (error) {
    return { ok: false, refusal: { kind: 'invalid', message: `Failed to list '${requested}': ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}` } };
  }
  const prefix = requested.replace(/\/+$/, '');
  const entries: FileEntry[] = [];
  for (const name of names.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))) {
    const full = `${resolved.path}/${name}`;
    try {
      let stats = await lstat(full);
      if (stats.isSymbolicLink()) {
        const target = await realpath(full);
        if (target === resolved.root || target.startsWith(`${resolved.root}/`)) stats = await stat(full);
      }
      entries.push({ path: `${prefix}/${name}`, stats });
    } catch {
      // Gone since readdir, or a dangling link.
    }
  }
  return { ok: true, value: entries };
}

/** A window of a file (see readWindow) and the file's size. */
export async function readFileWindow(
  requested: string, layout: SandboxLayout, offset: number, length: number | null,
): Promise<FilesResult<{ size: number; data: Buffer }>> {
  const resolved = await resolveInSandbox(requested, layout);
  if (!resolved.ok) return resolved;
  const opened = await openInSandbox(resolved, requested);
  if (!opened.ok) return opened;
  const handle = opened.handle;
  try {
    const stats = await handle.stat();
    if (stats.isDirectory()) return { ok: false, refusal: { kind: 'invalid', message: 'Cannot read a directory' } };
    if (!stats.isFile()) return { ok: false, refusal: { kind: 'invalid', message: `Cannot read '${requested}': not a regular file` } };
    const { start, count } = readWindow(stats.size, offset, length);
    const data = Buffer.alloc(count);
    const { bytesRead } = count > 0 ? await handle.read(data, 0, count, start) : { bytesRead: 0 };
    return { ok: true, value: { size: stats.size, data: data.subarray(0, bytesRead) } };
  } finally {
    await handle.close();
  }
}

// ---------------------------------------------------------------- legacy endpoints

const MIME_TYPES: Readonly<Record<string, string>> = {
  '.css': 'text/css', '.csv': 'text/csv', '.gif': 'image/gif', '.gz': 'application/x-gzip', '.htm': 'text/html', '.html': 'text/html',
  '.jpeg': 'image/jpeg', '.jpg': 'image/jpeg', '.js': 'application/javascript', '.json': 'application/json', '.pdf': 'application/pdf',
  '.png': 'image/png', '.svg': 'image/svg+xml', '.tar': 'application/x-tar', '.txt': 'text/plain', '.xml': 'application/xml',
  '.zip': 'application/zip',
};

/** A JSONP callback: a JavaScript name path, so the answer cannot carry script of the caller's choosing. */
const JSONP_CALLBACK = /^[A-Za-z_$][\w$]*(\.[A-Za-z_$][\w$]*)*$/;

type Query = Record<string, string | string[] | undefined>;

/** A query parameter given at most once; an array means it was repeated. */
function single(query: Query, name: string): { ok: true; value: string | undefined } | { ok: false; message: string } {
  const value = query[name];
  if (Array.isArray(value)) return { ok: false, message: `Expecting one '${name}' in query, received ${value.length}.\n` };
  return { ok: true, value };
}

/** An integer parameter of `/files/read`: -1 means absent (the pailer sends it), below -1 is refused, as in Mesos. */
function integerParameter(query: Query, name: 'offset' | 'length'): { ok: true; value: number } | { ok: false; message: string } {
  const given = single(query, name);
  if (!given.ok) return given;
  if (given.value === undefined) return { ok: true, value: -1 };
  if (!/^-?\d+$/.test(given.value) || !Number.isSafeInteger(Number(given.value))) {
    return { ok: false, message: `Failed to parse ${name}: '${given.value}' is not an integer.\n` };
  }
  const value = Number(given.value);
  if (value < -1) return { ok: false, message: `Negative ${name} provided: ${value}.\n` };
  return { ok: true, value };
}

/** Maps a refusal to Mesos' status: not found 404, a path that escapes its sandbox or bad input 400. */
export function refusalStatus(refusal: SandboxRefusal): 400 | 404 {
  return refusal.kind === 'not-found' ? 404 : 400;
}

function sendRefusal(reply: FastifyReply, refusal: SandboxRefusal): FastifyReply {
  return sendText(reply, refusalStatus(refusal), `${refusal.message}.\n`);
}

/** The optional `jsonp` parameter: a callback name, or the 400 message saying why it is not one. */
export function jsonpOf(query: Query): { ok: true; value: string | undefined } | { ok: false; message: string } {
  const jsonp = single(query, 'jsonp');
  if (!jsonp.ok) return jsonp;
  if (jsonp.value !== undefined && !JSONP_CALLBACK.test(jsonp.value)) {
    return { ok: false, message: `Invalid 'jsonp' callback '${jsonp.value}': expected a JavaScript name.\n` };
  }
  return jsonp;
}

/** A 200 JSON answer, wrapped in the JSONP callback when one was asked for (as Mesos does). */
export function sendJson(reply: FastifyReply, body: unknown, jsonp: string | undefined): FastifyReply {
  const text = JSON.stringify(body);
  if (jsonp !== undefined) return reply.code(200).header('content-type', 'text/javascript').send(`${jsonp}(${text});`);
  return reply.code(200).header('content-type', 'application/json').send(text);
}

/** The query's `path` (required, non-empty) and `jsonp` (optional, a name), or the 400 that says why not. */
function pathAndJsonp(query: Query): { ok: true; path: string; jsonp: string | undefined } | { ok: false; message: string } {
  const path = single(query, 'path');
  if (!path.ok) return path;
  if (path.value === undefined || path.value === '') return { ok: false, message: "Expecting 'path=value' in query.\n" };
  const jsonp = jsonpOf(query);
  if (!jsonp.ok) return jsonp;
  return { ok: true, path: path.value, jsonp: jsonp.value };
}

/** What the file endpoints read of the agent. */
export interface FilesSource {
  /** Where sandboxes are: cheap, read on every request. */
  layout(): SandboxLayout;
  /** The full snapshot, for `/files/debug`. */
  snapshot(): AgentSnapshot;
}

/**
 * `/files/debug`: the paths Mesos would have attached, each to its sandbox: every known run's
 * directory and its `runs/latest` names (real and virtual). Keys sorted, as Mesos writes a map.
 */
export function attachedPaths(snapshot: AgentSnapshot): Record<string, string> {
  const attached = new Map<string, string>();
  const runs = snapshot.frameworks.flatMap((framework) => [
    ...framework.completedExecutors,
    ...framework.executors,
  ]).concat(snapshot.completedFrameworks.flatMap((framework) => framework.completedExecutors));
  // Completed runs first, so a live run of the same executor wins `latest`.
  for (const run of runs) {
    attached.set(run.directory, run.directory);
    const executorDir = run.directory.slice(0, run.directory.lastIndexOf('/'));
    attached.set(`${executorDir}/latest`, run.directory);
    attached.set(`/frameworks/${run.frameworkId}/executors/${run.info.executor_id.value}/runs/latest`, run.directory);
  }
  return Object.fromEntries([...attached.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** Registers `/files/{browse,read,download,debug}` and their deprecated `.json` names. */
export function registerFilesRoutes(app: FastifyInstance, source: FilesSource): void {
  for (const suffix of ['', '.json']) {
    app.get(`/files/browse${suffix}`, (request, reply) => onBrowse(request, reply, source));
    app.get(`/files/read${suffix}`, (request, reply) => onRead(request, reply, source));
    app.get(`/files/download${suffix}`, (request, reply) => onDownload(request, reply, source));
    app.get(`/files/debug${suffix}`, (request, reply) => {
      const jsonp = jsonpOf(request.query as Query);
      if (!jsonp.ok) return sendText(reply, 400, jsonp.message);
      return sendJson(reply, attachedPaths(source.snapshot()), jsonp.value);
    });
  }
}

async function onBrowse(request: FastifyRequest, reply: FastifyReply, source: FilesSource): Promise<FastifyReply> {
  const params = pathAndJsonp(request.query as Query);
  if (!params.ok) return sendText(reply, 400, params.message);
  const listed = await listDirectory(params.path, source.layout());
  if (!listed.ok) return sendRefusal(reply, listed.refusal);
  return sendJson(reply, listed.value.map(browseEntryJson), params.jsonp);
}

/**
 * `/files/read?path=&offset=&length=`: `{data, offset}` with the bytes as text. Without an offset
 * (or with -1) only the size is asked: the answer is no data at `offset` = the file's size.
 */
async function onRead(request: FastifyRequest, reply: FastifyReply, source: FilesSource): Promise<FastifyReply> {
  const query = request.query as Query;
  const params = pathAndJsonp(query);
  if (!params.ok) return sendText(reply, 400, params.message);
  const offset = integerParameter(query, 'offset');
  if (!offset.ok) return sendText(reply, 400, offset.message);
  const length = integerParameter(query, 'length');
  if (!length.ok) return sendText(reply, 400, length.message);
  const sizeOnly = offset.value === -1;
  const read = await readFileWindow(params.path, source.layout(), sizeOnly ? 0 : offset.value, sizeOnly ? 0 : length.value === -1 ? null : length.value);
  if (!read.ok) return sendRefusal(reply, read.refusal);
  const { size, data } = read.value;
  const text = data.subarray(0, completeUtf8Length(data)).toString('utf8');
  return sendJson(reply, { data: text, offset: sizeOnly ? size : offset.value }, params.jsonp);
}

/** `/files/download?path=`: the file as it is, as an attachment named after it. */
async function onDownload(request: FastifyRequest, reply: FastifyReply, source: FilesSource): Promise<FastifyReply> {
  const params = pathAndJsonp(request.query as Query);
  if (!params.ok) return sendText(reply, 400, params.message);
  const resolved = await resolveInSandbox(params.path, source.layout());
  if (!resolved.ok) return sendRefusal(reply, resolved.refusal);
  const opened = await openInSandbox(resolved, params.path);
  if (!opened.ok) return sendRefusal(reply, opened.refusal);
  const handle = opened.handle;
  const stats = await handle.stat().catch(async (error: Error) => {
    await handle.close();
    throw error;
  });
  if (!stats.isFile()) {
    await handle.close();
    return sendText(reply, 400, stats.isDirectory() ? 'Cannot download a directory.\n' : `Cannot download '${params.path}': not a regular file.\n`);
  }
  const name = basename(resolved.path);
  reply
    .code(200)
    .header('content-type', MIME_TYPES[extname(name).toLowerCase()] ?? 'application/octet-stream')
    .header('content-disposition', contentDisposition(name))
    .header('content-length', stats.size);
  if (stats.size === 0) {
    await handle.close();
    return reply.send(Buffer.alloc(0));
  }
  // The size read now is the length promised: a log that grows meanwhile is cut there.
  return reply.send(handle.createReadStream({ start: 0, end: stats.size - 1, autoClose: true }));
}

/**
 * Mesos' `attachment; filename=<name>`; a name a header cannot carry as is (quotes, controls,
 * non-ASCII) is sent percent-encoded as RFC 6266 allows.
 */
export function contentDisposition(name: string): string {
  if (/^[\x21-\x7e]+$/.test(name) && !/[";\\]/.test(name)) return `attachment; filename=${name}`;
  return `attachment; filename*=UTF-8''${encodeURIComponent(name)}`;
}
