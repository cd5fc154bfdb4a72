/**
 * The fallbacks keep the watcher's promises, on real files: the JS poller (the native binary is kept from
 * loading with WATCHFILES_NO_NATIVE, which src/watch/addon.ts reads on first use: this file runs in its own
 * worker) and the StatReloader (alone, and as the runner's 'stat' change source) honour `step`, `debounce`,
 * `vcsSettle`/`vcsSettleTimeout` and `followSymlinks`, and refuse `gitignore` with a TypeError that names
 * the option, the backend and the fix. Timing is only ever asserted as a lower bound (a batch can never
 * come before its rule allows), or as "one batch" where the gaps are far inside the window.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Change, getReloader, runProcess, StatReloader, subscribe, type ChangeBatch, type Subscription } from '../src/index.js';
import { removeDir, tempDir, waitFor, write } from './helpers/fs.js';
import { git, gitAsync } from './helpers/git.js';

beforeAll(() => {
  process.env.WATCHFILES_NO_NATIVE = '1';
});

let dir: string;
let outside: string;
const cleanup: Array<() => Promise<unknown>> = [];
beforeEach(() => {
  dir = tempDir();
  outside = tempDir();
});
afterEach(async () => {
  for (const c of cleanup.splice(0)) await c();
  removeDir(dir);
  removeDir(outside);
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A JS-poller subscription that records each batch with the time it arrived. */
async function poller(options: Parameters<typeof subscribe>[2]) {
  const batches: Array<{ at: number; batch: ChangeBatch }> = [];
  const sub: Subscription = await subscribe(dir, (batch) => void batches.push({ at: Date.now(), batch }), {
    pollDelay: 20,
    ...options,
  });
  cleanup.push(() => sub.close());
  expect(sub.backend).toBe('js-poll');
  const paths = () => batches.flatMap((b) => b.batch.map((c) => c.path));
  return { batches, sub, paths };
}

/** A running StatReloader on `dir` that records each `reload` batch. */
function statReloader(reloader: StatReloader) {
  const batches: ChangeBatch[] = [];
  reloader.watchDir(dir, '**/*');
  reloader.on('reload', (b) => void batches.push(b));
  return { reloader, batches, paths: () => batches.flatMap((b) => b.map((c) => c.path)) };
}

async function started(reloader: StatReloader): Promise<void> {
  const ticks = reloader.tick();
  await ticks.next(); // the baseline pass
  cleanup.push(() => reloader.stop());
  // run() would start its own loop; keep ticking in the background instead.
  void (async () => {
    for await (const _ of ticks) {
      // each tick dispatches its changes to `reload`
    }
  })();
}

