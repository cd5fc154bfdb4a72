/**
 * The parent's side of child.mjs: spawn one watcher process, ask it to start/idle/close, and keep every
 * callback it reports with its monotonic timestamp (bigint ns), so scenarios can wait for a path and
 * measure from their own edit times. Every wait has a deadline; a child that misses one is killed.
 */
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const CHILD = fileURLToPath(new URL('./child.mjs', import.meta.url));

export class WatcherProcess {
  /** Callbacks seen so far: { t: bigint (hrtime ns), paths: string[] }. */
  batches = [];
  stderr = '';
  #child;
  #replyWaiter;
  #eventWaiters = new Set();
  #exited = false;
  /** Resolves once the child has exited (and the kernel has released its watches). */
  exited;

  constructor() {
    this.#child = fork(CHILD, [], { stdio: ['ignore', 'inherit', 'pipe', 'ipc'], serialization: 'advanced' });
    this.#child.stderr.on('data', (d) => {
      this.stderr += d;
    });
    this.#child.on('message', (msg) => this.#onMessage(msg));
    this.exited = new Promise((resolve) => this.#child.once('exit', resolve));
    this.#child.on('exit', (code, signal) => {
      this.#exited = true;
      this.#replyWaiter?.reject(new Error(`watcher child exited (${signal ?? code}) ${this.stderr.trim()}`));
    });
  }

  #onMessage(msg) {
    if (msg.type === 'events') {
      for (const b of msg.batches) this.batches.push({ t: BigInt(b.t), paths: b.paths });
      for (const w of this.#eventWaiters) w();
      return;
    }
    const waiter = this.#replyWaiter;
    this.#replyWaiter = undefined;
    if (!waiter) return;
    if (msg.type === 'error') waiter.reject(new Error(msg.message));
    else waiter.resolve(msg);
  }

  /** Sends one command and resolves with the child's reply, or rejects after `timeoutMs`. */
  request(op, args = {}, timeoutMs = 60_000) {
    if (this.#exited) return Promise.reject(new Error('watcher child has exited'));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#replyWaiter = undefined;
        reject(new Error(`"${op}" got no answer within ${timeoutMs} ms`));
      }, timeoutMs);
      const done = (fn) => (v) => {
        clearTimeout(timer);
        fn(v);
      };
      this.#replyWaiter = { resolve: done(resolve), reject: done(reject) };
      this.#child.send({ op, ...args });
    });
  }

  /**
   * Resolves with the first batch after index `from` that satisfies `test`, or undefined at the deadline.
   */
  waitForBatch(test, from, timeoutMs) {
    return new Promise((resolve) => {
      let scanned = from;
      const check = () => {
        for (; scanned < this.batches.length; scanned++) {
          if (test(this.batches[scanned])) return finish(this.batches[scanned]);
        }
      };
      const timer = setTimeout(() => finish(undefined), timeoutMs);
      const finish = (v) => {
        clearTimeout(timer);
        this.#eventWaiters.delete(check);
        resolve(v);
      };
      this.#eventWaiters.add(check);
      check();
    });
  }

  /**
   * Waits until no callback arrived for `quietMs` (counted from `since`, a hrtime bigint, or from the
   * last callback if later), or `done()` says so, or `deadlineMs` passed. Resolves true if quiet/done.
   */
  async waitQuiet({ since, quietMs, deadlineMs, done = () => false }) {
    const deadline = Date.now() + deadlineMs;
    for (;;) {
      const last = this.batches.length ? this.batches[this.batches.length - 1].t : 0n;
      const from = last > since ? last : since;
      const quietFor = Number(process.hrtime.bigint() - from) / 1e6;
      if (quietFor >= quietMs) return true;
      if (Date.now() >= deadline) return false;
      if (done()) return true;
      await new Promise((r) => setTimeout(r, Math.min(50, quietMs - quietFor + 1)));
    }
  }

  get pid() {
    return this.#child.pid;
  }

  /** Asks the child to close its watcher and exit; kills it if that does not finish in time. */
  async close(timeoutMs = 30_000) {
    try {
      return await this.request('close', {}, timeoutMs);
    } finally {
      await this.kill();
    }
  }

  /**
   * Ends the child and waits for its exit: the next run must not start while this one's inotify watches
   * are still being torn down, or it can hit the per-user watch limit (ENOSPC) that this one still holds.
   */
  async kill() {
    const exited = this.exited;
    const timer = setTimeout(() => this.#child.kill('SIGKILL'), 5_000);
    if (!this.#exited) this.#child.kill(this.#replyWaiter ? 'SIGKILL' : 'SIGTERM');
    await exited;
    clearTimeout(timer);
  }
}
