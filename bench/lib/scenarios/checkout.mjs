/**
 * A `git checkout` that rewrites `files` tracked files: how many callbacks (batches) a watcher delivers,
 * and the time from its first to its last. A reloader restarts once per batch, so one is the goal.
 * Batches that only touch .git/ are not counted: every tool can ignore .git, and a reloader would.
 */
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { TREES_DIR } from '../tree.mjs';
import { med, rowBase, quietMsFor, roundRobin, sleep, withWatcher } from './common.mjs';

const DIRS = 20;

export async function runCheckout({ config, watchers, log }) {
  const { files } = config.checkout;
  const { root, tracked } = ensureRepo(files, log);
  log(`checkout of ${files} files, ${config.repeats} rounds`);
  const runs = await roundRobin(watchers, config.repeats, (w) => checkoutRun(w.id, root, tracked, config), log);
  return watchers.map((w) => {
    const r = runs.get(w.id);
    return {
      ...rowBase(w.id, r),
      changed: files,
      batches: med(r, 'batches'),
      reported: med(r, 'reported'),
      firstToLastMs: med(r, 'firstToLastMs'),
      gitMs: med(r, 'gitMs'),
      settledMs: med(r, 'settledMs'),
      runs: r,
    };
  });
}

function git(cwd, ...args) {
  return execFileSync('git', ['-c', 'user.name=bench', '-c', 'user.email=bench@example.invalid', ...args], {
    cwd,
    stdio: ['ignore', 'pipe', 'pipe'],
  }).toString();
}

/** A repo with branches `one` and `two` that differ in every one of `files` files. Reused when complete. */
function ensureRepo(files, log) {
  const root = path.join(TREES_DIR, `checkout-repo-${files}`);
  const tracked = [];
  for (let i = 0; i < files; i++) tracked.push(path.join(root, `pkg${i % DIRS}`, `mod${Math.floor(i / DIRS)}.js`));
  const marker = path.join(TREES_DIR, `checkout-repo-${files}.complete`);
  if (fs.existsSync(marker)) {
    git(root, 'reset', '-q', '--hard');
    return { root, tracked };
  }
  const t0 = Date.now();
  fs.rmSync(root, { recursive: true, force: true });
  fs.mkdirSync(root, { recursive: true });
  git(root, 'init', '-q', '-b', 'one');
  git(root, 'config', 'gc.auto', '0');
  for (let d = 0; d < DIRS; d++) fs.mkdirSync(path.join(root, `pkg${d}`));
  for (const f of tracked) fs.writeFileSync(f, `export const v = 'one'; // ${path.basename(f)}\n`);
  git(root, 'add', '-A');
  git(root, 'commit', '-q', '-m', 'one');
  git(root, 'checkout', '-q', '-b', 'two');
  for (const f of tracked) fs.writeFileSync(f, `export const v = 'two'; // ${path.basename(f)}\n`);
  git(root, 'commit', '-q', '-am', 'two');
  fs.writeFileSync(marker, '');
  log(`made git repo with ${files} files in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  return { root, tracked };
}

function currentBranch(root) {
  return git(root, 'rev-parse', '--abbrev-ref', 'HEAD').trim();
}

function checkoutRun(watcherId, root, tracked, config) {
  const { settleMs, quietMs, deadlineMs } = config.checkout;
  const trackedSet = new Set(tracked);
  const gitDir = path.join(root, '.git');
  const isWorkTree = (p) => p !== gitDir && !p.startsWith(gitDir + path.sep);
  return withWatcher(watcherId, root, async (proc) => {
    await sleep(settleMs);
    const target = currentBranch(root) === 'one' ? 'two' : 'one';
    const t0 = process.hrtime.bigint();
    await new Promise((resolve, reject) => {
      const child = spawn('git', ['checkout', '-q', target], { cwd: root, stdio: 'ignore' });
      child.on('error', reject);
      child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`git checkout exited ${code}`))));
    });
    const tGit = process.hrtime.bigint();
    await proc.waitQuiet({ since: tGit, quietMs: quietMsFor(watcherId, quietMs), deadlineMs });
    const batches = proc.batches.filter((b) => b.t >= t0 && b.paths.some(isWorkTree));
    const seen = new Set();
    for (const b of batches) for (const p of b.paths) if (trackedSet.has(p)) seen.add(p);
    const first = batches[0]?.t;
    const last = batches[batches.length - 1]?.t;
    return {
      batches: batches.length,
      reported: seen.size,
      gitMs: Number(tGit - t0) / 1e6,
      firstToLastMs: first === undefined ? undefined : Number(last - first) / 1e6,
      settledMs: last === undefined ? undefined : Number(last - t0) / 1e6,
    };
  });
}
