/**
 * The binding's live roots: one NativeWatcher (one inotify instance, one batching thread) whose roots are
 * added and removed while it runs. The TypeScript layers (reloaders, the chokidar facade) are to move onto
 * this instead of one watcher per root group.
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { NativeEvent } from '../src/watch/addon.js';
import { removeDir, tempDir, waitFor } from './helpers/fs.js';
import { inotifyInstances } from './helpers/sysctl.js';

const binding = createRequire(import.meta.url)('../index.cjs') as typeof import('../index.js');
let dir: string;
beforeEach(() => {
  dir = fs.realpathSync(tempDir());
});
afterEach(() => removeDir(dir));

const inotifyFds = inotifyInstances;

describe('live roots on one native watcher', () => {
  it('adds a root (its content the baseline), removes one, and keeps one inotify instance throughout', async () => {
    const [a, b, later] = ['a', 'b', 'later'].map((n) => path.join(dir, n));
    for (const d of [a, b]) fs.mkdirSync(d);
    fs.writeFileSync(path.join(b, 'old.txt'), 'o');
    const seen: string[] = [];
    const errors: string[] = [];
    const before = inotifyFds();
    const w = await binding.NativeWatcher.start([a], { stepMs: 10 }, (err: Error | null, e: NativeEvent) => {
      if (err) errors.push(err.message);
      if (e.error) errors.push(e.error.message);
      for (const c of e.changes) seen.push(path.relative(dir, c.path));
    });
    try {
      expect(w.watchCount).toBe(1);
      await w.addRoot(b);
      expect(w.watchCount).toBe(2); // the count follows the roots
      await w.addRoot(later); // not there yet: reported once it appears
      expect(inotifyFds() - before).toBe(1);
      fs.writeFileSync(path.join(b, 'new.txt'), 'n');
      fs.mkdirSync(later);
      fs.writeFileSync(path.join(later, 'x.txt'), 'x');
      await waitFor(() => seen.includes(path.join('b', 'new.txt')) && seen.includes(path.join('later', 'x.txt')), 'b/new.txt and later/x.txt');
      expect(seen).not.toContain(path.join('b', 'old.txt'));
      await w.removeRoot(b);
      expect(w.watchCount).toBe(2); // a and later
      fs.writeFileSync(path.join(b, 'unwatched.txt'), 'u');
      fs.writeFileSync(path.join(a, 'sentinel'), 's');
      await waitFor(() => seen.includes(path.join('a', 'sentinel')), 'a/sentinel');
      expect(seen).not.toContain(path.join('b', 'unwatched.txt'));
      expect(errors).toEqual([]);
    } finally {
      await w.close();
    }
    await expect(w.addRoot(b)).rejects.toMatchObject({ code: 'EINVAL', message: 'the watcher is closed' });
  });

  it('rejects a root it cannot watch with the structured error, and goes on watching the others', async () => {
    const file = path.join(dir, 'file');
    fs.writeFileSync(file, 'f');
    const seen: string[] = [];
    const w = await binding.NativeWatcher.start([dir], { stepMs: 10 }, (_err: Error | null, e: NativeEvent) => {
      for (const c of e.changes) seen.push(c.path);
    });
    try {
      await expect(w.addRoot(path.join(file, 'below'))).rejects.toMatchObject({ code: 'ENOTDIR', path: path.join(file, 'below') });
      fs.writeFileSync(path.join(dir, 'after.txt'), 'a');
      await waitFor(() => seen.includes(path.join(dir, 'after.txt')), 'after.txt');
    } finally {
      await w.close();
    }
  });
});
