/**
 * Preloaded into a warm spare (see warm-spare.ts) through NODE_OPTIONS=--require. Node has booted, but no
 * user code has been read yet: say "held" and block here until the runner writes one JSON line on the
 * file descriptor named by WATCHFILES_SPARE_FD, apply the environment it carries (WATCHFILES_CHANGES, the user's own
 * NODE_OPTIONS back), and let Node go on to load the program as if it had just started.
 * End of file without a line means the spare is not wanted (the runner stopped or died): exit quietly.
 *
 * Built on its own as dist/spare-hold.cjs, CommonJS, with no imports of ours: it must load in any Node the
 * command runs, before anything else.
 */
import fs from 'node:fs';
import { isMainThread } from 'node:worker_threads';

const FD_ENV = 'WATCHFILES_SPARE_FD';

interface Release {
  /** Variables to set; null removes one. */
  env: Record<string, string | null>;
}

const fdText = process.env[FD_ENV];
// Only the process the runner started holds: the marker is gone (and NODE_OPTIONS restored) before the
// program runs, so its children and workers load nothing of this.
if (isMainThread && fdText !== undefined && /^\d+$/.test(fdText)) {
  delete process.env[FD_ENV];
  const fd = Number(fdText);
  // The descriptor is one end of a socket pair: tell the runner this spare is booted and waiting.
  try {
    fs.writeSync(fd, 'held\n');
  } catch {
    // the runner is gone: the read below sees end of file
  }
  const line = readLine(fd);
  if (line === undefined) process.exit(0);
  const release = JSON.parse(line) as Release;
  for (const [name, value] of Object.entries(release.env)) {
    if (value === null) delete process.env[name];
    else process.env[name] = value;
  }
}

/** Reads up to the first newline, blocking. undefined on end of file first. Closes the descriptor. */
function readLine(fd: number): string | undefined {
  const chunk = Buffer.alloc(64 * 1024);
  const parts: Buffer[] = [];
  try {
    for (;;) {
      let n: number;
      try {
        n = fs.readSync(fd, chunk, 0, chunk.length, null);
      } catch (error) {
        // A non-blocking descriptor (not what Node gives a child on Linux or macOS, but cheap to allow for).
        if ((error as NodeJS.ErrnoException).code !== 'EAGAIN') return undefined;
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1);
        continue;
      }
      if (n === 0) return undefined;
      const got = Buffer.from(chunk.subarray(0, n));
      const newline = got.indexOf(10);
      if (newline >= 0) {
        parts.push(got.subarray(0, newline));
        return Buffer.concat(parts).toString('utf8');
      }
      parts.push(got);
    }
  } finally {
    try {
      fs.closeSync(fd);
    } catch {
      // already closed
    }
  }
}
