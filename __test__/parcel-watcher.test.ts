/**
 * watchfiles-node/parcel-watcher side by side with the real @parcel/watcher (a devDependency), on the
 * same kind of temp tree with the same operations: the events each batch of subscribe() reports, with
 * `ignore` paths and globs; unsubscribe(); writeSnapshot()/getEventsSince(); and the errors for bad input.
 */
import { createRequire } from 'node:module';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import * as ours from '../src/parcel-watcher/index.js';
import { makeTempDir, waitUntil, writeTree } from './chokidar-helpers.js';

const require = createRequire(import.meta.url);
type Lib = Pick<typeof ours, 'subscribe' | 'unsubscribe' | 'writeSnapshot' | 'getEventsSince'>;
/**
 * The real @parcel/watcher on its inotify backend: left to choose, it switches to a watchman daemon
 * whenever a `watchman` binary is installed (CI installs one) and starts a server that outlives the test.
 */
function pinnedToInotify(lib: Lib): Lib {
  if (process.platform !== 'linux') return lib;
  type Opts = Parameters<Lib['subscribe']>[2];
  const pin = (o?: Opts) => ({ ...o, backend: 'inotify' }) as Opts;
  return {
    subscribe: (dir, fn, o) => lib.subscribe(dir, fn, pin(o)),
    unsubscribe: (dir, fn, o) => lib.unsubscribe(dir, fn, pin(o)),
    writeSnapshot: (dir, snap, o) => lib.writeSnapshot(dir, snap, pin(o)),
    getEventsSince: (dir, snap, o) => lib.getEventsSince(dir, snap, pin(o)),
  };
}
const LIBS: Array<[string, Lib]> = [
  ['ours', ours],
  ['@parcel/watcher', pinnedToInotify(require('@parcel/watcher') as Lib)],
];

const dirs: string[] = [];
const subs: Array<{ unsubscribe(): Promise<void> }> = [];

