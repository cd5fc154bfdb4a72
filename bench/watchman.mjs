#!/usr/bin/env node
/**
 * Native vs watchman in one run: ready time, idle CPU and per-process RSS of 1 and of 5 processes watching
 * the same 100k-file tree, and the inotify watches held in each case (by the watching processes, and by the
 * watchman server, which holds them for everybody). Rows: watchfiles-node native and watchman,
 * @parcel/watcher pinned to inotify and on watchman.
 *
 *   node bench/watchman.mjs [--quick] [--rounds 2] [--procs 1,5] [--idle-ms 5000] [--settle-ms 12000] [--only ids] [--out file]
 *
 * Each watchman case starts a private watchman server of its own (socket, state, log and pid files in a
 * temp dir; WATCHMAN_SOCK points the children at it) and stops it after, so "ready" includes the server's
 * crawl of the tree (the cold start a dev server sees after a reboot) and the server's memory is that of
 * this case alone (a server reused across cases keeps the memory of earlier crawls). Writes the `watchman` section of RESULTS.md (bench/lib/section.mjs) and prints it.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { WatcherProcess } from './lib/driver.mjs';
import { int, mb, ms, pct, table } from './lib/format.mjs';
import { inotifyWatches } from './lib/inotify.mjs';
import { writeSection } from './lib/section.mjs';
import { snapshotPackage, removeSnapshot } from './lib/snapshot.mjs';
import { median } from './lib/stats.mjs';
import { ensureTree, treeName } from './lib/tree.mjs';

const WATCHERS = [
  { id: 'watchfiles', label: '**watchfiles-node** native (inotify)', watchman: false },
  { id: 'watchfiles-watchman', label: '**watchfiles-node** watchman', watchman: true },
  { id: 'parcel', label: '@parcel/watcher, backend pinned to inotify', watchman: false },
  { id: 'parcel-watchman', label: '@parcel/watcher, backend watchman', watchman: true },
  { id: 'none', label: '(empty process, no watcher: the harness alone)', watchman: false },
];
const START_TIMEOUT_MS = 300_000;

const { values: opts } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    procs: { type: 'string', default: '1,5' },
    'idle-ms': { type: 'string' },
    'settle-ms': { type: 'string' },
    rounds: { type: 'string' },
    only: { type: 'string' },
    out: { type: 'string' },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (opts.help) {
  process.stdout.write(fs.readFileSync(fileURLToPath(import.meta.url), 'utf8').split('*/')[0].replace(/^#!.*\n\/\*\*\n/, ''));
  process.exit(0);
}
const spec = opts.quick ? { files: 10_000, dirs: 1_000 } : { files: 100_000, dirs: 10_000 };
const procs = opts.procs.split(',').map(Number);
// Rounds are interleaved (every case once, then again) and each figure is the median over them: the
// machine is shared and one slow moment should not decide a row.
const rounds = Number(opts.rounds ?? (opts.quick ? 1 : 2));
const idleMs = Number(opts['idle-ms'] ?? (opts.quick ? 2_000 : 5_000));
// Wait after ready before measuring idle CPU: V8's post-start housekeeping (the memory reducer, background
// GC) runs in a process's first seconds. A watchman client is ready after a few socket round trips, so
// after 1 s it is still in that phase and shows ~0.2% that has nothing to do with watching (the empty
// process shows it too when measured that early); after ~10 s every row is at rest.
const settleMs = Number(opts['settle-ms'] ?? (opts.quick ? 3_000 : 12_000));
const watchers = opts.only ? WATCHERS.filter((w) => opts.only.split(',').includes(w.id)) : WATCHERS;
const out = opts.out ?? fileURLToPath(new URL(opts.quick ? './RESULTS-quick.md' : './RESULTS.md', import.meta.url));
const log = (line) => process.stderr.write(`[watchman-bench] ${line}\n`);

