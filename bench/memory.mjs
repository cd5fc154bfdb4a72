/**
 * What watching a big tree costs: RSS added by watching (after ready, minus before) and the time to ready,
 * for watchfiles-node, @parcel/watcher and Python's watchfiles, each in a child process of its own on the
 * same tree in the same run. Rounds are interleaved (ours, parcel, Python, again) and figures are medians,
 * because the machine is shared and noisy.
 *
 *   node bench/memory.mjs                         # 10k and 100k files, 3 rounds
 *   node bench/memory.mjs --sizes 10k,100k,1m     # also a 1M-file / 100k-dir tree
 *   node bench/memory.mjs --label before --pkg DIR  # measure another build of ours (DIR holds dist/ and the addon)
 *   node bench/memory.mjs --baseline DIR          # also run another build of ours (e.g. main's) in the same rounds
 *
 * Each run is kept under its label in bench/memory.json; the "memory" section of RESULTS.md shows every
 * label, so a before/after pair sits side by side. Python's watchfiles is installed into .cache/pyvenv on
 * first use (pip, from PyPI). A tree needs one inotify watch per directory: when the 1M tree needs more than
 * fs.inotify.max_user_watches allows, the limit is raised for the run and restored in a finally.
 */
import { spawn, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

import os from 'node:os';

import { inotifyWatches } from './lib/inotify.mjs';
import { pythonWithWatchfiles } from './lib/python.mjs';
import { writeSection } from './lib/section.mjs';

// Trees of our own, kept between runs: the main bench removes its trees when it ends.
process.env.WATCHFILES_BENCH_DIR ||= path.join(os.tmpdir(), 'watchfiles-node-memory-bench');
const { ensureTree, treeName, TREES_DIR } = await import('./lib/tree.mjs');

const HERE = path.dirname(fileURLToPath(import.meta.url));
const REPO = path.join(HERE, '..');
const JSON_FILE = path.join(HERE, 'memory.json');
const WATCHES_FILE = '/proc/sys/fs/inotify/max_user_watches';

const SIZES = {
  '10k': { files: 10_000, dirs: 1_000 },
  '100k': { files: 100_000, dirs: 10_000 },
  '1m': { files: 1_000_000, dirs: 100_000 },
};

const ANCHORS = ['@parcel/watcher', 'python-watchfiles'];
const BASELINE = 'watchfiles-node (baseline)';

// ---------------------------------------------------------------------------------------------------------
// Child side: load the library, read RSS, watch, wait for ready, settle, read RSS again, print one JSON line.

function rssKb() {
  const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync('/proc/self/status', 'utf8'));
  return Number(m[1]);
}

const settle = (ms) => new Promise((r) => setTimeout(r, ms));

async function child(watcher, root, pkg) {
  let start;
  if (watcher.startsWith('watchfiles-node')) {
    const { subscribe } = await import(pathToFileURL(path.join(pkg, 'dist', 'index.js')).href);
    // The addon loads on the first subscribe(); load it now, with the rest of the library. @parcel/watcher's
    // and Python's binaries load on import, so their code is in "before"; ours would count ~1.5-2 MB of
    // mapped code pages as memory that watching added.
    const { createRequire } = await import('node:module');
    createRequire(import.meta.url)(path.join(pkg, 'index.cjs'));
    start = async () => {
      const sub = await subscribe(root, () => {});
      return () => sub.close();
    };
  } else {
    const { createRequire } = await import('node:module');
    const parcel = createRequire(import.meta.url)('@parcel/watcher');
    start = async () => {
      const sub = await parcel.subscribe(root, () => {}, { backend: 'inotify' });
      return () => sub.unsubscribe();
    };
  }
  await settle(300);
  global.gc?.();
  const before = rssKb();
  const t0 = process.hrtime.bigint();
  const close = await start();
  const readyMs = Number(process.hrtime.bigint() - t0) / 1e6;
  // What stays: the walk's garbage is collected (JS side), and the native side has settled.
  await settle(1000);
  global.gc?.();
  await settle(200);
  const after = rssKb();
  const watches = inotifyWatches(process.pid);
  process.stdout.write(`${JSON.stringify({ before, after, readyMs, watches })}\n`);
  await close();
  process.exit(0);
}

