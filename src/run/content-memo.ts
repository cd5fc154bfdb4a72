/**
 * No restart for no change: an editor or formatter that rewrites a file with the same bytes (chokidar
 * #1292) changes its mtime, not its content. The runner remembers a content digest of each file it has
 * seen (in a change, or loaded by the register hook's child) and drops a change whose bytes hash to what
 * it remembered.
 *
 * It also tells when a change only appended to the file (the new bytes begin with the old ones): how a log
 * grows, which the loop guard uses to tell a file the program writes from an edit (loop-guard.ts).
 *
 * Memory is bounded: at most `maxEntries` paths (least recently changed forgotten first), each a path, a
 * size and a 20-byte SHA-1 digest (under 1 MB at the default 4096). Files larger than `maxFileBytes` are not read
 * and always count as changed; so do all but the first `maxPerBatch` files of a huge batch (a checkout),
 * whose digests are then forgotten. A file that was not hashed is forgotten rather than kept with an old
 * digest, so a change is never dropped against stale content.
 */
import { createRequire } from 'node:module';
import fs from 'node:fs';
import { makeBatch } from '../watch/batch.js';
import { Change, type ChangeBatch, type FileChange } from '../watch/types.js';

export interface ContentMemoOptions {
  maxEntries?: number;
  maxFileBytes?: number;
  maxPerBatch?: number;
}

interface Seen {
  digest: string;
  size: number;
}

export class ContentMemo {
  private readonly digests = new Map<string, Seen>();
  private readonly maxEntries: number;
  private readonly maxFileBytes: number;
  private readonly maxPerBatch: number;

  constructor(o: ContentMemoOptions = {}) {
    this.maxEntries = o.maxEntries ?? 4096;
    this.maxFileBytes = o.maxFileBytes ?? 4 * 1024 * 1024;
    this.maxPerBatch = o.maxPerBatch ?? 256;
  }

  /** Paths remembered right now (for tests and the memory bound). */
  get size(): number {
    return this.digests.size;
  }

  /**
   * Splits a batch into the changes that are real and those whose content is what it was last seen as.
   * Updates what is remembered. A rescan batch is kept whole.
   */
  sift(batch: ChangeBatch): { changed: ChangeBatch; same: FileChange[]; appended: string[] } {
    const changed: FileChange[] = [];
    const same: FileChange[] = [];
    const appended: string[] = [];
    let hashed = 0;
    for (const c of batch) {
      if (c.change === Change.deleted || c.isDir) {
        this.digests.delete(c.path);
        changed.push(c);
        continue;
      }
      const before = this.digests.get(c.path);
      const now = hashed < this.maxPerBatch ? this.read(c.path, before?.size) : undefined;
      if (now !== undefined) hashed++;
      this.store(c.path, now);
      if (now && before && now.digest === before.digest && c.oldPath === undefined) same.push(c);
      else changed.push(c);
      if (now && before && now.size > before.size && now.prefixDigest === before.digest) appended.push(c.path);
    }
    if (batch.rescan) return { changed: batch, same: [], appended };
    return { changed: makeBatch(changed, false), same, appended };
  }

  /**
   * Remember the current content of files that are known to be in use (loaded by the child). With
   * `loadedSince` (when the child resolved them), a file modified since then is not remembered: what the child
   * loaded may be the content before that edit, and remembering the edit would make it look like no change.
   * The mtime is read after the bytes, on the same descriptor: an edit before the read shows in it.
   */
  remember(files: readonly string[], loadedSince?: number): void {
    for (const file of files) {
      if (this.digests.has(file)) continue; // already current: every change passes through sift()
      const seen = this.read(file, undefined);
      if (seen && loadedSince !== undefined && seen.mtimeMs > loadedSince - MTIME_SLACK_MS) continue;
      this.store(file, seen);
    }
  }

  private store(file: string, seen: Seen | undefined): void {
    this.digests.delete(file); // re-insert at the end: the Map's order is the eviction order
    if (seen === undefined) return;
    this.digests.set(file, { digest: seen.digest, size: seen.size });
    if (this.digests.size > this.maxEntries) this.digests.delete(this.digests.keys().next().value!);
  }

  /**
   * The file's digest and size, the digest of its first `prefix` bytes (to recognise an append), and its
   * mtime as it stood once the bytes were read (one descriptor: open, check, read, stat again).
   */
  private read(file: string, prefix: number | undefined): (Seen & { prefixDigest?: string; mtimeMs: number }) | undefined {
    let fd: number | undefined;
    try {
      fd = fs.openSync(file, OPEN_FLAGS);
      const st = fs.fstatSync(fd);
      if (!st.isFile() || st.size > this.maxFileBytes) return undefined;
      const bytes = fs.readFileSync(fd);
      const { mtimeMs } = fs.fstatSync(fd);
      const digest = sha1().update(bytes).digest('base64');
      if (prefix === undefined || prefix >= bytes.length) return { digest, size: bytes.length, mtimeMs };
      return { digest, size: bytes.length, mtimeMs, prefixDigest: sha1().update(bytes.subarray(0, prefix)).digest('base64') };
    } catch {
      return undefined; // unreadable or gone: counts as a change
    } finally {
      if (fd !== undefined) fs.closeSync(fd);
    }
  }
}

// Non-blocking, so a FIFO standing where a file was is not waited on (it is then refused as not a file).
const OPEN_FLAGS = fs.constants.O_RDONLY | (fs.constants.O_NONBLOCK ?? 0);

// node:crypto loads at the first digest, not with the library: it costs about 1 MB of RSS to load.
let crypto: typeof import('node:crypto') | undefined;
function sha1() {
  crypto ??= createRequire(import.meta.url)('node:crypto') as typeof import('node:crypto');
  return crypto.createHash('sha1');
}

/**
 * Kernel file times come from a coarse clock that can lag Date.now() by a tick: an edit a few ms after `since`
 * may carry an mtime just before it. A file written just before `since` is then taken as modified too, which
 * costs at most one restart that was not needed.
 */
export const MTIME_SLACK_MS = 20;