describe('the JS poller', () => {
  it('step: passes of one burst that come within `step` of each other make one batch, given out `step` after the last', async () => {
    const { batches, paths } = await poller({ step: 1500, debounce: 20_000 });
    write(path.join(dir, 'a'));
    await sleep(150); // several polls apart, far inside the step
    write(path.join(dir, 'b'));
    const wroteLast = Date.now();
    await waitFor(() => paths().includes(path.join(dir, 'b')), 'the batch');
    expect(batches).toHaveLength(1);
    expect(batches[0]!.batch.map((c) => path.basename(c.path)).sort()).toEqual(['a', 'b']);
    expect(batches[0]!.at - wroteLast).toBeGreaterThanOrEqual(1500);
  });

  it('debounce: a burst that never goes quiet is still given out once `debounce` has passed since its first change', async () => {
    const { batches } = await poller({ step: 800, debounce: 1000 });
    const stopAt = Date.now() + 4000;
    let i = 0;
    // Never quiet for 800 ms: without debounce nothing would come before the writes stop.
    while (Date.now() < stopAt && batches.length === 0) {
      write(path.join(dir, `f${i++}`));
      await sleep(50);
    }
    expect(batches.length).toBeGreaterThan(0);
    expect(Date.now()).toBeLessThan(stopAt);
  });

  it('vcsSettle: a batch is held while .git/index.lock exists and given out once it is gone', async () => {
    fs.mkdirSync(path.join(dir, '.git'));
    const lock = path.join(dir, '.git', 'index.lock');
    write(lock);
    const { batches, paths } = await poller({ step: 30 });
    write(path.join(dir, 'checked-out'));
    await sleep(800); // many polls and steps
    expect(batches).toEqual([]);
    fs.rmSync(lock);
    await waitFor(() => paths().includes(path.join(dir, 'checked-out')), 'the held batch');
  });

  it('vcsSettle: false gives batches out during the operation; vcsSettleTimeout caps the hold', async () => {
    fs.mkdirSync(path.join(dir, '.git'));
    write(path.join(dir, '.git', 'index.lock'));
    const off = await poller({ step: 30, vcsSettle: false });
    write(path.join(dir, 'x'));
    await waitFor(() => off.paths().includes(path.join(dir, 'x')), 'the batch with vcsSettle off');
    await off.sub.close();

    const capped = await poller({ step: 30, vcsSettleTimeout: 300 });
    write(path.join(dir, 'y'));
    const wrote = Date.now();
    await waitFor(() => capped.paths().includes(path.join(dir, 'y')), 'the batch after vcsSettleTimeout');
    expect(capped.batches[0]!.at - wrote).toBeGreaterThanOrEqual(300);
  });

  /**
   * A repository (in `outside`) on two branches that differ in 200 files, on `main`. The three `.slow` files
   * take 0.3 s each to check out (a smudge filter), so a checkout spans many polls and steps, as a big one
   * does on a cold disk.
   */
  function twoBranchRepo(): void {
    git(outside, 'init', '-q');
    write(path.join(outside, '.gitattributes'), '*.slow filter=slow\n');
    const files = (tag: string) => {
      for (let i = 0; i < 200; i++) write(path.join(outside, `pkg${i % 10}`, `f${i}.js`), `${tag}${i}`);
      for (let i = 0; i < 3; i++) write(path.join(outside, `pkg${i * 4}`, `z${i}.slow`), `${tag}${i}`);
    };
    files('a');
    git(outside, 'add', '-A');
    git(outside, 'commit', '-qm', 'a');
    git(outside, 'checkout', '-qb', 'other');
    files('b');
    git(outside, 'commit', '-qam', 'b');
    git(outside, 'checkout', '-q', 'main');
  }

  /** Batches holding a change in the repository, after a slow `git checkout other` in a root added to the poller. */
  async function checkoutInAddedRoot(vcsSettle: boolean): Promise<number> {
    twoBranchRepo();
    const { batches, sub, paths } = await poller({ step: 30, vcsSettle, vcsSettleTimeout: 20_000 });
    await sub.addRoot(outside);
    await gitAsync(outside, '-c', 'filter.slow.smudge=sleep 0.3; cat', '-c', 'filter.slow.clean=cat', 'checkout', '-q', 'other');
    const inRepo = (p: string) => p.startsWith(path.join(outside, 'pkg'));
    await waitFor(() => new Set(paths().filter(inRepo)).size === 203, 'the 203 files of the checkout', 20_000);
    return batches.filter((b) => b.batch.some((c) => inRepo(c.path))).length;
  }

  it('vcsSettle follows roots added later: a git checkout in a root given to addRoot() is one batch', async () => {
    expect(await checkoutInAddedRoot(true)).toBe(1);
  }, 60_000);

  it('without vcsSettle the same checkout arrives in several batches (what the probe of the added root prevents)', async () => {
    expect(await checkoutInAddedRoot(false)).toBeGreaterThan(1);
  }, 60_000);

  it('vcsSettle follows removeRoot(): a repository that is no root any more holds no batch', async () => {
    git(outside, 'init', '-q');
    const { batches, sub, paths } = await poller({ step: 30, vcsSettleTimeout: 60_000 });
    await sub.addRoot(outside);
    write(path.join(outside, '.git', 'index.lock')); // a git operation under way in the added root
    write(path.join(dir, 'held'));
    await sleep(800); // many polls and steps: held while the added root's repository is busy
    expect(batches).toEqual([]);
    await sub.removeRoot(outside);
    await waitFor(() => paths().includes(path.join(dir, 'held')), 'the batch, once the busy repository is no root');
  });

  it('followSymlinks: a symlinked directory is followed (each real directory once, loops end), and not with false', async () => {
    fs.symlinkSync(outside, path.join(dir, 'link'));
    fs.symlinkSync(dir, path.join(dir, 'loop'));
    const on = await poller({ step: 20 });
    write(path.join(outside, 'through-link'));
    await waitFor(() => on.paths().includes(path.join(dir, 'link', 'through-link')), 'the file behind the symlink');
    // The loop back to the root is not walked again: nothing is reported under it.
    expect(on.paths().some((p) => p.startsWith(path.join(dir, 'loop') + path.sep))).toBe(false);
    await on.sub.close();

    const off = await poller({ step: 20, followSymlinks: false });
    write(path.join(outside, 'not-followed'));
    write(path.join(dir, 'sentinel'));
    await waitFor(() => off.paths().includes(path.join(dir, 'sentinel')), 'the sentinel');
    expect(off.paths()).not.toContain(path.join(dir, 'link', 'not-followed'));
  });

  it('gitignore is refused with a TypeError naming the option, the backend, why it runs and the fix', async () => {
    const attempt = subscribe(dir, () => {}, { gitignore: true });
    await expect(attempt).rejects.toThrow(TypeError);
    await expect(subscribe(dir, () => {}, { gitignore: true })).rejects.toThrow(
      'option "gitignore" (true) is not supported by the JS poller (no native binary: WATCHFILES_NO_NATIVE is set): ' +
        'list the ignored paths in "ignore" instead',
    );
  });
});

