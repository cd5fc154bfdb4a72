/**
 * VCS settle with backend 'watchman' is the server's own (`defer_vcs`): nothing is sent while
 * .git/index.lock exists, so a checkout of 2,000 files reaches us as one batch.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Change } from '../src/index.js';
import { perTestDir, record, waitFor, write, type Recorder } from './helpers/fs.js';
import { git } from './helpers/git.js';
import { useWatchman } from './helpers/watchman.js';

useWatchman();
const t = perTestDir();

function batchesUnder(r: Recorder, prefix: string) {
  return r.batches.filter((b) => b.some((c) => c.path.startsWith(prefix) && !path.basename(c.path).startsWith('.sentinel-')));
}

/** Two branches that differ in 2,000 files plus three behind a slow smudge filter (git pauses mid-checkout). */
function checkoutRepo(): void {
  git(t.dir, 'init', '-q');
  write(path.join(t.dir, '.gitattributes'), '*.slow filter=slow\n');
  for (let i = 0; i < 2000; i++) write(path.join(t.dir, `pkg${i % 40}`, `f${i}.js`), `a${i}`);
  for (let i = 0; i < 3; i++) write(path.join(t.dir, `pkg${i * 13}`, `z${i}.slow`), `a${i}`);
  git(t.dir, 'add', '-A');
  git(t.dir, 'commit', '-qm', 'a');
  git(t.dir, 'checkout', '-qb', 'other');
  for (let i = 0; i < 2000; i++) write(path.join(t.dir, `pkg${i % 40}`, `f${i}.js`), `b${i}-changed`);
  for (let i = 0; i < 3; i++) write(path.join(t.dir, `pkg${i * 13}`, `z${i}.slow`), `b${i}`);
  git(t.dir, 'commit', '-qam', 'b');
  git(t.dir, 'checkout', '-q', 'main');
}

async function checkoutBatches(vcsSettle: boolean): Promise<number> {
  checkoutRepo();
  t.rec = await record(t.dir, { backend: 'watchman', vcsSettle });
  git(t.dir, '-c', 'filter.slow.smudge=sleep 0.3; cat', '-c', 'filter.slow.clean=cat', 'checkout', '-q', 'other');
  await waitFor(() => new Set(t.rec!.all().map(([, p]) => p)).size >= 2003, 'all 2,003 files', 20_000, 50);
  await t.rec.settle(t.dir);
  return batchesUnder(t.rec, path.join(t.dir, 'pkg')).length;
}

describe('watchman backend: VCS settle', () => {
  it('a git checkout between branches that differ in 2,000 files yields exactly one batch', async () => {
    expect(await checkoutBatches(true)).toBe(1);
    const batch = batchesUnder(t.rec!, path.join(t.dir, 'pkg'))[0]!;
    // git replaces each file (unlink, create): watchman keeps no history of the old name, so a file may
    // read as added rather than modified; either way each of the 2,003 is in this one batch, none deleted.
    expect(batch.filter((c) => c.change === Change.modified || c.change === Change.added)).toHaveLength(2003);
    expect(batch.filter((c) => c.change === Change.deleted)).toEqual([]);
    // Building the two-branch repo is most of the time on a busy machine.
  }, 90_000);

  it('changes made while .git/index.lock exists arrive once it is gone; with vcsSettle: false at once', async () => {
    git(t.dir, 'init', '-q');
    const lock = path.join(t.dir, '.git', 'index.lock');
    const file = path.join(t.dir, 'a.js');
    t.rec = await record(t.dir, { backend: 'watchman', step: 20 });
    fs.writeFileSync(lock, '');
    write(file, '1');
    // Longer than step plus the server's settle: without the deferral the batch would be here by now.
    await new Promise((r) => setTimeout(r, 500));
    const removedAt = Date.now();
    fs.unlinkSync(lock);
    await t.rec.waitForPath(file);
    const arrivedAt = Date.now();
    expect(arrivedAt).toBeGreaterThanOrEqual(removedAt);
    await t.rec.close();

    t.rec = await record(t.dir, { backend: 'watchman', step: 20, vcsSettle: false });
    fs.writeFileSync(lock, '');
    write(file, '2');
    await t.rec.waitForPath(file, Change.modified);
    expect(fs.existsSync(lock)).toBe(true);
    fs.unlinkSync(lock);
  });
});
