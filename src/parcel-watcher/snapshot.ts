/**
 * writeSnapshot()/getEventsSince(): a snapshot is the tree's entries (relative path, kind, mtime, inode)
 * in a JSON file; getEventsSince() walks the tree again and reports what differs, as parcel's
 * non-watchman backends do (a walk and a comparison, no daemon). A file whose mtime or inode changed
 * is an update; a path whose kind changed is a delete and a create.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Event } from './events.js';
import type { ResolvedParcelOptions } from './options.js';

const FORMAT = 'watchfiles-node/parcel-watcher snapshot 1';

interface Entry {
  dir: boolean;
  mtimeMs: number;
  ino: number;
}

interface SnapshotFile {
  format: string;
  dir: string;
  entries: Record<string, Entry>;
}

/** Every entry below `o.dir` that is not ignored, by path relative to it. */
export function readTree(o: ResolvedParcelOptions): Map<string, Entry> {
  const out = new Map<string, Entry>();
  const stack = [o.dir];
  while (stack.length) {
    const dir = stack.pop()!;
    let names: string[];
    try {
      names = fs.readdirSync(dir);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (dir === o.dir) throw error;
      if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'EACCES' || code === 'EPERM') continue; // gone or unreadable meanwhile
      throw error;
    }
    for (const name of names) {
      const abs = path.join(dir, name);
      if (o.isIgnored(abs)) continue;
      const st = fs.lstatSync(abs, { throwIfNoEntry: false });
      if (!st) continue;
      const isDir = st.isDirectory();
      out.set(path.relative(o.dir, abs), { dir: isDir, mtimeMs: st.mtimeMs, ino: st.ino });
      if (isDir) stack.push(abs);
    }
  }
  return out;
}

export async function writeSnapshotFile(o: ResolvedParcelOptions, file: string): Promise<string> {
  const dirStat = fs.statSync(o.dir, { throwIfNoEntry: false });
  if (!dirStat?.isDirectory()) throw new Error(`writeSnapshot: ${o.dir} is not a directory`);
  const snap: SnapshotFile = { format: FORMAT, dir: o.dir, entries: Object.fromEntries(readTree(o)) };
  const target = path.resolve(file);
  // Written whole then renamed, so a reader never sees half a snapshot.
  const tmp = `${target}.${process.pid}.tmp`;
  await fs.promises.writeFile(tmp, JSON.stringify(snap));
  await fs.promises.rename(tmp, target);
  return target;
}

export async function eventsSince(o: ResolvedParcelOptions, file: string): Promise<Event[]> {
  const target = path.resolve(file);
  let text: string;
  try {
    text = await fs.promises.readFile(target, 'utf8');
  } catch (error) {
    // @parcel/watcher's own backends reject a snapshot that does not exist ("Unable to open snapshot file");
    // only its watchman backend answers []. Rejecting is the safe side: [] would tell a tool nothing changed.
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new Error(`Unable to open snapshot file: ${target} does not exist (write one with writeSnapshot() first)`);
    }
    throw new Error(`getEventsSince: cannot read the snapshot ${target}: ${(error as Error).message}`);
  }
  let snap: SnapshotFile;
  try {
    snap = JSON.parse(text) as SnapshotFile;
    if (snap.format !== FORMAT || typeof snap.entries !== 'object') throw new Error('unknown format');
  } catch {
    throw new Error(`getEventsSince: ${target} is not a snapshot written by this package's writeSnapshot() (another @parcel/watcher's snapshot?). Write it again with writeSnapshot().`);
  }
  const before = new Map(Object.entries(snap.entries));
  const now = readTree(o);
  const events: Event[] = [];
  const abs = (rel: string) => path.join(o.dir, rel);
  for (const [rel, was] of before) {
    const is = now.get(rel);
    if (!is || is.dir !== was.dir) events.push({ type: 'delete', path: abs(rel) });
  }
  for (const [rel, is] of now) {
    const was = before.get(rel);
    if (!was || was.dir !== is.dir) events.push({ type: 'create', path: abs(rel) });
    else if (!is.dir && (was.mtimeMs !== is.mtimeMs || was.ino !== is.ino)) events.push({ type: 'update', path: abs(rel) });
  }
  return events;
}
