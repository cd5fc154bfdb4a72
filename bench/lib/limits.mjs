/**
 * Guards against a shared machine lowering fs.inotify.max_user_watches under us (the project's own serial
 * tests do, for a few seconds). A run during which the limit was below its value at the start of the bench
 * is marked `disturbed` and run again: a watcher may fail with ENOSPC, or, like Node's recursive fs.watch,
 * silently place only part of its watches. Linux only; elsewhere every check passes.
 */
import fs from 'node:fs';

const FILE = '/proc/sys/fs/inotify/max_user_watches';

export function readWatchLimit() {
  try {
    return Number(fs.readFileSync(FILE, 'utf8'));
  } catch {
    return undefined;
  }
}

const startLimit = readWatchLimit();

/** Waits (up to `maxMs`) until the limit is back to its value at start. */
export async function waitForWatchLimit(log, maxMs = 10 * 60_000) {
  if (startLimit === undefined) return;
  const deadline = Date.now() + maxMs;
  let told = false;
  while ((readWatchLimit() ?? startLimit) < startLimit && Date.now() < deadline) {
    if (!told) log(`  waiting: fs.inotify.max_user_watches is ${readWatchLimit()} (was ${startLimit}); another process lowered it`);
    told = true;
    await new Promise((r) => setTimeout(r, 1000));
  }
}

/** Samples the limit every 100 ms until stop() is called; stop() returns true if it was ever lowered. */
export function watchLimitMonitor() {
  if (startLimit === undefined) return { stop: () => false };
  let lowered = false;
  const check = () => {
    if ((readWatchLimit() ?? startLimit) < startLimit) lowered = true;
  };
  check();
  const timer = setInterval(check, 100);
  return {
    stop() {
      clearInterval(timer);
      check();
      return lowered;
    },
  };
}