/** Python's watchfiles: RustNotify's constructor returns once notify has placed every watch (its ready). */
const PY_CHILD = `
import os, sys, time, json, gc
from watchfiles._rust_notify import RustNotify
def rss():
    for line in open('/proc/self/status'):
        if line.startswith('VmRSS:'):
            return int(line.split()[1])
def watches():
    n = 0
    for fd in os.listdir('/proc/self/fdinfo'):
        try:
            n += open('/proc/self/fdinfo/' + fd).read().count('inotify wd:')
        except OSError:
            pass
    return n
root = sys.argv[1]
time.sleep(0.3); gc.collect()
before = rss()
t0 = time.perf_counter_ns()
w = RustNotify([root], False, False, 300, True, False)
ready = (time.perf_counter_ns() - t0) / 1e6
time.sleep(1.2); gc.collect()
after = rss()
print(json.dumps({'before': before, 'after': after, 'readyMs': ready, 'watches': watches()}), flush=True)
w.close()
`;

// ---------------------------------------------------------------------------------------------------------
// Parent side.

function runChild(watcher, root, pkg, python, timeoutMs) {
  const [cmd, args] =
    watcher === 'python-watchfiles'
      ? [python, ['-c', PY_CHILD, root]]
      : [process.execPath, ['--expose-gc', fileURLToPath(import.meta.url), '--child', watcher, root, pkg]];
  return spawnChild(watcher, cmd, args, timeoutMs);
}

function spawnChild(watcher, cmd, args, timeoutMs) {
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    p.stdout.on('data', (d) => (out += d));
    p.stderr.on('data', (d) => (err += d));
    const timer = setTimeout(() => p.kill('SIGKILL'), timeoutMs);
    p.on('close', (code) => {
      clearTimeout(timer);
      const line = out.trim().split('\n').pop();
      if (code !== 0 || !line) return reject(new Error(`${watcher} child failed (${code}): ${err.trim() || out.trim()}`));
      resolve(JSON.parse(line));
    });
  });
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

function parseArgs(argv) {
  const opts = { sizes: ['10k', '100k'], rounds: 3, label: 'current', pkg: REPO, baseline: undefined };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = () => {
      if (i + 1 >= argv.length) throw new Error(`${a} needs a value`);
      return argv[++i];
    };
    if (a === '--sizes') opts.sizes = next().split(',');
    else if (a === '--rounds') opts.rounds = Number(next());
    else if (a === '--label') opts.label = next();
    else if (a === '--pkg') opts.pkg = path.resolve(next());
    else if (a === '--baseline') opts.baseline = path.resolve(next());
    else if (a === '--help') {
      process.stdout.write(fs.readFileSync(fileURLToPath(import.meta.url), 'utf8').split('*/')[0] + '*/\n');
      process.exit(0);
    } else throw new Error(`unknown option ${a} (see --help)`);
  }
  for (const s of opts.sizes) if (!SIZES[s]) throw new Error(`--sizes: unknown size ${s} (one of ${Object.keys(SIZES).join(', ')})`);
  if (!Number.isInteger(opts.rounds) || opts.rounds < 1) throw new Error('--rounds must be a positive integer');
  for (const [flag, dir] of [['--pkg', opts.pkg], ['--baseline', opts.baseline]]) {
    if (dir && !fs.existsSync(path.join(dir, 'dist', 'index.js'))) throw new Error(`${flag} ${dir} has no dist/index.js: run npm run build`);
  }
  return opts;
}

/** Raises max_user_watches when `need` does not fit; returns a function that puts the old value back. */
function ensureWatchLimit(need, log) {
  const old = Number(fs.readFileSync(WATCHES_FILE, 'utf8'));
  if (old >= need) return () => {};
  log(`raising ${WATCHES_FILE} from ${old} to ${need} for this run`);
  fs.writeFileSync(WATCHES_FILE, String(need));
  return () => {
    fs.writeFileSync(WATCHES_FILE, String(old));
    log(`restored ${WATCHES_FILE} to ${old}`);
  };
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  const log = (m) => process.stderr.write(`[memory] ${m}\n`);
  const python = pythonWithWatchfiles({ log });
  const results = [];
  const WATCHERS = ['watchfiles-node', ...(opts.baseline ? [BASELINE] : []), ...ANCHORS];
  const pkgOf = (w) => (w === BASELINE ? opts.baseline : opts.pkg);
  for (const size of opts.sizes) {
    const spec = SIZES[size];
    const root = path.join(ensureTree(spec, log), 'src');
    const restore = ensureWatchLimit(spec.dirs * 3 + 10_000, log); // three watchers' worth never run at once; margin for others
    try {
      const runs = Object.fromEntries(WATCHERS.map((w) => [w, []]));
      for (let r = 0; r < opts.rounds; r++) {
        for (const w of WATCHERS) {
          const res = await runChild(w, root, pkgOf(w), python, 600_000);
          const mb = (res.after - res.before) / 1024;
          log(`${treeName(spec)} round ${r + 1} ${w}: ${mb >= 0 ? '+' : ''}${mb.toFixed(1)} MB, ready ${res.readyMs.toFixed(0)} ms, ${res.watches} watches`);
          runs[w].push(res);
        }
      }
      for (const w of WATCHERS) {
        results.push({
          tree: treeName(spec),
          watcher: w,
          addedMb: median(runs[w].map((x) => (x.after - x.before) / 1024)),
          readyMs: median(runs[w].map((x) => x.readyMs)),
          watches: median(runs[w].map((x) => x.watches)),
          rounds: opts.rounds,
        });
      }
    } finally {
      restore();
    }
  }
  const all = fs.existsSync(JSON_FILE) ? JSON.parse(fs.readFileSync(JSON_FILE, 'utf8')) : {};
  all[opts.label] = { date: new Date().toISOString(), commit: gitCommit(), baseline: opts.baseline && baselineName(opts.baseline), results };
  fs.writeFileSync(JSON_FILE, `${JSON.stringify(all, null, 2)}\n`);
  writeSection('memory', report(all));
  log(`wrote ${path.relative(REPO, JSON_FILE)} and the memory section of bench/RESULTS.md (trees kept in ${TREES_DIR})`);
}

