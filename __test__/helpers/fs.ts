/** Temp trees and bounded waiting: tests wait for a condition with a deadline, never sleep-and-hope. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach } from 'vitest';
import { subscribe, type ChangeBatch, type Subscription, type WatchOptions } from '../../src/index.js';

export function tempDir(prefix = 'wf-test-'): string {
  // realpath: on some systems the temp dir is behind a symlink, and the watcher reports real paths given.
  return fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), prefix)));
}

export function removeDir(dir: string): void {
  fs.rmSync(dir, { recursive: true, force: true });
}

export function write(file: string, content = 'x'): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, content);
}

export async function waitFor<T>(
  probe: () => T | undefined | false,
  what: string,
  timeoutMs = 10_000,
  intervalMs = 10,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** A subscription that records every batch, with helpers to wait on what it saw. */
export interface Recorder {
  sub: Subscription;
  batches: ChangeBatch[];
  errors: Error[];
  /** Every change seen so far, flattened. */
  all(): Array<[number, string]>;
  /** Waits until `file` has been reported (with `change` if given); returns the batch index. */
  waitForPath(file: string, change?: number, timeoutMs?: number): Promise<number>;
  /** Writes a sentinel file and waits for it: everything the OS reported before it has been delivered. */
  settle(dir: string): Promise<void>;
  close(): Promise<void>;
}

let sentinelCount = 0;

export async function record(paths: string | string[], options: WatchOptions = {}): Promise<Recorder> {
  const batches: ChangeBatch[] = [];
  const errors: Error[] = [];
  const sub = await subscribe(paths, (b) => void batches.push(b), { onError: (e) => errors.push(e), ...options });
  const rec: Recorder = {
    sub,
    batches,
    errors,
    all: () => batches.flatMap((b) => b.map((c) => [c.change, c.path] as [number, string])),
    async waitForPath(file, change, timeoutMs = 10_000) {
      return waitFor(
        () => {
          const i = batches.findIndex((b) => b.some((c) => c.path === file && (change === undefined || c.change === change)));
          return i >= 0 ? i + 1 : undefined;
        },
        `a change to ${file}`,
        timeoutMs,
      ).then((i) => i - 1);
    },
    async settle(dir) {
      const sentinel = path.join(dir, `.sentinel-${process.pid}-${++sentinelCount}`);
      fs.writeFileSync(sentinel, 's');
      await rec.waitForPath(sentinel);
      fs.unlinkSync(sentinel);
      await rec.waitForPath(sentinel, 3);
    },
    close: () => sub.close(),
  };
  return rec;
}

/** Changes recorded, without the sentinel files `settle` writes. */
export function withoutSentinels(changes: Array<[number, string]>): Array<[number, string]> {
  return changes.filter(([, p]) => !path.basename(p).startsWith('.sentinel-'));
}

/**
 * A fresh temp dir per test, and a slot for the test's recorder: closed and removed after each test.
 * Use as `const t = perTestDir();` then `t.dir` and `t.rec`.
 */
export function perTestDir(): { dir: string; rec: Recorder | undefined } {
  const t: { dir: string; rec: Recorder | undefined } = { dir: '', rec: undefined };
  beforeEach(() => {
    t.dir = tempDir();
  });
  afterEach(async () => {
    await t.rec?.close();
    t.rec = undefined;
    removeDir(t.dir);
  });
  return t;
}
