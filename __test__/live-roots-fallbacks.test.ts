/**
 * Subscription.addRoot()/removeRoot() on the backends other than the native one: the JS poller (forced
 * with WATCHFILES_NO_NATIVE, read on first use: this file runs in its own worker) and watchman (a private
 * server started for this file).
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { subscribe, type ChangeBatch, type WatchOptions } from '../src/index.js';
import { removeDir, tempDir, waitFor, write } from './helpers/fs.js';
import { useWatchman } from './helpers/watchman.js';

useWatchman();
let dir: string;
beforeAll(() => {
  process.env.WATCHFILES_NO_NATIVE = '1';
});
beforeEach(() => {
  dir = tempDir('wf-live-fallback-');
  // The JS poller's one line on stderr that says why it is used.
  vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
});
afterEach(() => {
  vi.restoreAllMocks();
  removeDir(dir);
});

const seen = (batches: ChangeBatch[], p: string) => batches.some((b) => b.some((c) => c.path === p));

describe.each([
  ['js-poll', { pollDelay: 20 }],
  ['watchman', { backend: 'watchman', step: 10 }],
] as Array<[string, WatchOptions]>)('live roots on %s', (backend, options) => {
  it('adds a root (its content the baseline), a flat one, one that appears later, and removes one', async () => {
    const [a, b, flat, later] = ['a', 'b', 'flat', 'later'].map((n) => path.join(dir, n));
    for (const d of [a, path.join(b, 'sub'), path.join(flat, 'sub')]) fs.mkdirSync(d, { recursive: true });
    write(path.join(b, 'sub', 'old.txt'));
    const batches: ChangeBatch[] = [];
    const errors: Error[] = [];
    const sub = await subscribe(a, (batch) => void batches.push(batch), { ...options, onError: (e) => errors.push(e) });
    try {
      expect(sub.backend).toBe(backend);
      await sub.addRoot(b);
      await sub.addRoot(flat, { recursive: false });
      await sub.addRoot(later);
      write(path.join(b, 'sub', 'new.txt'));
      write(path.join(flat, 'top.txt'));
      write(path.join(flat, 'sub', 'below.txt'));
      write(path.join(later, 'x.txt'));
      await waitFor(
        () => seen(batches, path.join(b, 'sub', 'new.txt')) && seen(batches, path.join(flat, 'top.txt')) && seen(batches, path.join(later, 'x.txt')),
        'a change in every added root',
      );
      expect(seen(batches, path.join(b, 'sub', 'old.txt'))).toBe(false);
      expect(seen(batches, path.join(flat, 'sub', 'below.txt'))).toBe(false);

      await sub.removeRoot(b);
      write(path.join(b, 'sub', 'silent.txt'));
      write(path.join(a, 'sentinel.txt'));
      await waitFor(() => seen(batches, path.join(a, 'sentinel.txt')), 'the sentinel');
      expect(seen(batches, path.join(b, 'sub', 'silent.txt'))).toBe(false);
      expect(errors).toEqual([]);
    } finally {
      await sub.close();
    }
  });
});