describe('the StatReloader', () => {
  it('step: the changes of several passes within `step` are one reload, never sooner than `step` after the last', async () => {
    const r = statReloader(new StatReloader({ interval: 20, step: 1500, debounce: 20_000 }));
    await started(r.reloader);
    write(path.join(dir, 'a'));
    await sleep(150);
    write(path.join(dir, 'b'));
    const wroteLast = Date.now();
    await waitFor(() => r.paths().includes(path.join(dir, 'b')), 'the reload');
    expect(Date.now() - wroteLast).toBeGreaterThanOrEqual(1500);
    expect(r.batches).toHaveLength(1);
    expect(r.batches[0]!.map((c) => [c.change, path.basename(c.path)]).sort()).toEqual([
      [Change.added, 'a'],
      [Change.added, 'b'],
    ]);
  });

  it('debounce caps a burst that never goes quiet', async () => {
    const r = statReloader(new StatReloader({ interval: 20, step: 800, debounce: 1000 }));
    await started(r.reloader);
    const stopAt = Date.now() + 4000;
    let i = 0;
    while (Date.now() < stopAt && r.batches.length === 0) {
      write(path.join(dir, `f${i++}`));
      await sleep(50);
    }
    expect(r.batches.length).toBeGreaterThan(0);
  });

  it('vcsSettle holds the reload during a git operation', async () => {
    fs.mkdirSync(path.join(dir, '.git'));
    const lock = path.join(dir, '.git', 'index.lock');
    write(lock);
    const r = statReloader(new StatReloader({ interval: 20, step: 30 }));
    await started(r.reloader);
    write(path.join(dir, 'checked-out'));
    await sleep(800);
    expect(r.batches).toEqual([]);
    fs.rmSync(lock);
    await waitFor(() => r.paths().includes(path.join(dir, 'checked-out')), 'the held reload');
  });

  it('followSymlinks: false drops what is reached through a symlinked directory; the default follows', async () => {
    fs.symlinkSync(outside, path.join(dir, 'link'));
    const on = statReloader(new StatReloader({ interval: 20, step: 20 }));
    await started(on.reloader);
    write(path.join(outside, 'followed'));
    await waitFor(() => on.paths().includes(path.join(dir, 'link', 'followed')), 'the file behind the symlink');
    await on.reloader.stop();

    const off = statReloader(new StatReloader({ interval: 20, step: 20, followSymlinks: false }));
    await started(off.reloader);
    write(path.join(outside, 'not-followed'));
    write(path.join(dir, 'sentinel'));
    await waitFor(() => off.paths().includes(path.join(dir, 'sentinel')), 'the sentinel');
    expect(off.paths()).not.toContain(path.join(dir, 'link', 'not-followed'));
  });

  it('pollDelay is its interval when no interval is given; unknown options are named', () => {
    expect(new StatReloader({ pollDelay: 250 }).interval).toBe(250);
    expect(new StatReloader({ pollDelay: 250, interval: 40 }).interval).toBe(40);
    expect(new StatReloader().interval).toBe(1000);
    expect(() => new StatReloader({ gitignore: true } as never)).toThrow('StatReloader: unknown option "gitignore"');
    expect(() => new StatReloader({ step: 0 })).toThrow('option "step" must be a number of ms from 1');
  });

  it('getReloader() falling back to it passes the watcher options on (they used to be dropped)', async () => {
    const reloader = getReloader({ interval: 20, step: 1500, debounce: 20_000 });
    expect(reloader).toBeInstanceOf(StatReloader);
    const r = statReloader(reloader as StatReloader);
    await started(r.reloader);
    write(path.join(dir, 'a'));
    await sleep(150);
    write(path.join(dir, 'b'));
    await waitFor(() => r.paths().includes(path.join(dir, 'b')), 'the reload');
    expect(r.batches).toHaveLength(1);
  });
});

describe("the runner's stat change source", () => {
  it('refuses gitignore at the call, naming the option, the change source and the fix', () => {
    const run = () => runProcess(dir, 'node -e 0', { changeSource: 'stat', gitignore: true });
    expect(run).toThrow(TypeError);
    expect(run).toThrow(`option "gitignore" (true) is not supported by StatReloader (change source 'stat'): list the ignored paths in "ignore" instead`);
  });

  it('batches by step: two edits within `step` are one restart', async () => {
    const batches: ChangeBatch[] = [];
    const run = runProcess(dir, 'node -e "setInterval(() => {}, 1000)"', {
      changeSource: 'stat',
      pollDelay: 20,
      step: 1500,
      debounce: 20_000,
      warmSpare: false,
      restartOnInput: false,
      handleSignals: false,
      callback: (b) => void batches.push(b),
      onEvent: () => {},
    });
    cleanup.push(() => run.stop());
    await waitFor(() => run.pid, 'the child');
    // The stat source takes its baseline at start; give it one pass before editing.
    await sleep(100);
    write(path.join(dir, 'a'));
    await sleep(150);
    write(path.join(dir, 'b'));
    await waitFor(() => batches.length > 0, 'the restart', 15_000);
    expect(batches).toHaveLength(1);
    expect(batches[0]!.map((c) => path.basename(c.path)).sort()).toEqual(['a', 'b']);
  });
});
