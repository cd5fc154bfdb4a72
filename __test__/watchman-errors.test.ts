/**
 * The watchman backend's failures: each a WatchError with code EWATCHMAN that names the cause and the fix.
 * Servers are private (started here); the "old server" is a socket that answers like a pre-4.9 server,
 * since no such watchman build is installable here.
 */
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Change, subscribe, watch, WatchError, type ChangeBatch } from '../src/index.js';
import { removeDir, tempDir, waitFor, write } from './helpers/fs.js';
import { startWatchmanServer, type WatchmanServer } from './helpers/watchman.js';

let dir: string;
let saved: NodeJS.ProcessEnv;
const servers: WatchmanServer[] = [];

beforeEach(() => {
  dir = tempDir();
  saved = { ...process.env };
});
afterEach(async () => {
  process.env = saved;
  for (const s of servers.splice(0)) {
    await s.stop();
    removeDir(s.dir);
  }
  removeDir(dir);
});

const failure = async (p: Promise<unknown>): Promise<WatchError> => {
  const error = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(WatchError);
  expect((error as WatchError).code).toBe('EWATCHMAN');
  return error as WatchError;
};

describe('no server', () => {
  it('WATCHMAN_SOCK pointing at nothing names the socket and the fix', async () => {
    process.env.WATCHMAN_SOCK = path.join(dir, 'no-such-sock');
    const e = await failure(subscribe(dir, () => {}, { backend: 'watchman' }));
    expect(e.message).toContain(path.join(dir, 'no-such-sock'));
    expect(e.message).toMatch(/cannot reach the watchman server .*ENOENT.*WATCHMAN_SOCK/);
  });

  it('no watchman binary on PATH and no WATCHMAN_SOCK says to install it', async () => {
    delete process.env.WATCHMAN_SOCK;
    process.env.PATH = path.join(dir, 'empty-bin');
    const e = await failure(subscribe(dir, () => {}, { backend: 'watchman' }));
    expect(e.message).toMatch(/not on PATH.*install watchman/);
  });

  it('a watchman that cannot start a server surfaces its own message', async () => {
    delete process.env.WATCHMAN_SOCK;
    const bin = path.join(dir, 'bin');
    fs.mkdirSync(bin);
    // A real executable standing in for a broken install: it fails the way watchman does without a state dir.
    fs.writeFileSync(path.join(bin, 'watchman'), '#!/bin/sh\necho "failed to create state dir: Permission denied" >&2\nexit 1\n', { mode: 0o755 });
    process.env.PATH = `${bin}:${process.env.PATH}`;
    const e = await failure(subscribe(dir, () => {}, { backend: 'watchman' }));
    expect(e.message).toMatch(/none could be started.*failed to create state dir: Permission denied/);
  });

  it('watch() throws the same error from the loop', async () => {
    process.env.WATCHMAN_SOCK = path.join(dir, 'no-such-sock');
    const it = watch(dir, { backend: 'watchman' });
    const e = await failure(it.next());
    expect(e.message).toContain('cannot reach');
  });
});

/** A socket that answers `version` like an old server and nothing else. */
function fakeOldServer(sock: string, reply: object): Promise<net.Server> {
  const server = net.createServer((c) => {
    c.setEncoding('utf8');
    c.on('data', () => c.write(`${JSON.stringify(reply)}\n`));
  });
  return new Promise((resolve) => server.listen(sock, () => resolve(server)));
}

describe('old server', () => {
  it('a server without capabilities (before 3.8) is refused with its version and the fix', async () => {
    const sock = path.join(dir, 'old-sock');
    const server = await fakeOldServer(sock, { version: '3.1.0' });
    process.env.WATCHMAN_SOCK = sock;
    try {
      const e = await failure(subscribe(dir, () => {}, { backend: 'watchman' }));
      expect(e.message).toMatch(/too old: it reports version 3\.1\.0; .*needs watchman 4\.9\.0 or newer.*shutdown-server/);
    } finally {
      server.close();
    }
  });

  it('a server lacking a capability we use is refused, naming it', async () => {
    const sock = path.join(dir, 'old-sock');
    const server = await fakeOldServer(sock, {
      version: '4.1.0',
      error: 'client required capability `clock-sync-timeout` is not supported by this server',
    });
    process.env.WATCHMAN_SOCK = sock;
    try {
      const e = await failure(subscribe(dir, () => {}, { backend: 'watchman' }));
      expect(e.message).toMatch(/too old: it lacks a capability we use .*clock-sync-timeout/);
    } finally {
      server.close();
    }
  });
});

describe('a server that dies mid-watch', () => {
  it('reaches onError without crashing; a restarted server is reconnected with a rescan batch', async () => {
    const server = await startWatchmanServer();
    servers.push(server);
    process.env.WATCHMAN_SOCK = server.sock;
    const errors: WatchError[] = [];
    const batches: ChangeBatch[] = [];
    const sub = await subscribe(dir, (b) => void batches.push(b), { backend: 'watchman', onError: (e) => errors.push(e) });
    try {
      write(path.join(dir, 'before.js'));
      await waitFor(() => batches.some((b) => b.some((c) => c.path === path.join(dir, 'before.js'))), 'the first change');
      server.child.kill('SIGKILL');
      await waitFor(() => errors.length > 0, 'onError');
      expect(errors[0]).toBeInstanceOf(WatchError);
      expect(errors[0]!.code).toBe('EWATCHMAN');
      expect(errors[0]!.message).toMatch(/lost the watchman server at .*exited or was killed.*reconnects/);

      const restarted = await startWatchmanServer(server.sock);
      servers.push(restarted);
      await waitFor(() => batches.some((b) => b.rescan), 'a rescan batch after the reconnect', 15_000);
      const after = path.join(dir, 'after.js');
      write(after);
      await waitFor(() => batches.some((b) => b.some((c) => c.path === after && c.change === Change.added)), 'a change after the reconnect');
      expect(errors).toHaveLength(1);
    } finally {
      await sub.close();
    }
  });

  it('watch() hands the loss to onError and keeps yielding, with a rescan batch after the reconnect', async () => {
    const server = await startWatchmanServer();
    servers.push(server);
    process.env.WATCHMAN_SOCK = server.sock;
    const errors: WatchError[] = [];
    const batches: ChangeBatch[] = [];
    const ac = new AbortController();
    const loop = (async () => {
      for await (const b of watch(dir, { backend: 'watchman', signal: ac.signal, onError: (e) => errors.push(e) })) batches.push(b);
    })();
    try {
      const first = path.join(dir, 'x.js');
      await waitFor(() => (write(first, String(Date.now())), batches.length > 0), 'a first batch', 10_000, 100);
      server.child.kill('SIGKILL');
      await waitFor(() => errors.length > 0, 'the loss reported to onError', 10_000);
      expect(errors[0]).toMatchObject({ code: 'EWATCHMAN' });
      const restarted = await startWatchmanServer(server.sock);
      servers.push(restarted);
      await waitFor(() => batches.some((b) => b.rescan), 'a rescan batch after the reconnect', 15_000);
    } finally {
      ac.abort();
      await loop;
    }
  });
});
