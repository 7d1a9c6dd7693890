/**
 * Which file a `/files` path names, and the rule that keeps every answer inside an executor's
 * sandbox. As in Mesos, a path is served only below a sandbox root, and a root is reached by the
 * names Mesos attaches for each executor run:
 *
 *   <work_dir>/slaves/<agent>/frameworks/<framework>/executors/<executor>/runs/<container|latest>
 *   /frameworks/<framework>/executors/<executor>/runs/latest          (virtual, this agent's id)
 *
 * Whatever follows the root (`..` and symlinks included) is resolved by the kernel (realpath), and
 * the result must still be the root or below it; otherwise the path is refused. Paths that reach
 * no root at all (other absolute paths, the agent's `meta/` checkpoints) are not found, as in
 * Mesos. Sandboxes are found on disk rather than in the agent's memory, so a finished executor's
 * sandbox stays readable after the agent forgot it or restarted, as long as it exists.
 */
import { constants } from 'node:fs';
import { open, readlink, realpath, stat, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';

/** A sandbox root and what the path asks for below it, each part as given (`..` kept). */
export interface SandboxLocation {
  root: string;
  below: string[];
}

export interface SandboxLayout {
  /** `--work_dir`, absolute. */
  workDir: string;
  /** The agent's id, for virtual paths; null until the master gave one. */
  agentId: string | null;
}

/** Why a path is not served: nothing there (404), or it leads out of its sandbox (400, as Mesos). */
export type SandboxRefusal =
  | { kind: 'not-found'; message: string }
  | { kind: 'inaccessible'; message: string }
  | { kind: 'invalid'; message: string };

export type ResolvedPath = { ok: true; root: string; path: string } | { ok: false; refusal: SandboxRefusal };

/** The path components of the run directory below `<work_dir>`: slaves/A/frameworks/F/executors/E/runs/R. */
const RUN_DEPTH = 8;
const RUN_KEYWORDS: ReadonlyArray<[index: number, word: string]> = [[0, 'slaves'], [2, 'frameworks'], [4, 'executors'], [6, 'runs']];

/** An id used as a directory name: anything that names one directory entry below its parent. */
function isEntryName(part: string | undefined): part is string {
  return part !== undefined && part !== '' && part !== '.' && part !== '..' && !part.includes('\0');
}

function partsOf(path: string): string[] {
  return path.split('/').filter((part) => part !== '');
}

/**
 * Finds the sandbox root a path starts with, without touching the disk, or null when it starts
 * with none. Parts are compared as written: `<work_dir>/slaves/../meta` reaches no root.
 */
export function locateSandbox(requested: string, layout: SandboxLayout): SandboxLocation | null {
  if (!requested.startsWith('/') || requested.includes('\0')) return null;
  const parts = partsOf(requested);
  // The virtual path Mesos attaches for each executor's latest run.
  if (parts[0] === 'frameworks' && parts[2] === 'executors' && parts[4] === 'runs' && parts[5] === 'latest') {
    const [, frameworkId, , executorId] = parts;
    if (layout.agentId === null || !isEntryName(frameworkId) || !isEntryName(executorId)) return null;
    return {
      root: join(layout.workDir, 'slaves', layout.agentId, 'frameworks', frameworkId, 'executors', executorId, 'runs', 'latest'),
      below: parts.slice(6),
    };
  }
  const workDirParts = partsOf(layout.workDir);
  if (parts.length < workDirParts.length + RUN_DEPTH) return null;
  if (workDirParts.some((part, index) => parts[index] !== part)) return null;
  const run = parts.slice(workDirParts.length, workDirParts.length + RUN_DEPTH);
  if (RUN_KEYWORDS.some(([index, word]) => run[index] !== word)) return null;
  if (![1, 3, 5, 7].every((index) => isEntryName(run[index]))) return null;
  return { root: join(layout.workDir, ...run), below: parts.slice(workDirParts.length + RUN_DEPTH) };
}

function isInside(path: string, root: string): boolean {
  return path === root || path.startsWith(root.endsWith('/') ? root : `${root}/`);
}

function errnoOf(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException).code;
}

/**
 * Resolves a requested path to a real path inside its sandbox, following symlinks as the kernel
 * does. `requested` is only used in messages.
 */
export async function resolveInSandbox(requested: string, layout: SandboxLayout): Promise<ResolvedPath> {
  const location = locateSandbox(requested, layout);
  if (!location) return { ok: false, refusal: { kind: 'not-found', message: `'${requested}' is not in an executor sandbox on this agent` } };
  let root: string;
  try {
    root = await realpath(location.root);
    if (!(await stat(root)).isDirectory()) throw Object.assign(new Error('not a directory'), { code: 'ENOTDIR' });
  } catch (error) {
    return { ok: false, refusal: { kind: 'not-found', message: `No sandbox at '${location.root}': ${errnoOf(error) ?? (error as Error).message}` } };
  }
  // Joined as text, not normalised: `link/..` must mean what the kernel says it means.
  const candidate = location.below.length === 0 ? root : `${root}/${location.below.join('/')}`;
  let path: string;
  try {
    path = await realpath(candidate);
  } catch (error) {
    const code = errnoOf(error);
    if (code === 'ENOENT' || code === 'ENOTDIR') return { ok: false, refusal: { kind: 'not-found', message: `'${requested}' does not exist` } };
    if (code === 'ELOOP') return { ok: false, refusal: { kind: 'inaccessible', message: `'${requested}' is inaccessible: too many symbolic links` } };
    return { ok: false, refusal: { kind: 'invalid', message: `Failed to determine canonical path of '${requested}': ${code ?? (error as Error).message}` } };
  }
  if (!isInside(path, root)) return { ok: false, refusal: { kind: 'inaccessible', message: `'${requested}' is inaccessible: it leads outside its sandbox` } };
  return { ok: true, root, path };
}

/**
 * Opens a resolved path for reading and checks, on the open descriptor, that it is still inside
 * its sandbox: a task that swaps a directory for a symlink between the check and the open gains
 * nothing. Non-blocking, so a FIFO a task left in its sandbox cannot hang the agent.
 */
export async function openInSandbox(resolved: { root: string; path: string }, requested: string): Promise<{ ok: true; handle: FileHandle } | { ok: false; refusal: SandboxRefusal }> {
  let handle: FileHandle;
  try {
    handle = await open(resolved.path, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOFOLLOW);
  } catch (error) {
    const code = errnoOf(error);
    if (code === 'ENOENT') return { ok: false, refusal: { kind: 'not-found', message: `'${requested}' does not exist` } };
    if (code === 'ELOOP') return { ok: false, refusal: { kind: 'inaccessible', message: `'${requested}' is inaccessible: it changed while being opened` } };
    return { ok: false, refusal: { kind: 'invalid', message: `Failed to open '${requested}': ${code ?? (error as Error).message}` } };
  }
  let opened: string | null = null;
  try {
    opened = await readlink(`/proc/self/fd/${handle.fd}`);
  } catch {
    // No /proc: the realpath check above is all there is, as in Mesos.
  }
  if (opened !== null && !isInside(opened, resolved.root)) {
    await handle.close();
    return { ok: false, refusal: { kind: 'inaccessible', message: `'${requested}' is inaccessible: it leads outside its sandbox` } };
  }
  return { ok: true, handle };
}
