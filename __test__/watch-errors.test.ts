/**
 * watch() and errors: a start error ends the iterator (a second next() settles), an error while watching
 * does not (the watcher goes on, so does the loop: the error goes to onError), a path too long to watch
 * anywhere in the tree is skipped with an ENAMETOOLONG instead of failing the start, and errors keep any
 * path (newlines included) as a property, with no separator characters in the message.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Change, subscribe, watch, WatchError, type ChangeBatch } from '../src/index.js';
import { tempDir, waitFor } from './helpers/fs.js';
import { packageCopyForOtherUsers } from './helpers/package-copy.js';

let dir: string;
beforeEach(() => {
  dir = tempDir();
});
// rm -rf copes with trees deeper than PATH_MAX (it walks relative to each directory); fs.rmSync does not.
afterEach(() => execFileSync('rm', ['-rf', dir]));

/** Settles within `ms`, or says it hung. */
function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const hang = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not settle within ${ms} ms`)), ms);
  });
  return Promise.race([p, hang]).finally(() => clearTimeout(timer));
}

/**
 * Makes `parent/name/x…x/x…x/…` deeper than PATH_MAX (4096) with a file `deep.txt` at the bottom, from a
 * child that walks down with chdir (no single path that long can be passed to the kernel).
 */
function makeTooLongTree(parent: string, name: string): string {
  const script = `
    const fs = require('fs');
    process.chdir(${JSON.stringify(parent)});
    fs.mkdirSync(${JSON.stringify(name)});
    process.chdir(${JSON.stringify(name)});
    for (let i = 0; i < 18; i++) { fs.mkdirSync('d'.repeat(250)); process.chdir('d'.repeat(250)); }
    fs.writeFileSync('deep.txt', 'x');`;
  execFileSync(process.execPath, ['-e', script]);
  const top = path.join(parent, name);
  expect(top.length + 18 * 251).toBeGreaterThan(4096);
  return top;
}

describe('watch(): after a start error', () => {
  it('a second next() ends the iterator instead of hanging; return() and throw() settle too', async () => {
    const missing = path.join(dir, 'missing');
    const it = watch(missing);
    const first = await within(it.next().then(() => undefined, (e: unknown) => e), 5000, 'the first next()');
    expect(first).toBeInstanceOf(WatchError);
    expect((first as WatchError).code).toBe('ENOENT');
    await expect(within(it.next(), 5000, 'a second next()')).resolves.toEqual({ done: true, value: undefined });
    await expect(within(it.return!(), 5000, 'return()')).resolves.toEqual({ done: true, value: undefined });
    const boom = new Error('boom');
    await expect(within(it.throw!(boom), 5000, 'throw()')).rejects.toBe(boom);
    await expect(within(it.next(), 5000, 'next() after throw()')).resolves.toEqual({ done: true, value: undefined });
  });

  it('two next() calls made at once both settle when the start fails', async () => {
    const it = watch(path.join(dir, 'missing'));
    const results = await within(Promise.allSettled([it.next(), it.next()]), 5000, 'two concurrent next()');
    for (const r of results) {
      if (r.status === 'rejected') expect((r.reason as WatchError).code).toBe('ENOENT');
      else expect(r.value.done).toBe(true);
    }
    expect(results.some((r) => r.status === 'rejected')).toBe(true);
  });
});

describe('a path too long to watch (over PATH_MAX)', () => {
  it('already in the tree: subscribe() starts, reports ENAMETOOLONG once with the path, and watches the rest', async () => {
    const top = makeTooLongTree(dir, 'deep');
    fs.writeFileSync(path.join(dir, 'shallow.txt'), 'x');
    const errors: WatchError[] = [];
    const seen: string[] = [];
    const sub = await subscribe(dir, (b) => void seen.push(...b.map((c) => c.path)), { onError: (e) => errors.push(e) });
    try {
      await waitFor(() => errors.length > 0, 'the ENAMETOOLONG report');
      expect(errors[0]!.code).toBe('ENAMETOOLONG');
      expect(errors[0]!.path!.startsWith(top)).toBe(true);
      expect(errors[0]!.path!.length).toBeGreaterThan(4000);
      expect(errors[0]!.message).toContain('too long');
      const later = path.join(dir, 'later.txt');
      fs.writeFileSync(later, 'x');
      await waitFor(() => seen.includes(later), 'a change next to the long tree');
      const inside = path.join(top, 'inside.txt');
      fs.writeFileSync(inside, 'x');
      await waitFor(() => seen.includes(inside), 'a change in the watchable part of the long tree');
      expect(errors).toHaveLength(1);
    } finally {
      await sub.close();
    }
  });

  it('moved into the tree while watch() runs: the loop goes on, the error goes to onError', async () => {
    const outside = tempDir();
    try {
      const top = makeTooLongTree(outside, 'deep');
      fs.writeFileSync(path.join(top, 'top.txt'), 'x');
      const errors: WatchError[] = [];
      const ac = new AbortController();
      const batches: ChangeBatch[] = [];
      const loop = (async () => {
        for await (const batch of watch(dir, { signal: ac.signal, step: 20, onError: (e) => errors.push(e) })) {
          batches.push(batch);
        }
      })();
      const ready = path.join(dir, 'ready.txt');
      // The loop is running once a first change comes through.
      await waitFor(() => {
        fs.writeFileSync(ready, String(Date.now()));
        return batches.some((b) => b.some((c) => c.path === ready));
      }, 'the loop to run', 10_000, 100);
      fs.renameSync(top, path.join(dir, 'deep'));
      await waitFor(() => errors.some((e) => e.code === 'ENAMETOOLONG'), 'the ENAMETOOLONG report');
      const moved = path.join(dir, 'deep', 'top.txt');
      await waitFor(() => batches.some((b) => b.some((c) => c.path === moved && c.change === Change.added)), 'the moved tree');
      const after = path.join(dir, 'after.txt');
      fs.writeFileSync(after, 'x');
      await waitFor(() => batches.some((b) => b.some((c) => c.path === after)), 'a change after the error');
      ac.abort();
      await within(loop, 5000, 'the loop after abort');
    } finally {
      execFileSync('rm', ['-rf', outside]);
    }
  });
});

describe('error shape', () => {
  it('a start error for a path with a newline keeps the path as a property and no NUL in the message', async () => {
    const odd = path.join(dir, 'new\nline', 'missing');
    const err = await subscribe(odd, () => {}).then(
      () => undefined,
      (e: unknown) => e as WatchError,
    );
    expect(err).toBeInstanceOf(WatchError);
    expect(err!.code).toBe('ENOENT');
    expect(err!.path).toBe(odd);
    expect(err!.message).toContain(odd);
    expect(err!.message).not.toContain('\0');
    expect(err!.message.startsWith('[')).toBe(false);
  });

  it('a path with a NUL byte (no file can have one) is a TypeError showing it escaped', () => {
    expect(() => watch(path.join(dir, 'a\0b'))).toThrow(TypeError);
    expect(() => watch(path.join(dir, 'a\0b'))).toThrow('a\\u0000b');
  });
});

describe('unreadable directories, as the unprivileged user nobody', () => {
  // Root reads everything, so these run in a child that drops to nobody, on a world-readable copy of the
  // package. The child makes the tree itself, so nobody owns it.
  function runAsNobody(body: string): Record<string, unknown> {
    fs.chmodSync(dir, 0o777);
    const lib = path.join(packageCopyForOtherUsers(), 'dist/index.cjs');
    const script = `
      const fs = require('fs');
      const path = require('path');
      const { watch, subscribe } = require(${JSON.stringify(lib)});
      const dir = ${JSON.stringify(dir)};
      const out = {};
      const deadline = (ms, what) => new Promise((_, reject) => setTimeout(() => reject(new Error(what)), ms).unref());
      (async () => { ${body} })().then(
        () => { console.log(JSON.stringify(out)); process.exit(0); },
        (e) => { console.log(JSON.stringify({ ...out, failed: String(e && e.stack || e) })); process.exit(0); },
      );`;
    const stdout = execFileSync(process.execPath, ['-e', script], {
      uid: 65534,
      gid: 65534,
      encoding: 'utf8',
      timeout: 30_000,
    });
    return JSON.parse(stdout) as Record<string, unknown>;
  }

  it('one created while watch() runs: the loop keeps yielding, the EACCES (path intact) goes to onError', () => {
    const out = runAsNobody(`
      const tree = path.join(dir, 'tree');
      fs.mkdirSync(tree);
      const errors = [];
      const it = watch(tree, { step: 20, onError: (e) => errors.push({ code: e.code, path: e.path }) });
      const seen = new Set();
      let pending = it.next();
      // Reads batches until pred() holds; poke() runs between reads (to write until the watch is in place).
      const until = async (pred, what, poke) => {
        const stop = deadline(15000, 'timed out waiting for ' + what);
        while (!pred()) {
          if (poke) poke();
          const r = await Promise.race([pending, stop, new Promise((res) => setTimeout(res, 100, 'tick'))]);
          if (r === 'tick') continue;
          if (r.done) throw new Error('the loop ended while waiting for ' + what);
          for (const c of r.value) seen.add(c.path);
          pending = it.next();
        }
      };
      const first = path.join(tree, 'first.txt');
      await until(() => seen.has(first), 'first.txt', () => fs.writeFileSync(first, String(Date.now())));
      const locked = path.join(tree, 'locked\\nname');
      fs.mkdirSync(locked, { mode: 0o000 });
      await until(() => seen.has(locked), 'the locked directory');
      const after = path.join(tree, 'after.txt');
      fs.writeFileSync(after, 'x');
      await until(() => seen.has(after), 'a change after the error');
      out.errors = errors;
      out.after = true;
      await it.return();
      fs.chmodSync(locked, 0o755);
    `);
    expect(out.failed).toBeUndefined();
    expect(out.after).toBe(true);
    const errors = out.errors as Array<{ code: string; path: string }>;
    expect(errors.map((e) => e.code)).toContain('EACCES');
    expect(errors.find((e) => e.code === 'EACCES')!.path).toBe(path.join(dir, 'tree', 'locked\nname'));
  });

  it('a start error on an unreadable directory whose name has a newline keeps the exact path', () => {
    const out = runAsNobody(`
      const locked = path.join(dir, 'a\\nb');
      fs.mkdirSync(locked, { mode: 0o000 });
      try { const s = await subscribe(dir, () => {}); await s.close(); out.started = true; }
      catch (e) { out.code = e.code; out.path = e.path; out.message = e.message; out.isWatchError = e.name === 'WatchError'; }
      fs.chmodSync(locked, 0o755);
    `);
    expect(out.failed).toBeUndefined();
    expect(out.code).toBe('EACCES');
    expect(out.isWatchError).toBe(true);
    expect(out.path).toBe(path.join(dir, 'a\nb'));
    expect(out.message).not.toContain('\0');
  });
});
