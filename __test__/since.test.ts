/**
 * "What changed while nothing watched": writeSnapshot()/changesSince() on a snapshot file (any backend),
 * and Subscription.clock()/changesSince() as a watchman since-query. Net changes, with our filters.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Change, changesSince, subscribe, WatchError, writeSnapshot, type ChangeBatch } from '../src/index.js';
import { perTestDir, write } from './helpers/fs.js';
import { startWatchmanServer, useWatchman } from './helpers/watchman.js';

const wm = useWatchman();
const t = perTestDir();

const summary = (batch: ChangeBatch) => batch.map((c) => [c.change, path.relative(t.dir, c.path)] as [number, string]).sort();

/** Edits made "while nothing watched": the same for both mechanisms. */
function editTree(): void {
  fs.appendFileSync(path.join(t.dir, 'a.js'), 'more');
  fs.unlinkSync(path.join(t.dir, 'b.js'));
  write(path.join(t.dir, 'd', 'e', 'c.js'));
  write(path.join(t.dir, 'node_modules', 'pkg', 'x.js'));
  write(path.join(t.dir, 'brief.tmp'));
  fs.unlinkSync(path.join(t.dir, 'brief.tmp'));
  // An atomic save of keep.json: a temp file renamed over it.
  write(path.join(t.dir, '.keep.json.tmp-1'), '{"v":2}');
  fs.renameSync(path.join(t.dir, '.keep.json.tmp-1'), path.join(t.dir, 'keep.json'));
  write(path.join(t.dir, 'debug.log'));
}

function seedTree(): void {
  write(path.join(t.dir, 'a.js'), 'a');
  write(path.join(t.dir, 'b.js'), 'b');
  write(path.join(t.dir, 'keep.json'), '{}');
  write(path.join(t.dir, 'untouched', 'u.js'), 'u');
}

describe('snapshots (no watcher needed)', () => {
  it('changesSince(root, file) returns the net changes since writeSnapshot(root, file), with our filters', async () => {
    seedTree();
    const file = path.join(t.dir, '..', `${path.basename(t.dir)}.snapshot`);
    try {
      await writeSnapshot(t.dir, file, { ignore: ['*.log'] });
      editTree();
      const changes = await changesSince(t.dir, file, { ignore: ['*.log'] });
      expect(changes.rescan).toBe(false);
      expect(summary(changes)).toEqual(
        [
          [Change.modified, 'a.js'],
          [Change.deleted, 'b.js'],
          [Change.added, 'd'],
          [Change.added, path.join('d', 'e')],
          [Change.added, path.join('d', 'e', 'c.js')],
          [Change.modified, 'keep.json'],
        ].sort(),
      );
      expect(changes.find((c) => c.path === path.join(t.dir, 'd'))?.isDir).toBe(true);
    } finally {
      fs.rmSync(file, { force: true });
    }
  });

  it('says what is wrong with a missing, foreign or other snapshot file', async () => {
    const file = path.join(t.dir, 'snap.json');
    await expect(changesSince(t.dir, file)).rejects.toMatchObject({ code: 'ENOENT', message: expect.stringMatching(/write one with writeSnapshot/) });
    fs.writeFileSync(file, '{"hello":1}');
    await expect(changesSince(t.dir, file)).rejects.toMatchObject({ code: 'EINVAL', message: expect.stringMatching(/not a snapshot/) });
    fs.mkdirSync(path.join(t.dir, 'other'));
    await writeSnapshot(path.join(t.dir, 'other'), file);
    await expect(changesSince(t.dir, file)).rejects.toMatchObject({ code: 'EINVAL', message: expect.stringMatching(/is of .*other, not/) });
    await expect(changesSince(t.dir, file, { debounce: 5 } as object)).rejects.toThrow(/unknown option "debounce"/);
  });

  it('a subscription without watchman has no clock, and says to use a snapshot', async () => {
    const sub = await subscribe(t.dir, () => {});
    try {
      const error = await sub.clock().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(WatchError);
      expect((error as WatchError).message).toMatch(/has no clock: use writeSnapshot\(root, file\)/);
    } finally {
      await sub.close();
    }
  });
});

describe('watchman clocks', () => {
  it('changesSince(root, sub.clock()) after the subscription is gone returns the net changes', async () => {
    seedTree();
    const sub = await subscribe(t.dir, () => {}, { backend: 'watchman' });
    const clock = await sub.clock();
    await sub.close();
    expect(clock).toMatch(/^c:\d+:\d+:\d+:\d+$/);
    editTree();
    const changes = await changesSince(t.dir, clock, { ignore: ['*.log'] });
    expect(changes.rescan).toBe(false);
    expect(summary(changes)).toEqual(
      [
        [Change.modified, 'a.js'],
        [Change.deleted, 'b.js'],
        [Change.added, 'd'],
        [Change.added, path.join('d', 'e')],
        [Change.added, path.join('d', 'e', 'c.js')],
        [Change.modified, 'keep.json'],
      ].sort(),
    );
  });

  it('a clock from a server that has since restarted gives an empty batch marked rescan', async () => {
    const server = await startWatchmanServer();
    const saved = process.env.WATCHMAN_SOCK;
    process.env.WATCHMAN_SOCK = server.sock;
    try {
      const sub = await subscribe(t.dir, () => {}, { backend: 'watchman' });
      const clock = await sub.clock();
      await sub.close();
      await server.stop();
      const restarted = await startWatchmanServer(server.sock);
      try {
        write(path.join(t.dir, 'new.js'));
        const changes = await changesSince(t.dir, clock);
        expect(changes.rescan).toBe(true);
        expect(changes).toHaveLength(0);
      } finally {
        await restarted.stop();
      }
    } finally {
      process.env.WATCHMAN_SOCK = saved ?? wm.server.sock;
      fs.rmSync(server.dir, { recursive: true, force: true });
    }
  });
});
