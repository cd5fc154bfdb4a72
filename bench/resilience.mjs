#!/usr/bin/env node
// Measures the "never lose, never storm" figures (issue #3) and prints them:
//   - events made vs reported under a forced inotify queue overflow (root: lowers max_queued_events);
//   - batches per 2,000-file git checkout, with and without vcsSettle;
//   - CPU of polling 10,000 files at the default poll delay, vs stat-polling every file each second.
// Usage: npx tsup && node bench/resilience.mjs   (needs root for the overflow figure, and git)
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { mergeBatches, subscribe } from '../dist/index.js';

const tmp = (p) => fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), p)));
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
async function until(fn, ms = 30_000) {
  const end = Date.now() + ms;
  while (!fn()) {
    if (Date.now() > end) throw new Error('timed out');
    await sleep(20);
  }
}
function write(f, c = 'x') {
  fs.mkdirSync(path.dirname(f), { recursive: true });
  fs.writeFileSync(f, c);
}

async function overflow() {
  const file = '/proc/sys/fs/inotify/max_queued_events';
  const saved = fs.readFileSync(file, 'utf8').trim();
  const dir = tmp('wf-overflow-');
  const existing = [];
  for (let i = 0; i < 1000; i++) {
    const f = path.join(dir, `old${i % 50}`, `f${i}.txt`);
    write(f, 'v1');
    existing.push(f);
  }
  fs.writeFileSync(file, '16');
  try {
    const batches = [];
    const sub = await subscribe(dir, (b) => batches.push(b), { step: 100 });
    const expected = new Map();
    for (let i = 0; i < 10_000; i++) {
      const f = path.join(dir, `new${i % 100}`, `n${i}.txt`);
      write(f, 'n');
      expected.set(f, 1);
      expected.set(path.dirname(f), 1);
    }
    for (let i = 0; i < 1000; i += 2) (fs.writeFileSync(existing[i], 'v2-longer'), expected.set(existing[i], 2));
    for (let i = 1; i < 1000; i += 4) (fs.unlinkSync(existing[i]), expected.set(existing[i], 3));
    const last = path.join(dir, 'zz-last');
    write(last);
    expected.set(last, 1);
    await until(() => batches.some((b) => b.some((c) => c.path === last)));
    await sleep(500);
    await sub.close();
    const got = new Map(mergeBatches(batches).map((c) => [c.path, c.change]));
    let right = 0;
    for (const [p, c] of expected) if (got.get(p) === c) right++;
    return { made: expected.size, reported: got.size, correct: right, rescanBatches: batches.filter((b) => b.rescan).length };
  } finally {
    fs.writeFileSync(file, saved);
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function git(cwd, ...args) {
  const env = { ...process.env, GIT_AUTHOR_NAME: 'b', GIT_AUTHOR_EMAIL: 'b@x.invalid', GIT_COMMITTER_NAME: 'b', GIT_COMMITTER_EMAIL: 'b@x.invalid', HOME: '/nonexistent' };
  return execFileSync('git', ['-c', 'init.defaultBranch=main', ...args], { cwd, env, stdio: 'ignore' });
}

async function checkout(vcsSettle, slow) {
  const dir = tmp('wf-checkout-');
  try {
    git(dir, 'init', '-q');
    write(path.join(dir, '.gitattributes'), '*.slow filter=slow\n');
    const slowFiles = slow ? 3 : 0;
    for (let i = 0; i < 2000; i++) write(path.join(dir, `p${i % 40}`, `f${i}.js`), `a${i}`);
    for (let i = 0; i < slowFiles; i++) write(path.join(dir, `p${i}`, `z${i}.slow`), `a${i}`);
    git(dir, 'add', '-A');
    git(dir, 'commit', '-qm', 'a');
    git(dir, 'checkout', '-qb', 'b');
    for (let i = 0; i < 2000; i++) write(path.join(dir, `p${i % 40}`, `f${i}.js`), `b${i}!`);
    for (let i = 0; i < slowFiles; i++) write(path.join(dir, `p${i}`, `z${i}.slow`), `b${i}`);
    git(dir, 'commit', '-qam', 'b');
    git(dir, 'checkout', '-q', 'main');
    const batches = [];
    const sub = await subscribe(dir, (b) => batches.push(b), { vcsSettle });
    git(dir, '-c', 'filter.slow.smudge=sleep 0.3; cat', '-c', 'filter.slow.clean=cat', 'checkout', '-q', 'b');
    await until(() => new Set(batches.flat().map((c) => c.path)).size >= 2000 + slowFiles);
    await sleep(500);
    await sub.close();
    return batches.length;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function pollingCpu() {
  const dir = tmp('wf-poll-');
  const files = [];
  for (let i = 0; i < 10_000; i++) {
    const f = path.join(dir, `d${i % 1000}`, `f${i}.js`);
    write(f);
    files.push(f);
  }
  const measure = async (start) => {
    const stop = await start();
    await sleep(500);
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    await sleep(10_000);
    const c = process.cpuUsage(c0);
    await stop();
    return ((c.user + c.system) / 1000 / (performance.now() - t0)) * 100;
  };
  const ours = await measure(async () => {
    const sub = await subscribe(dir, () => {}, { forcePolling: true });
    return () => sub.close();
  });
  const statPoll = await measure(async () => {
    const t = setInterval(() => {
      for (const f of files) fs.statSync(f, { bigint: true });
    }, 1000);
    return async () => clearInterval(t);
  });
  fs.rmSync(dir, { recursive: true, force: true });
  return { forcePolling300ms: ours, statEveryFile1000ms: statPoll };
}

const out = {};
if (process.getuid?.() === 0) out.overflow = await overflow();
else out.overflow = 'skipped: needs root to lower max_queued_events';
out.checkoutBatches = {
  settle: await checkout(true, true),
  noSettle: await checkout(false, true),
  settlePlain: await checkout(true, false),
};
out.pollingCpuPercent = await pollingCpu();
console.log(JSON.stringify(out, null, 2));
