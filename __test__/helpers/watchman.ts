/**
 * A private watchman server for one test file: its own socket, state, log and pid files in a temp dir,
 * started in the foreground as our child and stopped after; never a user's server. Clients find it through
 * WATCHMAN_SOCK, which `useWatchman()` sets for the test process.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { waitFor } from './fs.js';

export interface WatchmanServer {
  sock: string;
  dir: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

function canConnect(sock: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(sock);
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

/** Starts a server; `sock` may be given to restart one at the same place. */
export async function startWatchmanServer(sock?: string): Promise<WatchmanServer> {
  const dir = sock ? path.dirname(sock) : fs.mkdtempSync(path.join(os.tmpdir(), 'wf-watchman-'));
  const sockname = sock ?? path.join(dir, 'sock');
  const child = spawn(
    'watchman',
    [
      '--foreground',
      `--sockname=${sockname}`,
      `--statefile=${path.join(dir, 'state')}`,
      `--logfile=${path.join(dir, 'log')}`,
      `--pidfile=${path.join(dir, 'pid')}`,
      '--no-save-state',
    ],
    { stdio: 'ignore', env: { ...process.env, WATCHMAN_SOCK: sockname } },
  );
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let up = false;
  let dead = false;
  let spawnError: Error | undefined;
  child.once('error', (e) => {
    spawnError = e;
    dead = true;
  });
  void exited.then(() => (dead = true));
  await waitFor(
    () => {
      if (spawnError) throw new Error(`cannot run watchman (${spawnError.message}): these tests need it installed (apt install watchman)`);
      if (dead) throw new Error(`watchman exited at start; log: ${fs.readFileSync(path.join(dir, 'log'), { encoding: 'utf8', flag: 'a+' }).slice(-2000)}`);
      void canConnect(sockname).then((ok) => (up = ok));
      return up;
    },
    'the watchman server to listen',
    20_000,
    50,
  );
  return {
    sock: sockname,
    dir,
    child,
    async stop() {
      if (dead) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** One server for the test file, WATCHMAN_SOCK pointing at it; stopped and removed after the file. */
export function useWatchman(): { server: WatchmanServer } {
  const slot = {} as { server: WatchmanServer };
  let previous: string | undefined;
  beforeAll(async () => {
    slot.server = await startWatchmanServer();
    previous = process.env.WATCHMAN_SOCK;
    process.env.WATCHMAN_SOCK = slot.server.sock;
  });
  afterAll(async () => {
    if (previous === undefined) delete process.env.WATCHMAN_SOCK;
    else process.env.WATCHMAN_SOCK = previous;
    await slot.server?.stop();
    if (slot.server) fs.rmSync(slot.server.dir, { recursive: true, force: true });
  });
  return slot;
}

/** The inotify watches this process holds, from /proc/self/fdinfo (Linux). */
export function ownInotifyWatches(): number {
  let count = 0;
  for (const fd of fs.readdirSync('/proc/self/fdinfo')) {
    let info: string;
    try {
      info = fs.readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8');
    } catch {
      continue;
    }
    count += info.split('\n').filter((l) => l.startsWith('inotify wd:')).length;
  }
  return count;
}
