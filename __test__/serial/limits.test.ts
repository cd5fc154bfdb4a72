/**
 * The inotify limits, lowered for real (root only; restored in a finally; this file runs alone):
 * the watch budget is checked before watching, and a queue overflow is recovered by a rescan.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Change, mergeBatches, subscribe, WatchError } from '../../src/index.js';
import { perTestDir, record, waitFor, write } from '../helpers/fs.js';
import { watchesInUse, withInotifyLimit } from '../helpers/sysctl.js';

const t = perTestDir();

function makeDirs(n: number, base = t.dir) {
  for (let i = 0; i < n; i++) fs.mkdirSync(path.join(base, `d${i}`), { recursive: true });
}

describe('inotify watch budget', () => {
  it('fails up front with EMAXWATCH naming the count, the limit and the fixes', async () => {
    makeDirs(300);
    const limit = watchesInUse() + 100;
    const err = await withInotifyLimit('max_user_watches', limit, async () => {
      try {
        const sub = await subscribe(t.dir, () => {});
        await sub.close();
      } catch (e) {
        return e as WatchError;
      }
      return undefined;
    });
    expect(err).toBeInstanceOf(WatchError);
    expect(err!.code).toBe('EMAXWATCH');
    expect(err!.message).toContain('needs 301 inotify watches');
    expect(err!.message).toContain(`max_user_watches=${limit}`);
    expect(err!.message).toContain('sysctl fs.inotify.max_user_watches=');
    expect(err!.message).toContain('`ignore`');
    expect(err!.message).toContain("onLimit: 'poll'");
  });

  it("with onLimit: 'poll' polls what does not fit, says why, and still reports changes", async () => {
    makeDirs(300);
    const limit = watchesInUse() + 100;
    await withInotifyLimit('max_user_watches', limit, async () => {
      t.rec = await record(t.dir, { onLimit: 'poll', pollDelay: 50 });
      expect(t.rec.sub.backend).toBe('poll');
      expect(t.rec.sub.pollReason).toContain(`max_user_watches=${limit}`);
      const f = path.join(t.dir, 'd7', 'new.txt');
      write(f);
      await t.rec.waitForPath(f, Change.added);
    });
  });

  it('the limit hit later by new directories is reported, or polled with onLimit: poll', async () => {
    makeDirs(5);
    await withInotifyLimit('max_user_watches', watchesInUse() + 60, async () => {
      t.rec = await record(t.dir);
      const strict = t.rec;
      const lenient = await record(t.dir, { onLimit: 'poll', pollDelay: 50 });
      try {
        // Far more than the 60 free watches, so watchers of other processes that come and go meanwhile
        // cannot make room for them all.
        for (let i = 0; i < 600; i++) fs.mkdirSync(path.join(t.dir, `late${i}`));
        await waitFor(() => strict.errors.some((e) => (e as WatchError).code === 'EMAXWATCH'), 'an EMAXWATCH error');
        // The lenient watcher switched to polling and still sees a file in a directory it could not watch.
        const f = path.join(t.dir, 'late599', 'x.txt');
        write(f);
        await lenient.waitForPath(f, Change.added);
        expect(lenient.errors).toEqual([]);
      } finally {
        await lenient.close();
      }
    });
  });
});

describe('queue overflow', () => {
  it('is never silent: a rescan batch reports exactly the changes made', async () => {
    const existing: string[] = [];
    for (let i = 0; i < 400; i++) {
      const f = path.join(t.dir, `old${i % 20}`, `f${i}.txt`);
      write(f, 'v1');
      existing.push(f);
    }
    await withInotifyLimit('max_queued_events', 16, async () => {
      // The watcher runs in a child (whose new inotify instance takes the lowered queue size) that is
      // stopped while the tree changes: the kernel must drop events, deterministically.
      const child = spawn(process.execPath, [path.join(__dirname, '..', 'fixtures', 'watch-to-stdout.mjs'), t.dir], {
        stdio: ['pipe', 'pipe', 'inherit'],
      });
      let out = '';
      child.stdout!.on('data', (d) => (out += d));
      try {
        await waitFor(() => out.startsWith('ready\n'), 'the watcher child to be ready');
        process.kill(child.pid!, 'SIGSTOP');
        const expected = new Map<string, Change>();
        for (let i = 0; i < 3000; i++) {
          const f = path.join(t.dir, `new${i % 30}`, `n${i}.txt`);
          write(f, 'n');
          expected.set(f, Change.added);
          expected.set(path.dirname(f), Change.added);
        }
        for (let i = 0; i < 400; i += 2) {
          fs.writeFileSync(existing[i]!, 'v2-longer');
          expected.set(existing[i]!, Change.modified);
        }
        for (let i = 1; i < 400; i += 4) {
          fs.unlinkSync(existing[i]!);
          expected.set(existing[i]!, Change.deleted);
        }
        const last = path.join(t.dir, 'zz-last.txt');
        write(last);
        expected.set(last, Change.added);
        process.kill(child.pid!, 'SIGCONT');
        const batches = () =>
          out
            .split('\n')
            .slice(1)
            .filter(Boolean)
            .map((l) => JSON.parse(l) as { rescan: boolean; changes: Array<[Change, string]> });
        await waitFor(() => batches().some((b) => b.changes.some(([, p]) => p === last)), 'the last change', 20_000);
        expect(batches().some((b) => b.rescan)).toBe(true);
        const merged = mergeBatches(
          batches().map((b) => Object.assign(b.changes.map(([change, p]) => ({ change, path: p })), { rescan: b.rescan })),
        );
        const got = new Map(merged.map((c) => [c.path, c.change]));
        expect(got.size).toBe(expected.size);
        for (const [p, c] of expected) expect([p, got.get(p)]).toEqual([p, c]);
      } finally {
        process.kill(child.pid!, 'SIGCONT');
        child.stdin!.end();
        await new Promise((r) => child.once('exit', r));
      }
    });
  });
});