/** A baseline build is named by the COMMIT file beside its dist/, if it has one. */
function baselineName(dir) {
  const f = path.join(dir, 'COMMIT');
  return fs.existsSync(f) ? `commit ${fs.readFileSync(f, 'utf8').trim()}` : path.relative(REPO, dir);
}

function gitCommit() {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: REPO, encoding: 'utf8' }).trim();
  } catch {
    return undefined;
  }
}

function report(all) {
  const lines = [
    '## Memory and ready time of watching a tree',
    '',
    '`node bench/memory.mjs [--sizes 10k,100k,1m] [--label NAME]`: one child process per watcher per round, same',
    'tree, rounds interleaved, medians. "RSS added" = VmRSS after ready and 1 s settle minus VmRSS just before',
    'watching (library already loaded, our native addon included, as the others load theirs on import). Ready =',
    'until subscribe() resolved (ours, parcel) or the RustNotify constructor returned (Python watchfiles). Trees:',
    'files of a few bytes, ten files per leaf directory.',
    'watchfiles-node hands the allocator\'s free pages back to the OS after a walk of 10,000 entries or more',
    '(malloc_trim), which also returns free memory the process held before watching: at 10k files its figure',
    'can come out near zero or below; the 100k and 1M rows are dominated by what the watcher keeps.',
    'Runs before 2026-12-07 loaded our addon only at the first subscribe(), so their rows of ours (baseline',
    'included) also count the ~1.3-2 MB of its code pages; its load is counted in the import rows of',
    '`bench/idle.mjs` ("watchfiles-node + its native binary") instead.',
    '',
  ];
  for (const [label, run] of Object.entries(all)) {
    const base = run.baseline ? `; baseline = ${run.baseline}` : '';
    lines.push(`### ${label} (${run.date.slice(0, 16)}Z, commit ${run.commit ?? '?'}${base})`, '');
    lines.push('| tree | watcher | RSS added (MB) | ready (ms) | inotify watches | RSS vs Python | ready vs parcel | vs baseline (RSS, ready) |');
    lines.push('| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |');
    for (const r of run.results) {
      const py = run.results.find((x) => x.tree === r.tree && x.watcher === 'python-watchfiles');
      const pa = run.results.find((x) => x.tree === r.tree && x.watcher === '@parcel/watcher');
      const bl = run.results.find((x) => x.tree === r.tree && x.watcher === BASELINE);
      const ratio = (a, b) => (b > 0 ? `${(a / b).toFixed(2)}x` : '-');
      const vsBase = bl && r.watcher === 'watchfiles-node' ? `${ratio(r.addedMb, bl.addedMb)}, ${ratio(r.readyMs, bl.readyMs)}` : '';
      lines.push(
        `| ${r.tree} | ${r.watcher} | ${r.addedMb.toFixed(1)} | ${r.readyMs.toFixed(0)} | ${r.watches ?? '-'} | ${ratio(r.addedMb, py.addedMb)} | ${ratio(r.readyMs, pa.readyMs)} | ${vsBase} |`,
      );
    }
    lines.push('');
  }
  return lines.join('\n');
}

if (process.argv[2] === '--child') {
  await child(process.argv[3], process.argv[4], process.argv[5]);
} else {
  await main();
}
