/**
 * The reloader conformance suite: one contract, run against every reloader on real files (Django's shared
 * integration tests). Each test drives the loop tick by tick, or through run()/stop().
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeBatch } from '../src/watch/batch.js';
import { BaseReloader, Change, StatReloader, WatchfilesReloader, WatchmanReloader, type ChangeBatch } from '../src/index.js';
import { useWatchman } from './helpers/watchman.js';

// A private watchman server for the WatchmanReloader rows (WATCHMAN_SOCK points at it in this file only).
useWatchman();

const RELOADERS: Array<[string, () => BaseReloader]> = [
  ['StatReloader', () => new StatReloader({ interval: 50 })],
  // Small timings keep the suite fast; pollDelay only matters on the JS polling fallback.
  ['WatchfilesReloader', () => new WatchfilesReloader({ timeout: 200, step: 20, debounce: 400, pollDelay: 50 })],
  // The watcher's polling mode (network mounts, WSL): the same contract without OS events.
  [
    'WatchfilesReloader (forcePolling)',
    () => new WatchfilesReloader({ timeout: 200, step: 20, debounce: 400, pollDelay: 50, forcePolling: true }),
  ],
  ['WatchmanReloader', () => new WatchmanReloader({ timeout: 200, step: 20, debounce: 400 })],
];

const DEADLINE_MS = 10_000;

describe.each(RELOADERS)('%s conforms to the reloader contract', (_name, make) => {
  let dir: string;
  let reloader: BaseReloader;
  let reloads: ChangeBatch[];
  let ticker: AsyncGenerator<ChangeBatch, void, void>;

  beforeEach(() => {
    dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'wf-reloader-')));
    reloader = make();
    reloads = [];
    reloader.on('reload', (changes) => {
      reloads.push(changes);
    });
  });

  afterEach(async () => {
    await reloader.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const file = (rel: string, content?: string) => {
    const p = path.join(dir, rel);
    if (content !== undefined) {
      fs.mkdirSync(path.dirname(p), { recursive: true });
      fs.writeFileSync(p, content);
    }
    return p;
  };
  /** First tick: the baseline is taken and the watches are in place. */
  const start = async () => {
    ticker = reloader.tick();
    const first = await ticker.next();
    expect(first.done).toBe(false);
  };
  /** Ticks until `predicate` holds, within a deadline (each tick is itself bounded). */
  const tickUntil = async (predicate: () => boolean, what: string) => {
    const deadline = Date.now() + DEADLINE_MS;
    while (!predicate()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; reloads: ${JSON.stringify(reloads)}`);
      const step = await ticker.next();
      if (step.done) throw new Error(`tick() ended while waiting for ${what}`);
    }
  };
  const reloaded = (p: string, change?: Change) =>
    reloads.some((batch) => batch.some((c) => c.path === p && (change === undefined || c.change === change)));

  it('reloads when a watched file is modified', async () => {
    const f = file('app.js', 'one');
    reloader.watchFile(f);
    await start();
    fs.writeFileSync(f, 'two, longer');
    await tickUntil(() => reloaded(f, Change.modified), 'the modification');
    expect(reloads.every((b) => b.rescan === false)).toBe(true);
  });

  it('reloads when a watched file is deleted', async () => {
    const f = file('gone.js', 'x');
    reloader.watchFile(f);
    await start();
    fs.unlinkSync(f);
    await tickUntil(() => reloaded(f, Change.deleted), 'the deletion');
  });

  it('reports a file created under a watched glob, in a new directory', async () => {
    file('views/index.html', '<p>');
    reloader.watchDir(path.join(dir, 'views'), '**/*.html');
    await start();
    const created = file('views/admin/new/page.html', '<h1>');
    await tickUntil(() => reloaded(created, Change.added), 'the new file');
  });

  it('ignores files that the glob does not match', async () => {
    file('views/keep.js', 'a');
    reloader.watchDir(path.join(dir, 'views'), '**/*.html');
    const seen: string[] = [];
    reloader.on('fileChanged', (p) => {
      seen.push(p);
    });
    await start();
    file('views/keep.js', 'changed');
    file('views/other.css', 'body{}');
    // The sentinel is written last: once it is reported, the others would have been too.
    const sentinel = file('views/sentinel.html', '<b>');
    await tickUntil(() => reloaded(sentinel), 'the sentinel');
    expect(seen).toEqual([sentinel]);
  });

  it('does not reload for a change a fileChanged handler took (sync and async)', async () => {
    const tpl = file('templates/page.html', 'a');
    const code = file('templates/code.js', 'a');
    reloader.watchDir(path.join(dir, 'templates'), '**/*');
    const handled: string[] = [];
    reloader.on('fileChanged', (p) => p.endsWith('.html') && (handled.push(p), true));
    reloader.on('fileChanged', async (p) => p.endsWith('.css'));
    await start();
    fs.writeFileSync(tpl, 'b, longer');
    const css = file('templates/style.css', 'x');
    await tickUntil(() => handled.includes(tpl), 'the handler');
    fs.writeFileSync(code, 'b, longer');
    await tickUntil(() => reloaded(code), 'the unhandled change');
    expect(reloaded(tpl)).toBe(false);
    expect(reloaded(css)).toBe(false);
  });

  it('calls fileChanged handlers in order and reloads when one throws', async () => {
    const f = file('a.js', '1');
    reloader.watchFile(f);
    const calls: string[] = [];
    const errors: Error[] = [];
    reloader.on('fileChanged', (p, change) => {
      calls.push(`first ${path.basename(p)} ${Change[change]}`);
      return false;
    });
    reloader.on('fileChanged', async () => {
      calls.push('second');
      throw new Error('plugin bug');
    });
    reloader.on('error', (e) => errors.push(e));
    await start();
    fs.writeFileSync(f, '22');
    await tickUntil(() => reloaded(f), 'the reload');
    expect(calls.slice(0, 2)).toEqual(['first a.js modified', 'second']);
    expect(errors[0]?.message).toMatch(/"fileChanged" listener threw: Error: plugin bug/);
  });

  it('watches a file that failed to load, and keeps it across clearWatches()', async () => {
    const broken = file('broken.js', 'export const = ;');
    const ok = file('ok.js', 'export const a = 1;');
    reloader.watchFile(ok).watchFailedFile(broken);
    reloader.clearWatches();
    expect(reloader.errorFiles).toEqual([broken]);
    expect(reloader.watchedFiles()).toEqual([broken]);
    await start();
    fs.writeFileSync(ok, 'export const a = 2;');
    fs.writeFileSync(broken, 'export const fixed = 1;');
    await tickUntil(() => reloaded(broken, Change.modified), 'the fixed file');
    expect(reloaded(ok)).toBe(false);
  });

  it('reports the watched files of a directory that was moved away', async () => {
    const inner = file('src/lib/util.js', 'u');
    reloader.watchDir(path.join(dir, 'src'), '**/*.js');
    await start();
    fs.renameSync(path.join(dir, 'src', 'lib'), path.join(dir, 'elsewhere'));
    // A native watcher may report the directory rather than each file in it; either says util.js is gone.
    await tickUntil(
      () => reloaded(inner, Change.deleted) || reloaded(path.join(dir, 'src', 'lib'), Change.deleted),
      'the moved directory',
    );
  });

  it('picks up a glob directory that only exists later', async () => {
    const later = path.join(dir, 'later');
    reloader.watchDir(later, '*.txt');
    await start();
    const created = file('later/notes.txt', 'n');
    await tickUntil(() => reloaded(created, Change.added), 'the file in the new directory');
  });

  it('keeps watching a glob directory that is deleted and created again', async () => {
    const old = file('views/old.html', 'o');
    reloader.watchDir(path.join(dir, 'views'), '**/*.html');
    await start();
    fs.rmSync(path.join(dir, 'views'), { recursive: true });
    await tickUntil(
      () => reloaded(old, Change.deleted) || reloaded(path.join(dir, 'views'), Change.deleted),
      'the deleted directory',
    );
    const fresh = file('views/fresh.html', 'f');
    await tickUntil(() => reloaded(fresh, Change.added), 'the file in the recreated directory');
  });

  it('runs until stop(): autoreloadStarted adds watches, reload fires, stop() ends run()', async () => {
    const f = file('server.js', 'v0');
    let started = 0;
    reloader.on('autoreloadStarted', (r) => {
      started++;
      r.watchFile(f);
    });
    const running = reloader.run();
    expect(reloader.running).toBe(true);
    await expect(reloader.run()).rejects.toThrow(/already running/);
    // run() gives no "ready" signal, so repeat the edit until the reload comes, within a deadline.
    const deadline = Date.now() + DEADLINE_MS;
    for (let i = 1; !reloaded(f); i++) {
      if (Date.now() > deadline) throw new Error('no reload from run()');
      fs.writeFileSync(f, `v${i}`.padEnd(i + 2, '.'));
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(started).toBe(1);
    const stopped = reloader.stop();
    await Promise.race([
      running,
      new Promise((_, reject) => setTimeout(() => reject(new Error('run() did not end after stop()')), 5000)),
    ]);
    await stopped;
    expect(reloader.running).toBe(false);
  });

  it('ends tick() on stop()', async () => {
    reloader.watchFile(file('x.js', 'x'));
    await start();
    const pending = ticker.next();
    await reloader.stop();
    expect((await pending).done).toBe(true);
    expect((await ticker.next()).done).toBe(true);
  });
});

/** A reloader whose steps replay scripted batches: for what real files cannot trigger on demand (lost events). */
class ScriptedReloader extends BaseReloader {
  readonly name = 'scripted';
  constructor(private readonly script: ChangeBatch[]) {
    super();
  }
  protected async step(): Promise<ChangeBatch> {
    return this.script.shift() ?? makeBatch([]);
  }
  protected async release(): Promise<void> {}
}

describe('BaseReloader dispatch', () => {
  it('reloads on a rescan batch even when every change was handled, and on an empty one', async () => {
    const r = new ScriptedReloader([
      makeBatch([{ change: Change.modified, path: '/app/page.html' }], true),
      makeBatch([], true),
      makeBatch([{ change: Change.modified, path: '/app/page.html' }]),
    ]);
    r.on('fileChanged', () => true);
    const reloads: ChangeBatch[] = [];
    r.on('reload', (c) => {
      reloads.push(c);
    });
    const ticker = r.tick();
    for (let i = 0; i < 3; i++) await ticker.next();
    expect(reloads.map((b) => [b.length, b.rescan])).toEqual([
      [0, true],
      [0, true],
    ]);
  });

  it('awaits async reload listeners before the next step', async () => {
    const r = new ScriptedReloader([makeBatch([{ change: Change.added, path: '/a' }]), makeBatch([{ change: Change.added, path: '/b' }])]);
    const order: string[] = [];
    r.on('reload', async (c) => {
      await new Promise((resolve) => setTimeout(resolve, 20));
      order.push(`reloaded ${c[0]?.path}`);
    });
    const ticker = r.tick();
    for (let i = 0; i < 2; i++) order.push(`tick ${(await ticker.next()).value?.[0]?.path}`);
    expect(order).toEqual(['reloaded /a', 'tick /a', 'reloaded /b', 'tick /b']);
  });
});

describe('BaseReloader watches', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'wf-reloader-')));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  const put = (rel: string) => {
    const p = path.join(dir, rel);
    fs.mkdirSync(path.dirname(p), { recursive: true });
    fs.writeFileSync(p, rel);
    return p;
  };

  it('lists explicit files that exist and glob matches, without default-ignored directories', () => {
    const a = put('src/a.ts');
    const b = put('src/deep/er/b.ts');
    put('src/node_modules/dep/index.ts');
    put('src/.git/x.ts');
    put('src/c.js');
    const extra = put('config.json');
    const r = new StatReloader();
    r.watchDir(path.join(dir, 'src'), '**/*.ts').watchFile(extra).watchFile(path.join(dir, 'missing.json'));
    expect(r.watchedFiles()).toEqual([extra, a, b].sort());
    expect(r.isWatched(path.join(dir, 'src/new.ts'))).toBe(true);
    expect(r.isWatched(path.join(dir, 'src/new.js'))).toBe(false);
  });

  it('honours a glob prefix and a one-level glob', () => {
    const inLib = put('pkg/lib/x.js');
    put('pkg/test/y.js');
    const top = put('pkg/top.md');
    put('pkg/sub/deep.md');
    const r = new StatReloader();
    r.watchDir(path.join(dir, 'pkg'), 'lib/**/*.js').watchDir(path.join(dir, 'pkg'), '*.md');
    expect(r.watchedFiles()).toEqual([inLib, top].sort());
  });

  it('rejects bad input with errors that name it', () => {
    const r = new StatReloader();
    const f = put('file.txt');
    expect(() => r.watchDir('')).toThrow(TypeError);
    expect(() => r.watchDir(dir, '!*.js')).toThrow(/cannot be negated/);
    expect(() => r.watchDir(dir, '/abs/*.js')).toThrow(/must be relative/);
    expect(() => r.watchDir(f, '*')).toThrow(/not a directory; use watchFile/);
    expect(() => r.watchFile(dir)).toThrow(/is a directory; use watchDir/);
    expect(() => r.watchFile(42 as unknown as string)).toThrow(TypeError);
    expect(() => r.on('filechanged' as 'fileChanged', () => true)).toThrow(/unknown reloader event "filechanged"/);
    expect(() => new StatReloader({ interval: 0 })).toThrow(/"interval" must be a number of ms from 1/);
    expect(() => new StatReloader({ bogus: 1 } as object)).toThrow(/unknown option "bogus"/);
    expect(() => new WatchfilesReloader({ timeout: -1 })).toThrow(/"timeout"/);
    expect(() => new WatchfilesReloader({ step: 'fast' as unknown as number })).toThrow(/option "step"/);
    expect(() => new WatchfilesReloader({ ignore: ['x'] } as object)).toThrow(/unknown option "ignore"/);
  });
});
