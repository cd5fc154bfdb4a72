/**
 * One watcher in a process of its own, so the CPU and memory it reports belong to that watcher alone.
 * Driven by the parent over IPC:
 *   {op:'start', watcher, root}  -> {type:'ready', readyMs, backend}     (readyMs: just before start() to ready)
 *   {op:'idle', settleMs, windowMs} -> {type:'idle', cpuPct, rssMb, heapMb, maxRssMb}
 *   {op:'close'}                 -> {type:'closed', closeMs}, then exit
 * Every callback is stamped with process.hrtime (CLOCK_MONOTONIC: the same clock in the parent, so edit and
 * callback times compare across processes) and sent as {type:'events', batches:[{t, paths}]}. Sends are
 * coalesced per tick so forwarding costs the watcher's loop as little as possible; nothing is sent while
 * idle unless the watcher itself reports something.
 */
import fs from 'node:fs';
import { loadAdapter } from './adapters/index.mjs';

const MB = 1024 * 1024;
let handle;
let pending = [];
let flushScheduled = false;

function onEvents(paths) {
  pending.push({ t: process.hrtime.bigint().toString(), paths });
  if (!flushScheduled) {
    flushScheduled = true;
    setImmediate(flush);
  }
}

function flush() {
  flushScheduled = false;
  const batches = pending;
  pending = [];
  if (batches.length) process.send({ type: 'events', batches });
}

/**
 * Peak RSS of this process. On Linux from VmHWM, which starts afresh at exec; getrusage's maxRSS does not
 * (it keeps the forking parent's size), so it would report the harness's memory instead of the watcher's.
 */
function peakRssMb() {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync('/proc/self/status', 'utf8'));
    if (m) return Number(m[1]) / 1024;
  } catch {
    // not Linux
  }
  return process.resourceUsage().maxRSS / 1024;
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const ops = {
  async start({ watcher, root }) {
    const adapter = await loadAdapter(watcher);
    const t0 = process.hrtime.bigint();
    handle = await adapter.start(root, onEvents);
    const readyMs = Number(process.hrtime.bigint() - t0) / 1e6;
    return { type: 'ready', readyMs, backend: handle.backend, rssMb: process.memoryUsage().rss / MB };
  },
  async idle({ settleMs, windowMs }) {
    await sleep(settleMs);
    const cpu0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    await sleep(windowMs);
    const cpu = process.cpuUsage(cpu0);
    const elapsedUs = Number(process.hrtime.bigint() - t0) / 1e3;
    const mem = process.memoryUsage();
    return {
      type: 'idle',
      cpuPct: ((cpu.user + cpu.system) / elapsedUs) * 100,
      rssMb: mem.rss / MB,
      heapMb: mem.heapUsed / MB,
      maxRssMb: peakRssMb(),
    };
  },
  async close() {
    const t0 = process.hrtime.bigint();
    await handle?.close();
    return { type: 'closed', closeMs: Number(process.hrtime.bigint() - t0) / 1e6 };
  },
};

process.on('message', async (msg) => {
  try {
    const reply = await ops[msg.op](msg);
    flush();
    process.send(reply, () => {
      if (msg.op === 'close') process.exit(0);
    });
  } catch (error) {
    process.send({ type: 'error', message: String(error?.stack ?? error) }, () => process.exit(1));
  }
});

// The parent going away must never leave a watcher behind.
process.on('disconnect', () => process.exit(0));