/** A private server: ours to start and to stop. */
async function startServer() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wf-bench-watchman-'));
  const sock = path.join(dir, 'sock');
  const child = spawn(
    'watchman',
    ['--foreground', `--sockname=${sock}`, `--statefile=${dir}/state`, `--logfile=${dir}/log`, `--pidfile=${dir}/pid`, '--no-save-state'],
    { stdio: 'ignore' },
  );
  const deadline = Date.now() + 20_000;
  while (!(await command(sock, ['version']).catch(() => undefined))) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`the watchman server did not start; see ${dir}/log`);
    await new Promise((r) => setTimeout(r, 50));
  }
  const exited = new Promise((r) => child.once('exit', r));
  return {
    sock,
    pid: child.pid,
    async stop() {
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(t);
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** One JSON command on a fresh connection. */
function command(sock, args) {
  return new Promise((resolve, reject) => {
    const c = net.connect(sock);
    let buf = '';
    c.setEncoding('utf8');
    c.on('error', reject);
    c.on('connect', () => c.write(`${JSON.stringify(args)}\n`));
    c.on('data', (d) => {
      buf += d;
      if (!buf.includes('\n')) return;
      c.destroy();
      const reply = JSON.parse(buf.slice(0, buf.indexOf('\n')));
      if (reply.error) reject(new Error(reply.error));
      else resolve(reply);
    });
  });
}

/** CPU seconds (user + system) and resident MB of a process, from /proc. */
function procStats(pid) {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  const rss = Number(/VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))[1]) / 1024;
  return { cpuS: ticks / 100, rssMb: rss };
}

async function runCase(watcher, n, root) {
  const server = watcher.watchman ? await startServer() : undefined;
  if (server) process.env.WATCHMAN_SOCK = server.sock;
  const children = Array.from({ length: n }, () => new WatcherProcess());
  try {
    const ready = await Promise.all(children.map((c) => c.request('start', { watcher: watcher.id, root }, START_TIMEOUT_MS)));
    const idling = Promise.all(children.map((c) => c.request('idle', { settleMs, windowMs: idleMs }, settleMs + idleMs + 60_000)));
    // The server is measured over (about) the children's window: after the same settle.
    await new Promise((r) => setTimeout(r, settleMs));
    const server0 = server ? procStats(server.pid) : undefined;
    const t0 = Date.now();
    const idle = await idling;
    const server1 = server ? procStats(server.pid) : undefined;
    const elapsedS = (Date.now() - t0) / 1000;
    const childWatches = children.reduce((sum, c) => sum + (inotifyWatches(c.pid) ?? 0), 0);
    const row = {
      watcher: watcher.id,
      procs: n,
      backend: ready[0].backend,
      readyMedianMs: median(ready.map((r) => r.readyMs)),
      readyMaxMs: Math.max(...ready.map((r) => r.readyMs)),
      idleCpuPct: median(idle.map((r) => r.cpuPct)),
      rssMb: median(idle.map((r) => r.rssMb)),
      childWatches,
    };
    if (server && server0 && server1) {
      // The server's CPU over the settle and idle window, and its memory after: its cost, shared by all clients.
      row.serverCpuPct = ((server1.cpuS - server0.cpuS) / elapsedS) * 100;
      row.serverRssMb = server1.rssMb;
      row.serverWatches = inotifyWatches(server.pid) ?? 0;
    }
    return row;
  } finally {
    await Promise.all(children.map((c) => c.close().catch(() => c.kill())));
    await server?.stop();
  }
}

