/**
 * The register hook's window between "the child loaded a file" and "the reloader watches it", piece by piece
 * on real files: the reloaders say when new watches are in place (watchesInPlace), the late-watch guard
 * reports an edit made inside the window however long it lasts, and the content memo never takes an edit
 * the child may not have loaded as the content it loaded.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { LateWatchGuard } from '../src/register/late-watch-guard.js';
import { StatReloader } from '../src/reloaders/stat.js';
import { WatchfilesReloader } from '../src/reloaders/watchfiles.js';
import type { BaseReloader } from '../src/reloaders/base.js';
import { ContentMemo } from '../src/run/content-memo.js';
import { makeBatch } from '../src/watch/batch.js';
import { Change, type ChangeBatch } from '../src/watch/types.js';
import { cleanupTemps, spawnNode, stopSpawned, tempDir, waitFor, built, ensureBuilt } from './helpers/run-helpers.js';

afterEach(async () => {
  try {
    await stopSpawned();
  } finally {
    cleanupTemps();
  }
});

/** Sets a file's mtime to `ms` since the epoch (the test controls "before" and "after" without waiting). */
function touchAt(file: string, ms: number): void {
  fs.utimesSync(file, ms / 1000, ms / 1000);
}

/** A promise the test resolves when it chooses: "the watches are in place now". */
function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

describe('LateWatchGuard', () => {
  it('reports a file edited after the child resolved it, however long the watch takes to be in place', async () => {
    const dir = tempDir('wf-guard-');
    const [edited, untouched] = [path.join(dir, 'edited.mjs'), path.join(dir, 'untouched.mjs')];
    fs.writeFileSync(edited, 'one');
    fs.writeFileSync(untouched, 'one');
    const resolvedAt = Date.now();
    touchAt(untouched, resolvedAt - 5_000);
    const inPlace = deferred();
    const missed: ChangeBatch[] = [];
    const guard = new LateWatchGuard(() => inPlace.promise, (batch) => missed.push(batch));
    guard.track([edited, untouched], resolvedAt);

    // The edit lands well after the report, and the watch takes longer still (a loaded machine).
    await new Promise((r) => setTimeout(r, 600));
    fs.writeFileSync(edited, 'two');
    expect(missed).toEqual([]);
    inPlace.resolve();
    await waitFor('the guard to report the edit', () => missed.length > 0, 5_000, 5);
    expect(missed).toHaveLength(1);
    expect([...missed[0]!]).toEqual([{ change: Change.modified, path: edited }]);
  });

  it('reports nothing for files untouched since they were resolved, or gone', async () => {
    const dir = tempDir('wf-guard-');
    const kept = path.join(dir, 'kept.mjs');
    fs.writeFileSync(kept, 'one');
    const resolvedAt = Date.now() + 60_000; // every mtime on disk is older
    const calls: string[] = [];
    let placed = false;
    const guard = new LateWatchGuard(
      async () => {
        placed = true;
        calls.push('inPlace');
      },
      () => calls.push('missed'),
    );
    guard.track([kept, path.join(dir, 'gone.mjs')], resolvedAt);
    await waitFor('the guard to ask whether the watches are in place', () => placed, 5_000, 5);
    await new Promise((r) => setImmediate(r));
    expect(calls).toEqual(['inPlace']);
  });

  it('drops a pending check when a new child starts (it loads every file afresh)', async () => {
    const dir = tempDir('wf-guard-');
    const file = path.join(dir, 'a.mjs');
    fs.writeFileSync(file, 'one');
    const resolvedAt = Date.now() - 1_000;
    const inPlace = deferred();
    const missed: ChangeBatch[] = [];
    const guard = new LateWatchGuard(() => inPlace.promise, (batch) => missed.push(batch));
    guard.track([file], resolvedAt);
    guard.reset();
    inPlace.resolve();
    await inPlace.promise;
    await new Promise((r) => setImmediate(r));
    expect(missed).toEqual([]);
  });
});

