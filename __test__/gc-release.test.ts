/**
 * Watchers dropped without close() are released when garbage-collected: a watch() iterator nobody can
 * read any more, a subscription with `persistent: false`, and a bare native watcher. A persistent
 * subscription is not (it keeps the process alive and its callback working until close() or its signal,
 * like a server socket), even when its result was never stored. Checked in a child run with --expose-gc,
 * counting its inotify instances (/proc/self/fd) and threads (/proc/self/task).
 */
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { removeDir, tempDir } from './helpers/fs.js';

const ROOT = path.resolve(__dirname, '..');
let dir: string;
beforeEach(() => {
  dir = tempDir();
});
afterEach(() => removeDir(dir));

function runWithGc(body: string): Record<string, unknown> {
  const script = `
    const fs = require('fs');
    const path = require('path');
    const lib = require(${JSON.stringify(path.join(ROOT, 'dist/index.cjs'))});
    const binding = require(${JSON.stringify(path.join(ROOT, 'index.cjs'))});
    const dir = ${JSON.stringify(dir)};
    const out = {};
    const inotify = () => fs.readdirSync('/proc/self/fd').filter((fd) => {
      try { return fs.readlinkSync('/proc/self/fd/' + fd) === 'anon_inode:inotify'; } catch { return false; }
    }).length;
    const threads = () => fs.readdirSync('/proc/self/task').length;
    const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
    // Collects until the counts are back to the baseline; a bounded wait, never a fixed sleep.
    async function released(base, what) {
      for (let i = 0; i < 400; i++) {
        global.gc();
        await sleep(25);
        if (inotify() === base.inotify && threads() === base.threads) return true;
      }
      throw new Error(what + ' not released: inotify ' + inotify() + ' (base ' + base.inotify + '), threads ' + threads() + ' (base ' + base.threads + ')');
    }
    (async () => {
      // Warm up once (libuv's thread pool starts on first use and stays), then take the baseline.
      await (await lib.subscribe(dir, () => {})).close();
      const base = { inotify: inotify(), threads: threads() };
      out.base = base;
      ${body}
    })().then(
      () => { console.log(JSON.stringify(out)); process.exit(0); },
      (e) => { console.log(JSON.stringify({ ...out, failed: String(e && e.stack || e) })); process.exit(0); },
    );`;
  const stdout = execFileSync(process.execPath, ['--expose-gc', '-e', script], { encoding: 'utf8', timeout: 60_000 });
  return JSON.parse(stdout) as Record<string, unknown>;
}

describe('released when garbage-collected', () => {
  it('a subscription with persistent: false dropped without close()', () => {
    const out = runWithGc(`
      await (async () => { await lib.subscribe(dir, () => {}, { persistent: false }); })();
      out.whileHeld = inotify() - base.inotify;
      out.released = await released(base, 'the dropped subscription');
    `);
    expect(out.failed).toBeUndefined();
    expect(out.whileHeld).toBe(1);
    expect(out.released).toBe(true);
  });

  it('a watch() iterator dropped while its watcher runs', () => {
    const out = runWithGc(`
      await (async () => {
        const it = lib.watch(dir, { timeout: 50, yieldOnTimeout: true });
        await it.next(); // started: one empty batch after the timeout
      })();
      out.whileHeld = inotify() - base.inotify;
      out.released = await released(base, 'the dropped iterator');
    `);
    expect(out.failed).toBeUndefined();
    expect(out.whileHeld).toBe(1);
    expect(out.released).toBe(true);
  });

  it('a native watcher (the binding alone) dropped without close()', () => {
    const out = runWithGc(`
      await (async () => { await binding.NativeWatcher.start([dir], {}, () => {}); })();
      out.whileHeld = inotify() - base.inotify;
      out.released = await released(base, 'the dropped native watcher');
    `);
    expect(out.failed).toBeUndefined();
    expect(out.whileHeld).toBe(1);
    expect(out.released).toBe(true);
  });
});

describe('kept while in use', () => {
  it('a chokidar-facade watcher with persistent: false dropped without close() keeps reporting, as chokidar does', () => {
    const out = runWithGc(`
      const chokidar = require(${JSON.stringify(path.join(ROOT, 'dist/chokidar.cjs'))});
      const seen = [];
      await new Promise((resolve) => {
        (() => { chokidar.watch(dir, { persistent: false }).on('add', (p) => seen.push(p)).on('ready', resolve); })();
      });
      for (let i = 0; i < 5; i++) { global.gc(); await sleep(20); }
      const file = path.join(dir, 'later.txt');
      fs.writeFileSync(file, 'x');
      for (let i = 0; i < 200 && !seen.includes(file); i++) { global.gc(); await sleep(50); }
      out.reported = seen.includes(file);
      out.watching = inotify() - base.inotify;
    `);
    expect(out.failed).toBeUndefined();
    expect(out.reported).toBe(true);
    expect(out.watching).toBe(1);
  });

  it('watch(dir).next() awaited with the iterator itself dropped still gets its batch after collections', () => {
    const out = runWithGc(`
      const file = path.join(dir, 'awaited.txt');
      // Made in a function that returns: no register of this suspended function keeps the iterator.
      const pending = (() => lib.watch(dir, { step: 20 }).next())();
      for (let i = 0; i < 5; i++) { global.gc(); await sleep(20); }
      let settled = false;
      pending.finally(() => (settled = true));
      // Written until reported: a write before the watch is in place would only be part of the first scan.
      for (let i = 0; i < 300 && !settled; i++) { fs.writeFileSync(file, String(i)); global.gc(); await sleep(50); }
      const r = await pending;
      out.done = r.done;
      out.paths = r.done ? [] : r.value.map((c) => c.path);
      out.file = file;
      out.released = await released(base, 'the iterator after its last next()');
    `);
    expect(out.failed).toBeUndefined();
    expect(out.done).toBe(false);
    expect(out.paths).toContain(out.file);
    expect(out.released).toBe(true);
  });

  it('a persistent subscription whose result was never stored goes on delivering after collections, until its signal', () => {
    const out = runWithGc(`
      const ac = new AbortController();
      const seen = [];
      await (async () => { await lib.subscribe(dir, (b) => seen.push(...b.map((c) => c.path)), { signal: ac.signal, step: 20 }); })();
      for (let i = 0; i < 5; i++) { global.gc(); await sleep(20); }
      const file = path.join(dir, 'after-gc.txt');
      fs.writeFileSync(file, 'x');
      for (let i = 0; i < 500 && !seen.includes(file); i++) await sleep(20);
      out.delivered = seen.includes(file);
      out.whileRunning = inotify() - base.inotify;
      ac.abort();
      out.released = await released(base, 'the aborted subscription');
    `);
    expect(out.failed).toBeUndefined();
    expect(out.delivered).toBe(true);
    expect(out.whileRunning).toBe(1);
    expect(out.released).toBe(true);
  });
});
