/**
 * "What changed while nothing watched": a token for now, and the net changes since a token.
 * - With watchman the token is the server's clock (Subscription.clock()); changesSince() is a `since` query.
 *   A server that restarted since then cannot say: the result is an empty batch marked `rescan`.
 * - Without watchman, writeSnapshot(root, file) records every path under the root (mtime in ns, size,
 *   inode) with our filters; changesSince(root, file) walks again and compares (the JS poller's walk).
 * Either way the result is one ChangeBatch of net changes, filtered like a watch with the same options.
 */
import fs from 'node:fs';
import path from 'node:path';
import { makeBatch } from './batch.js';
import { compileFilter } from './filters.js';
import { diff, scan, type Entry, type Snapshot } from './backends/js-poll.js';
import { resolveOptions, type ResolvedOptions } from './options.js';
import { WatchError, type ChangeBatch, type WatchOptions } from './types.js';
import { excludeDirsExpression, toChanges } from '../watchman/changes.js';
import { connectWatchman } from '../watchman/connect.js';
import type { WatchmanFile } from '../watchman/client.js';

/** The options that decide what a snapshot or a since-query covers. */
export type SinceOptions = Pick<WatchOptions, 'ignore' | 'filter' | 'recursive' | 'ignorePermissionDenied'>;

const SINCE_KEYS = new Set(['ignore', 'filter', 'recursive', 'ignorePermissionDenied']);
const CLOCK = /^c:\d+:\d+:\d+:\d+$/;
const FORMAT = 'watchfiles-node snapshot 1';

interface SnapshotFile {
  format: string;
  root: string;
  /** [path relative to root, mtimeNs, size, ino, isDir] */
  entries: Array<[string, string, string, string, boolean]>;
}

/** Writes the state of `root` (what a watch with these options would see) to `file`. */
export async function writeSnapshot(root: string, file: string, options: SinceOptions = {}): Promise<void> {
  const resolved = resolve(root, options, 'writeSnapshot');
  const snapshot = walk(resolved);
  const rootDir = resolved.roots[0]!;
  const body: SnapshotFile = {
    format: FORMAT,
    root: rootDir,
    entries: [...snapshot].map(([p, e]) => [path.relative(rootDir, p), String(e.mtimeNs), String(e.size), String(e.ino), e.isDir]),
  };
  const tmp = `${file}.${process.pid}.tmp`;
  // Written aside and renamed, so a crash never leaves half a snapshot to compare against.
  await fs.promises.writeFile(tmp, JSON.stringify(body));
  await fs.promises.rename(tmp, file);
}

/**
 * The net changes under `root` since `token`: a watchman clock (from Subscription.clock()) or the path of a
 * file written by writeSnapshot().
 */
export async function changesSince(root: string, token: string, options: SinceOptions = {}): Promise<ChangeBatch> {
  if (typeof token !== 'string' || token === '') {
    throw new TypeError('changesSince: "token" must be a watchman clock or the path of a snapshot file');
  }
  const resolved = resolve(root, options, 'changesSince');
  return CLOCK.test(token) ? sinceClock(resolved, token) : sinceSnapshot(resolved, token);
}

function resolve(root: string, options: SinceOptions, fn: string): ResolvedOptions {
  if (typeof root !== 'string' || root === '') throw new TypeError(`${fn}: "root" must be a non-empty string`);
  if (options === null || typeof options !== 'object') throw new TypeError(`${fn}: options must be an object`);
  for (const key of Object.keys(options)) {
    if (!SINCE_KEYS.has(key)) throw new TypeError(`${fn}: unknown option "${key}" (allowed: ${[...SINCE_KEYS].join(', ')})`);
  }
  if (typeof options.filter === 'function') {
    throw new TypeError(`${fn}: option "filter" must be a DefaultFilter or null here; apply a JS predicate to the result`);
  }
  const resolved = resolveOptions(root, options);
  const st = fs.statSync(resolved.roots[0]!, { throwIfNoEntry: false });
  if (!st?.isDirectory()) {
    throw new WatchError('ENOENT', `${fn}: ${resolved.roots[0]} is not a directory (create it, or fix the path)`, resolved.roots[0]);
  }
  return resolved;
}

function walk(resolved: ResolvedOptions): Snapshot {
  const errors: WatchError[] = [];
  const snapshot = scan(resolved, compileFilter(resolved), { onBatch() {}, onError: (e) => errors.push(e) });
  if (errors.length) throw errors[0];
  // The root itself is the frame, not a change.
  snapshot.delete(resolved.roots[0]!);
  return snapshot;
}

async function sinceSnapshot(resolved: ResolvedOptions, file: string): Promise<ChangeBatch> {
  const rootDir = resolved.roots[0]!;
  let body: SnapshotFile;
  try {
    body = JSON.parse(await fs.promises.readFile(file, 'utf8')) as SnapshotFile;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'it does not exist' : code ? `${code}` : 'it is not JSON';
    throw new WatchError(code === 'ENOENT' ? 'ENOENT' : 'EINVAL', `changesSince: cannot read snapshot ${file} (${why}); write one with writeSnapshot(root, file)`, file);
  }
  if (body?.format !== FORMAT || !Array.isArray(body.entries)) {
    throw new WatchError('EINVAL', `changesSince: ${file} is not a snapshot written by writeSnapshot()`, file);
  }
  if (body.root !== rootDir) {
    throw new WatchError('EINVAL', `changesSince: snapshot ${file} is of ${body.root}, not ${rootDir}`, file);
  }
  const before: Snapshot = new Map();
  for (const [rel, mtimeNs, size, ino, isDir] of body.entries) {
    const entry: Entry = { mtimeNs: BigInt(mtimeNs), size: BigInt(size), ino: BigInt(ino), isDir };
    before.set(path.join(rootDir, rel), entry);
  }
  return makeBatch(diff(before, walk(resolved)));
}

async function sinceClock(resolved: ResolvedOptions, clock: string): Promise<ChangeBatch> {
  const rootDir = resolved.roots[0]!;
  const { client } = await connectWatchman();
  try {
    const project = await client.command(['watch-project', rootDir]);
    const query: Record<string, unknown> = { since: clock, fields: ['name', 'exists', 'new', 'type'], empty_on_fresh_instance: true };
    if (typeof project.relative_path === 'string') query.relative_root = project.relative_path;
    const expression = excludeDirsExpression(resolved.ignoreDirs);
    if (expression) query.expression = expression;
    const reply = await client.command(['query', String(project.watch), query]);
    if (reply.is_fresh_instance) return makeBatch([], true);
    const view = { dir: rootDir, root: rootDir, recursive: resolved.recursive };
    return makeBatch(toChanges((reply.files ?? []) as WatchmanFile[], view, compileFilter(resolved)));
  } finally {
    client.close();
  }
}