describe('watchesInPlace', () => {
  const reloaders: [string, () => BaseReloader][] = [
    ['WatchfilesReloader', () => new WatchfilesReloader()],
    ['StatReloader', () => new StatReloader({ interval: 300 })],
  ];
  for (const [name, make] of reloaders) {
    it(`${name}: a file watched while running is reported once its watch is in place`, async () => {
      const dir = tempDir('wf-inplace-');
      const [first, later] = [path.join(dir, 'first.txt'), path.join(dir, 'sub', 'later.txt')];
      fs.mkdirSync(path.dirname(later));
      fs.writeFileSync(first, '1');
      fs.writeFileSync(later, '1');
      const reloader = make();
      const reloads: string[] = [];
      reloader.on('reload', (batch) => reloads.push(...[...batch].map((c) => c.path)));
      reloader.watchFile(first);
      const running = reloader.run();
      try {
        await reloader.watchesInPlace();
        // Asked again with nothing new to place: answered at once.
        await reloader.watchesInPlace();
        reloader.watchFile(later);
        await reloader.watchesInPlace();
        fs.writeFileSync(later, '2');
        await waitFor(`${name} to report ${later}`, () => reloads.includes(later), 10_000, 10);
      } finally {
        await reloader.stop();
        await running;
      }
    });

    it(`${name}: stop() answers whoever still waits`, async () => {
      const dir = tempDir('wf-inplace-');
      const file = path.join(dir, 'a.txt');
      fs.writeFileSync(file, '1');
      const reloader = make();
      reloader.watchFile(file); // never placed: nothing steps
      const waiting = reloader.watchesInPlace();
      await reloader.stop();
      await expect(waiting).resolves.toBeUndefined();
    });
  }
});

describe('ContentMemo.remember', () => {
  it('does not take content written after the child resolved the file as what it loaded', () => {
    const dir = tempDir('wf-memo-');
    const file = path.join(dir, 'dep.mjs');
    fs.writeFileSync(file, 'one');
    const resolvedAt = Date.now();
    touchAt(file, resolvedAt - 5_000);
    fs.writeFileSync(file, 'two'); // the edit: mtime now, after resolvedAt
    const memo = new ContentMemo();
    memo.remember([file], resolvedAt);
    // The child may have loaded 'one': 'two' must count as a change.
    expect([...memo.sift(makeBatch([{ change: Change.modified, path: file }])).changed]).toHaveLength(1);
  });

  it('remembers a file untouched since it was resolved, so a same-bytes rewrite restarts nothing', () => {
    const dir = tempDir('wf-memo-');
    const file = path.join(dir, 'dep.mjs');
    fs.writeFileSync(file, 'one');
    touchAt(file, Date.now() - 5_000);
    const memo = new ContentMemo();
    memo.remember([file], Date.now());
    fs.writeFileSync(file, 'one');
    expect(memo.sift(makeBatch([{ change: Change.modified, path: file }])).same).toHaveLength(1);
  });

  it('treats a FIFO standing where a file was as a change, without blocking on it', () => {
    const dir = tempDir('wf-memo-');
    const fifo = path.join(dir, 'pipe');
    spawnSyncOk('mkfifo', [fifo]);
    const memo = new ContentMemo();
    memo.remember([fifo], Date.now());
    expect(memo.size).toBe(0);
    expect([...memo.sift(makeBatch([{ change: Change.modified, path: fifo }])).changed]).toHaveLength(1);
  });
});

describe('register hook on the StatReloader (watches placed up to a stat interval late)', () => {
  it('restarts for an edit made right after the program started, before its watch was in place', async () => {
    await ensureBuilt();
    const dir = tempDir('wf-register-late-');
    const log = path.join(dir, 'runs.log');
    fs.mkdirSync(path.join(dir, 'src'));
    fs.writeFileSync(path.join(dir, 'src/dep.mjs'), `export const value = 'one';\n`);
    fs.writeFileSync(
      path.join(dir, 'main.mjs'),
      `import fs from 'node:fs';\nimport { value } from './src/dep.mjs';\nfs.appendFileSync(${JSON.stringify(log)}, value + '\\n');\nsetInterval(() => {}, 1000);\n`,
    );
    const lines = () => (fs.existsSync(log) ? fs.readFileSync(log, 'utf8').split('\n').filter(Boolean) : []);
    const run = spawnNode(['--import', built.registerEsm, 'main.mjs'], { cwd: dir, env: { WATCHFILES_RELOADER: 'stat' } });
    await waitFor(() => `the first run (output: ${run.output()})`, () => lines().length === 1, 15_000, 2);
    fs.writeFileSync(path.join(dir, 'src/dep.mjs'), `export const value = 'two';\n`);
    await waitFor(() => `a restart that loads the edit (output: ${run.output()})`, () => lines().at(-1) === 'two');
  });
});

function spawnSyncOk(file: string, args: string[]): void {
  const r = spawnSync(file, args);
  if (r.status !== 0) throw new Error(`${file} ${args.join(' ')} failed: ${r.stderr}`);
}