afterEach(async () => {
  await Promise.all(subs.splice(0).map((s) => s.unsubscribe()));
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

function tree(): string {
  const dir = makeTempDir('wf-parcel-');
  dirs.push(dir);
  writeTree(dir, { 'keep.txt': 'k', 'old/x.txt': 'x', 'ign/': '', 'sub/': '', 'node_modules/p/i.js': 'm', '.git/HEAD': 'h' });
  return dir;
}

const OPTIONS = { ignore: ['ign', '**/*.log'] };

/** The operations, each followed by a sentinel file every implementation reports, so batches line up. */
const STEPS: Array<[string, (dir: string) => void]> = [
  ['create a file', (d) => fs.writeFileSync(path.join(d, 'a.txt'), 'a')],
  ['update a file', (d) => fs.appendFileSync(path.join(d, 'keep.txt'), 'more')],
  [
    'create a directory with a file',
    (d) => {
      fs.mkdirSync(path.join(d, 'new'));
      fs.writeFileSync(path.join(d, 'new/n.txt'), 'n');
    },
  ],
  ['delete a directory with a file', (d) => fs.rmSync(path.join(d, 'old'), { recursive: true })],
  ['rename a file', (d) => fs.renameSync(path.join(d, 'a.txt'), path.join(d, 'b.txt'))],
  [
    'write ignored paths (a path, a glob at two depths)',
    (d) => {
      fs.writeFileSync(path.join(d, 'ign/i.txt'), 'i');
      fs.writeFileSync(path.join(d, 'sub/z.log'), 'z');
      fs.writeFileSync(path.join(d, 'top.log'), 'z');
    },
  ],
  [
    'create and delete within one batch',
    (d) => {
      fs.writeFileSync(path.join(d, 'tmp.txt'), 't');
      fs.unlinkSync(path.join(d, 'tmp.txt'));
    },
  ],
  ['write under node_modules and .git (no default ignores)', (d) => {
    fs.writeFileSync(path.join(d, 'node_modules/p/i.js'), 'changed');
    fs.writeFileSync(path.join(d, '.git/HEAD'), 'ref');
  }],
  ['delete a file', (d) => fs.unlinkSync(path.join(d, 'keep.txt'))],
];

describe('watchfiles-node/parcel-watcher vs @parcel/watcher', () => {
  it('subscribe() reports the same events for the same operations (create, update, delete, rename, ignore)', async () => {
    const seen: Record<string, string[][]> = {};
    await Promise.all(
      LIBS.map(async ([name, lib]) => {
        const dir = tree();
        const events: string[] = [];
        const sub = await lib.subscribe(
          dir,
          (err, batch) => {
            if (err) events.push(`error ${err.message}`);
            for (const e of batch) events.push(`${e.type} ${path.relative(dir, e.path)}`);
          },
          OPTIONS,
        );
        subs.push(sub);
        const perStep: string[][] = [];
        for (const [i, [, act]] of STEPS.entries()) {
          const from = events.length;
          act(dir);
          const sentinel = `sentinel-${i}`;
          fs.writeFileSync(path.join(dir, sentinel), 's');
          await waitUntil(() => events.includes(`create ${sentinel}`), 10_000, () => `${name}: no sentinel after step ${i}:\n${events.join('\n')}`);
          // Anything of this step arrives no later than the sentinel's batch. A file created and then written
          // may come as its create and, in a later batch, an update (parcel's inotify backend splits them when
          // the write lands after a flush): the net effect of the step is the create alone.
          const step = events.slice(from).filter((e) => !e.includes('sentinel-'));
          perStep.push(step.filter((e) => !(e.startsWith('update ') && step.includes(`create ${e.slice(7)}`))).sort());
        }
        seen[name] = perStep;
      }),
    );
    const named = (name: string) => Object.fromEntries(STEPS.map(([label], i) => [label, seen[name]![i]]));
    // parcel's inotify backend can miss a file made in a directory a moment after the directory (parcel#243,
    // which our walk-after-watch covers): where ours has more, it must be inside a directory made in that step.
    const ours = named('ours');
    const theirs = named('@parcel/watcher');
    for (const [label, events] of Object.entries(theirs)) {
      const made = events.filter((e) => e.startsWith('create ')).map((e) => e.slice(7));
      const extra = ours[label]!.filter((e) => !events.includes(e));
      expect(extra.filter((e) => !(e.startsWith('create ') && made.some((d) => e.slice(7).startsWith(`${d}/`)))), label).toEqual([]);
      expect(events.filter((e) => !ours[label]!.includes(e)), label).toEqual([]);
    }
    expect(named('ours')['rename a file']).toEqual(['create b.txt', 'delete a.txt']);
    expect(named('ours')['write ignored paths (a path, a glob at two depths)']).toEqual([]);
  });

  it('unsubscribe(dir, fn, opts) and subscription.unsubscribe() stop the callback', async () => {
    for (const [name, lib] of LIBS) {
      const dir = tree();
      const a: string[] = [];
      const b: string[] = [];
      const fnA = (_e: Error | null, batch: Array<{ path: string }>) => a.push(...batch.map((x) => path.basename(x.path)));
      const fnB = (_e: Error | null, batch: Array<{ path: string }>) => b.push(...batch.map((x) => path.basename(x.path)));
      await lib.subscribe(dir, fnA, OPTIONS);
      const subB = await lib.subscribe(dir, fnB);
      subs.push(subB);
      fs.writeFileSync(path.join(dir, 'one'), '1');
      await waitUntil(() => a.includes('one') && b.includes('one'), 10_000, () => `${name}: ${a} / ${b}`);
      await lib.unsubscribe(dir, fnA, OPTIONS);
      fs.writeFileSync(path.join(dir, 'two'), '2');
      await waitUntil(() => b.includes('two'), 10_000, () => `${name}: ${b}`);
      expect({ name, a }).toEqual({ name, a: ['one'] });
    }
  });

  it('writeSnapshot() then getEventsSince() report the same changes', async () => {
    const results: Record<string, string[]> = {};
    for (const [name, lib] of LIBS) {
      const dir = tree();
      const snapshot = path.join(makeTempDir('wf-parcel-snap-'), 'snapshot');
      dirs.push(path.dirname(snapshot));
      // @parcel/watcher resolves to null (its types say the path); ours resolves to the path.
      const written = await lib.writeSnapshot(dir, snapshot, OPTIONS);
      expect(written, name).toBe(name === 'ours' ? snapshot : null);
      fs.writeFileSync(path.join(dir, 'a.txt'), 'a');
      fs.mkdirSync(path.join(dir, 'new'));
      fs.writeFileSync(path.join(dir, 'new/n.txt'), 'n');
      fs.rmSync(path.join(dir, 'old'), { recursive: true });
      fs.unlinkSync(path.join(dir, 'keep.txt'));
      fs.writeFileSync(path.join(dir, 'ign/i.txt'), 'ignored');
      fs.writeFileSync(path.join(dir, 'sub/z.log'), 'ignored');
      // A later mtime on an existing file: one second on, so no clock granularity can hide it.
      const later = new Date(Date.now() + 1000);
      fs.utimesSync(path.join(dir, 'node_modules/p/i.js'), later, later);
      const events = await lib.getEventsSince(dir, snapshot, OPTIONS);
      results[name] = events.map((e) => `${e.type} ${path.relative(dir, e.path)}`).sort();
    }
    expect(results.ours).toEqual(results['@parcel/watcher']);
    expect(results.ours).toEqual([
      'create a.txt',
      'create new',
      'create new/n.txt',
      'delete keep.txt',
      'delete old',
      'delete old/x.txt',
      'update node_modules/p/i.js',
    ]);
  });

  it('rejects what @parcel/watcher rejects (a missing directory, a RegExp with flags, a snapshot that does not exist)', async () => {
    const missing = path.join(os.tmpdir(), 'wf-parcel-does-not-exist');
    for (const [name, lib] of LIBS) {
      await expect(lib.subscribe(missing, () => {}), name).rejects.toThrow();
      await expect(lib.subscribe(tree(), () => {}, { ignore: [/x/i] }), name).rejects.toThrow(/flags/);
      // parcel's inotify, FSEvents and Windows backends reject it (only its watchman backend answers []).
      await expect(lib.getEventsSince(tree(), path.join(missing, 'snap')), name).rejects.toThrow(/Unable to open snapshot file/);
    }
    // Ours names the path, and rejects what parcel would misread.
    await expect(ours.subscribe(missing, () => {})).rejects.toThrow(`${missing} does not exist`);
    const foreign = path.join(tree(), 'foreign-snapshot');
    fs.writeFileSync(foreign, 'not ours');
    await expect(ours.getEventsSince(path.dirname(foreign), foreign)).rejects.toThrow(/is not a snapshot written by this package/);
    await expect(ours.subscribe(tree(), () => {}, { backend: 'nope' as never })).rejects.toThrow(/option "backend" must be one of/);
  });

  it("accepts every backend name; 'brute-force' polls", async () => {
    for (const backend of ['inotify', 'fs-events', 'watchman', 'windows', 'brute-force'] as const) {
      const dir = tree();
      const got: string[] = [];
      const sub = await ours.subscribe(dir, (_e, batch) => got.push(...batch.map((x) => path.basename(x.path))), { backend });
      subs.push(sub);
      fs.writeFileSync(path.join(dir, 'made'), '1');
      await waitUntil(() => got.includes('made'), 10_000, () => `${backend}: ${got}`);
    }
  });
});