function render(rows, meta) {
  const lines = [
    '## Native vs watchman: 1 and 5 processes on one tree (bench/watchman.mjs)',
    '',
    `Generated by \`${meta.command}\` on ${meta.date.slice(0, 10)} (${meta.durationMin} min, ${meta.rounds} interleaved round(s), medians), tree ${meta.tree}, ` +
      `watchman ${meta.watchmanVersion}, @parcel/watcher ${meta.parcelVersion}. N processes watch the same tree at once; ` +
      `ready is from each process's start() call to ready (median and slowest of the N), for watchman rows from a ` +
      `fresh server (one per case, so the server's crawl is included and its memory is that case's). Idle CPU and RSS are per watching ` +
      `process (median of the N) over ${idleMs / 1000} s, ${settleMs / 1000} s after ready; the server's own cost is in its columns, paid once for all ` +
      `clients. Inotify watches: the sum over the N watching processes, and the server's.`,
    '',
    table(
      ['watcher', 'N', 'ready (median / slowest)', 'idle CPU per process', 'RSS per process', 'inotify watches (processes)', 'server: idle CPU', 'server: RSS', 'server: inotify watches'],
      rows.map((r) => [
        WATCHERS.find((w) => w.id === r.watcher).label,
        String(r.procs),
        r.failed ? `⚠ ${r.failed}` : `${ms(r.readyMedianMs)} / ${ms(r.readyMaxMs)}`,
        pct(r.idleCpuPct),
        mb(r.rssMb),
        int(r.childWatches),
        r.serverCpuPct === undefined ? '–' : pct(r.serverCpuPct),
        r.serverRssMb === undefined ? '–' : mb(r.serverRssMb),
        r.serverWatches === undefined ? '–' : int(r.serverWatches),
      ]),
    ),
    '',
    'Rerun: `npx tsup && node bench/watchman.mjs` (`--quick` for a 10k tree; `--procs 1,5`, `--idle-ms`, `--only`).',
  ];
  return lines.join('\n');
}

async function main() {
  const t0 = Date.now();
  snapshotPackage();
  const root = ensureTree(spec, log);
  const runs = new Map();
  try {
    const probe = await startServer();
    const version = (await command(probe.sock, ['version'])).version;
    await probe.stop();
    for (let round = 1; round <= rounds; round++) {
      for (const n of procs) {
        for (const watcher of watchers) {
          log(`round ${round}/${rounds}: ${watcher.id} x${n} on ${treeName(spec)}...`);
          const key = `${n}:${watcher.id}`;
          if (!runs.has(key)) runs.set(key, { watcher: watcher.id, procs: n, ok: [], failed: [] });
          try {
            const row = await runCase(watcher, n, root);
            log(`  ready ${ms(row.readyMedianMs)} / ${ms(row.readyMaxMs)}, idle ${pct(row.idleCpuPct)}, rss ${mb(row.rssMb)}, watches ${row.childWatches}` +
              (row.serverWatches === undefined ? '' : `; server ${pct(row.serverCpuPct)}, ${mb(row.serverRssMb)}, ${row.serverWatches} watches`));
            runs.get(key).ok.push(row);
          } catch (error) {
            log(`  failed: ${error.message}`);
            runs.get(key).failed.push(String(error.message).split('\n')[0].slice(0, 120));
          }
        }
      }
    }
    const FIELDS = ['readyMedianMs', 'readyMaxMs', 'idleCpuPct', 'rssMb', 'childWatches', 'serverCpuPct', 'serverRssMb', 'serverWatches'];
    const rows = [...runs.values()].map(({ watcher, procs: n, ok, failed }) => {
      if (!ok.length) return { watcher, procs: n, failed: failed[0] };
      const row = { watcher, procs: n, runs: ok.length };
      for (const f of FIELDS) if (ok.some((r) => r[f] !== undefined)) row[f] = median(ok.map((r) => r[f]).filter((v) => v !== undefined));
      return row;
    });
    const parcelVersion = JSON.parse(fs.readFileSync(fileURLToPath(new URL('../node_modules/@parcel/watcher/package.json', import.meta.url)), 'utf8')).version;
    const meta = {
      command: `node bench/watchman.mjs${process.argv.slice(2).length ? ` ${process.argv.slice(2).join(' ')}` : ''}`,
      date: new Date().toISOString(),
      durationMin: ((Date.now() - t0) / 60_000).toFixed(1),
      rounds,
      tree: treeName(spec),
      watchmanVersion: version,
      parcelVersion,
    };
    const md = render(rows, meta);
    writeSection('watchman', md, out);
    process.stdout.write(`${md}\n`);
    log(`wrote the watchman section of ${out}`);
  } finally {
    removeSnapshot();
  }
}

await main();
