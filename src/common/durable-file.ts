/**
 * Writing a small file so that a crash leaves either the old content or the new, never a torn
 * mix, and the new content is on disk before the promise resolves: a temporary file in the same
 * folder, fsync, rename over the old file, fsync of the folder (the rename is durable only once
 * the folder's entry is).
 */
import { existsSync, readFileSync, truncateSync } from 'node:fs';
import { mkdir, open, rename, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';

export async function writeFileDurably(path: string, text: string): Promise<void> {
  const folder = dirname(path);
  const temporary = `${path}.tmp`;
  await mkdir(folder, { recursive: true });
  try {
    const file = await open(temporary, 'w', 0o644);
    try {
      await file.writeFile(text);
      await file.sync();
    } finally {
      await file.close();
    }
    await rename(temporary, path);
  } catch (error) {
    await unlink(temporary).catch(() => undefined); // Best effort: a leftover is overwritten next time.
    throw error;
  }
  const folderHandle = await open(folder, 'r');
  try {
    await folderHandle.sync();
  } finally {
    await folderHandle.close();
  }
}

/**
 * The whole lines of an append-only log of lines (empty when there is none yet). A crash
 * mid-write leaves a torn last line: it is cut off the file, or the next line appended would be
 * glued to it.
 */
export function readLogCuttingTornTail(path: string): Buffer {
  const bytes = existsSync(path) ? readFileSync(path) : Buffer.alloc(0);
  const intact = bytes.lastIndexOf(0x0a) + 1;
  if (intact < bytes.byteLength) truncateSync(path, intact);
  return bytes.subarray(0, intact);
}

/**
 * Reads a JSON file written by `writeFileDurably`: undefined when there is none yet; a file that
 * cannot be read or parsed throws what `corrupt` makes of the reason (the caller names the file).
 */
export function readJsonFile(path: string, corrupt: (why: string) => Error): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw corrupt(`cannot be read: ${(error as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw corrupt(`is not JSON: ${(error as Error).message}`);
  }
}
