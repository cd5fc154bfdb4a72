#!/usr/bin/env node
/**
 * What it costs to load the library and to watch with nothing happening, side by side in one run:
 *
 * - Import cost: RSS of a Node that has loaded the package (ESM `import()` and CommonJS `require`) minus the RSS
 *   of an empty Node, for us, @parcel/watcher and chokidar; and `import watchfiles` in python3 minus an empty
 *   python3 (Python's watchfiles, installed from PyPI into .cache/pyvenv on first use).
 * - Idle CPU: every way of watching (watch(), subscribe(), each reloader, the CLI runner with its child and warm
 *   spare, the chokidar facade; @parcel/watcher and chokidar for reference) on a 20,000-file tree, `--seconds`
 *   (60) with no change. CPU is read from /proc for the whole process tree (utime+stime of /proc/<pid>/stat, in
 *   clock ticks; and the on-CPU nanoseconds of every thread from /proc/<pid>/task/<tid>/schedstat, which
 *   resolve below a tick), and an idle `node -e 'setInterval(()=>{},1e9)'` measured in the same run is
 *   subtracted once per Node process in the tree.
 *
 * Writes the `idle` section of bench/RESULTS.md and prints the tables. Linux only (/proc).
 *
 *   npm run build && npm run bench:idle [-- --seconds 60 --files 20000 --only runner,watch --no-python]
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { pythonWithWatchfiles } from './lib/python.mjs';
import { writeSection } from './lib/section.mjs';

const SELF = fileURLToPath(import.meta.url);
const ROOT = path.resolve(path.dirname(SELF), '..');
const FILES_PER_DIR = 100;
const CLK_TCK = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' })) || 100;
const IDLE_NODE = ['-e', 'setInterval(() => {}, 1e9)'];
/** The import rows of ours with the native binary loaded (it loads at the first watch, theirs at import). */
const WITH_BINARY = 'watchfiles-node + its native binary';

/** The idle rows: one child process each (the runner: a process tree). `ours` marks the rows the ≤ 0.02% goal is for. */
const WATCHERS = [
  { id: 'watch', label: 'watch() iterator', ours: true },
  { id: 'subscribe', label: 'subscribe()', ours: true },
  { id: 'watchfiles-files', label: 'WatchfilesReloader, 20k watchFile()', ours: true },
  { id: 'watchfiles-glob', label: "WatchfilesReloader, watchDir('**/*.js')", ours: true },
  { id: 'watchfiles-tick', label: "WatchfilesReloader driven by tick() (an empty batch each 1 s `timeout`, by contract)", ours: false },
  { id: 'watchman', label: 'WatchmanReloader (watchman daemon not counted)', ours: true, needs: 'watchman' },
  { id: 'stat', label: 'StatReloader (polls every file each second, by design)', ours: false },
  { id: 'runner', label: 'CLI runner + child + warm spare', ours: true },
  { id: 'facade', label: 'chokidar facade (watchfiles-node/chokidar)', ours: true },
  { id: 'parcel', label: '@parcel/watcher subscribe()', ours: false },
  { id: 'chokidar', label: 'chokidar 5', ours: false },
];

const args = parseArgs(process.argv.slice(2));
// Another build of the package can be measured (a before/after comparison): --dist <its dist/ directory>.
const DIST = args.dist ? path.resolve(args.dist) : path.join(ROOT, 'dist');
const log = (line) => process.stderr.write(`[idle] ${line}\n`);
const wants = (id) => !args.only || args.only.has(id);
if (args.child) await child(args.child, args.root);
else await main(args);

function parseArgs(argv) {
  const out = { seconds: 60, settle: 30, files: 20_000, repeats: 5, python: true, only: undefined, write: true };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      if (i + 1 >= argv.length) throw new Error(`${a} needs a value (see --help)`);
      return argv[++i];
    };
    if (a === '--help') {
      console.log(
        'node bench/idle.mjs [--seconds 60] [--settle 15] [--files 20000] [--repeats 5] [--only import,watch,runner,...] [--no-python] [--no-write] [--dist dir] [--before old-dist-dir]',
      );
      process.exit(0);
    } else if (a === '--child') out.child = value();
    else if (a === '--root') out.root = value();
    else if (a === '--dist') out.dist = value();
    else if (a === '--before') out.before = path.resolve(value());
    else if (a === '--before-label') out.beforeLabel = value();
    else if (a === '--seconds' || a === '--settle' || a === '--files' || a === '--repeats') {
      const n = Number(value());
      if (!Number.isFinite(n) || n <= 0) throw new Error(`${a} must be a positive number`);
      out[a.slice(2)] = n;
    } else if (a === '--only') out.only = new Set(value().split(','));
    else if (a === '--no-python') out.python = false;
    else if (a === '--no-write') out.write = false;
    else throw new Error(`unknown argument ${a} (see --help)`);
  }
  if (out.only) {
    const known = new Set(['import', 'baseline', ...WATCHERS.map((w) => w.id)]);
    for (const id of out.only) if (!known.has(id)) throw new Error(`--only: unknown row "${id}" (one of ${[...known].join(', ')})`);
  }
  return out;
}


async function main({ seconds, files, repeats, python }) {
  if (process.platform !== 'linux') throw new Error('bench/idle.mjs reads /proc: Linux only');
  for (const f of ['index.js', 'index.cjs', 'cli.js', 'chokidar.js']) {
    if (!fs.existsSync(path.join(DIST, f))) throw new Error(`dist/${f} is missing: run \`npm run build\` first`);
  }
  const sections = [];
  const raw = { when: new Date().toISOString(), node: process.version, cpus: os.cpus().length, clkTck: CLK_TCK };

  if (wants('import')) {
    raw.import = importCost(repeats * 2 + 1, python);
    sections.push(importTable(raw.import));
    console.log(sections.at(-1));
  }

  const rows = [];
  for (const w of WATCHERS.filter((x) => wants(x.id) && available(x))) {
    rows.push({ ...w, dist: DIST });
    // --before: the same row on an older build, in the same run and on the same tree.
    if (args.before && w.ours) rows.push({ ...w, dist: args.before, label: `${w.label}, before`, before: true });
  }
  if (rows.length) {
    const root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'wf-bench-idle-')));
    try {
      makeTree(root, files);
      log(`tree: ${files} files in ${Math.ceil(files / FILES_PER_DIR)} directories`);
      // The baseline first and last: an idle Node's own CPU in this run, on this machine's load.
      const baseline = [await measure({ id: 'baseline' }, root, seconds)];
      const measured = [];
      for (const w of rows) measured.push({ ...w, ...(await measure(w, root, seconds)) });
      for (const m of measured) delete m.dist;
      baseline.push(await measure({ id: 'baseline' }, root, seconds));
      raw.idle = { seconds, settle: args.settle, files, baseline, rows: measured };
      sections.push(idleTable(raw.idle));
      console.log(sections.at(-1));
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  }

  if (args.write && sections.length) {
    const md = [
      '## Import cost and idle CPU (`bench/idle.mjs`)',
      '',
      `Run ${raw.when} on Node ${raw.node}, ${raw.cpus} cores (shared machine: compare within a run). ` +
        `Command: \`npm run build && npm run bench:idle${args.before ? ' -- --before <old dist/>' : ''}\`` +
        `${args.dist ? ` (package from ${args.dist})` : ''}.` +
        (args.before ? ` Rows marked "before" are the same measurement on ${args.beforeLabel ?? 'an older build'}, in this run.` : ''),
      '',
      ...sections,
      '<details><summary>raw figures</summary>',
      '',
      '```json',
      JSON.stringify(raw, null, 1),
      '```',
      '',
      '</details>',
    ].join('\n');
    log(`wrote the idle section of ${writeSection('idle', md)}`);
  }
}

function available(w) {
  if (w.needs === 'watchman') return spawnSync('watchman', ['--version'], { encoding: 'utf8' }).status === 0;
  return true;
}

// ---------------------------------------------------------------------------------------------------- import

/** RSS (bytes) of a fresh process after `code` ran, median of `n`. */
function rssAfter(command, argv, n) {
  const xs = [];
  for (let i = 0; i < n; i++) {
    const out = execFileSync(command, argv, { cwd: ROOT, encoding: 'utf8' });
    xs.push(Number(out.trim()));
  }
  xs.sort((a, b) => a - b);
  return xs[Math.floor(xs.length / 2)];
}

/**
 * `then`: code run on the loaded module `m` (ours: `m.nativeLoadError()`, which loads the native binary, as
 * @parcel/watcher's and Python's imports load theirs).
 */
function nodeRss(kind, spec, n, then = '') {
  // A script file, not `node -e`: -e itself loads modules (node:crypto) that would hide what the library loads.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wf-bench-import-'));
  const print = 'setTimeout(() => process.stdout.write(String(process.memoryUsage().rss)), 20);';
  const file = path.join(dir, kind === 'esm' ? 'probe.mjs' : 'probe.cjs');
  const load =
    spec === undefined ? '' : kind === 'esm' ? `const m = await import(${JSON.stringify(spec)});` : `const m = require(${JSON.stringify(spec)});`;
  fs.writeFileSync(file, `${load}\n${then}\n${print}\n`);
  try {
    return rssAfter(process.execPath, [file], n);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Python's watchfiles for the import row, or undefined (the row is left out, with a line saying why). */
function pythonOrSkip() {
  try {
    return pythonWithWatchfiles({ log });
  } catch (error) {
    log(`no Python row: ${error.message}`);
    return undefined;
  }
}

function importCost(n, python) {
  const resolve = (spec) => path.join(ROOT, 'node_modules', spec);
  const emptyEsm = nodeRss('esm', undefined, n);
  const emptyCjs = nodeRss('cjs', undefined, n);
  const rows = [];
  const add = (lib, kind, spec, then) => {
    log(`import cost: ${lib} (${kind})`);
    const rss = nodeRss(kind, spec, n, then);
    rows.push({ lib, kind, rss, addedMb: (rss - (kind === 'esm' ? emptyEsm : emptyCjs)) / 1048576 });
  };
  add('watchfiles-node', 'esm', path.join(DIST, 'index.js'));
  add('watchfiles-node', 'cjs', path.join(DIST, 'index.cjs'));
  // Our binary loads at the first watch; theirs at import. This row is ours ready to watch, like theirs.
  add(WITH_BINARY, 'esm', path.join(DIST, 'index.js'), 'm.nativeLoadError();');
  add(WITH_BINARY, 'cjs', path.join(DIST, 'index.cjs'), 'm.nativeLoadError();');
  if (args.before) {
    add('watchfiles-node, before', 'esm', path.join(args.before, 'index.js'));
    add('watchfiles-node, before', 'cjs', path.join(args.before, 'index.cjs'));
  }
  add('@parcel/watcher', 'esm', resolve('@parcel/watcher/index.js'));
  add('@parcel/watcher', 'cjs', resolve('@parcel/watcher/index.js'));
  add('chokidar 5', 'esm', resolve('chokidar/index.js'));
  const py = python ? pythonOrSkip() : undefined;
  if (py) {
    log("import cost: Python's watchfiles");
    const code = (load) => `${load}\nfor l in open('/proc/self/status'):\n  if l.startswith('VmRSS:'): print(int(l.split()[1]) * 1024)`;
    const empty = rssAfter(py, ['-c', code('')], n);
    const rss = rssAfter(py, ['-c', code('import watchfiles')], n);
    const version = execFileSync(py, ['-c', 'import watchfiles; print(watchfiles.__version__)'], { encoding: 'utf8' }).trim();
    rows.push({ lib: `watchfiles ${version} (Python ${pythonVersion(py)})`, kind: 'import', rss, addedMb: (rss - empty) / 1048576 });
  }
  return { samples: n, emptyEsm, emptyCjs, rows };
}

function pythonVersion(py) {
  return execFileSync(py, ['-c', 'import sys; print("%d.%d" % sys.version_info[:2])'], { encoding: 'utf8' }).trim();
}

function importTable({ samples, rows }) {
  // Ratios are to ours ready to watch (binary loaded), the form the others' imports have.
  const ours = rows.filter((r) => r.lib === WITH_BINARY);
  const py = rows.find((r) => r.kind === 'import');
  const lines = [
    `### Import cost (RSS added by loading the library; median of ${samples} fresh processes each)`,
    '',
    '| library | how | RSS added | ratio to ours with its binary (same form) |',
    '| --- | --- | ---: | ---: |',
  ];
  for (const r of rows) {
    const mine = ours.find((o) => o.kind === r.kind) ?? ours.find((o) => o.kind === 'cjs');
    const ratio = mine && mine.addedMb > 0 ? (r.addedMb / mine.addedMb).toFixed(2) : 'n/a';
    lines.push(`| ${r.lib.startsWith('watchfiles-node') ? `**${r.lib}**` : r.lib} | ${howLabel(r.kind)} | ${r.addedMb.toFixed(1)} MB | ${ratio} |`);
  }
  lines.push('');
  lines.push(
    'Each figure is against an empty script of the same form (an empty ES module already costs ~1.4 MB more ' +
      'than an empty CommonJS script: the ESM loader), and python3 against an empty python3. Goal: at most 6 MB. ' +
      `Our native binary loads at the first watch, not at import; "${WITH_BINARY}" loads it too (nativeLoadError()), ` +
      "as @parcel/watcher's and Python's imports load theirs: compare those rows with theirs. " +
      (py ? `Python's watchfiles adds ${py.addedMb.toFixed(1)} MB (its ratio is against our CommonJS figure).` : ''),
  );
  lines.push('');
  return lines.join('\n');
}

function howLabel(kind) {
  return kind === 'esm' ? '`import()`' : kind === 'cjs' ? '`require()`' : '`import watchfiles`';
}

// ------------------------------------------------------------------------------------------------------ idle

function makeTree(root, files) {
  for (let i = 0; i < files; i++) {
    const dir = path.join(root, 'src', `d${String(Math.floor(i / FILES_PER_DIR)).padStart(4, '0')}`);
    if (i % FILES_PER_DIR === 0) fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, `m${String(i % FILES_PER_DIR).padStart(3, '0')}.js`), `export const v${i} = ${i};\n`);
  }
}

/** The pids of `pid` and all its descendants, from /proc/<pid>/task/<tid>/children. */
function processTree(pid) {
  const out = [];
  const stack = [pid];
  while (stack.length) {
    const p = stack.pop();
    out.push(p);
    let tasks = [];
    try {
      tasks = fs.readdirSync(`/proc/${p}/task`);
    } catch {
      continue; // gone
    }
    for (const t of tasks) {
      try {
        for (const c of fs.readFileSync(`/proc/${p}/task/${t}/children`, 'utf8').trim().split(/\s+/)) if (c) stack.push(Number(c));
      } catch {
        // thread gone
      }
    }
  }
  return out;
}

/** utime+stime (clock ticks) and on-CPU ns of every thread, summed over `pids`; and how many are Node. */
function cpuOf(pids) {
  let ticks = 0;
  let ns = 0;
  let nodes = 0;
  for (const pid of pids) {
    try {
      const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      ticks += Number(fields[11]) + Number(fields[12]); // utime, stime (fields 14 and 15 of proc(5))
      for (const t of fs.readdirSync(`/proc/${pid}/task`)) {
        ns += Number(fs.readFileSync(`/proc/${pid}/task/${t}/schedstat`, 'utf8').split(' ')[0]);
      }
      if (fs.readlinkSync(`/proc/${pid}/exe`) === process.execPath) nodes++;
    } catch {
      // exited between the listing and the read
    }
  }
  return { ticks, ns, nodes };
}

/** Starts the row's process, waits until it is watching (and settled), then measures `seconds` of idle. */
async function measure(w, root, seconds) {
  log(`${w.id}: starting`);
  const { proc, ready, expect } = startRow(w, root);
  let stderr = '';
  proc.stderr?.on('data', (d) => (stderr += d));
  const exited = new Promise((resolve) => proc.once('exit', (code, signal) => resolve(code ?? signal)));
  try {
    const readyAt = performance.now();
    const outcome = await Promise.race([
      ready.then(() => 'ready'),
      exited.then((code) => `exited with ${code}`),
      delay(120_000).then(() => 'no ready signal in 120 s'),
    ]);
    if (outcome !== 'ready') throw new Error(`${w.id}: ${outcome}\n${stderr}`);
    // The runner's warm spare starts after the child: wait until the whole tree is there.
    if (expect) {
      const until = performance.now() + 60_000;
      while (processTree(proc.pid).length < expect && performance.now() < until) await delay(100);
    }
    const readyMs = performance.now() - readyAt;
    // Start-up work settles first: the first ticks, and V8's memory reducer, which collects what the start-up
    // allocated in up to a few full GCs 8 s apart (one of ~45 ms at ~20 s for the facade's 10 MB heap).
    // Measured on its own, not hidden: the "settle" column.
    const settle0 = cpuOf(processTree(proc.pid));
    await delay(args.settle * 1000);
    const pids = processTree(proc.pid);
    const before = cpuOf(pids);
    const t0 = performance.now();
    await delay(seconds * 1000);
    const after = cpuOf(pids);
    const wallS = (performance.now() - t0) / 1000;
    const r = {
      readyMs: Math.round(readyMs),
      settleS: args.settle,
      processes: pids.length,
      nodes: after.nodes,
      wallS: Number(wallS.toFixed(2)),
      ticks: after.ticks - before.ticks,
      ms: (after.ns - before.ns) / 1e6,
      settleMs: (before.ns - settle0.ns) / 1e6,
    };
    log(`${w.id}: ${r.ticks} ticks, ${r.ms.toFixed(1)} ms on CPU in ${r.wallS} s (${r.processes} processes)`);
    return r;
  } finally {
    // The runner's group: its own stop (SIGINT) stops the child and the spare; SIGKILL after a bound.
    proc.kill('SIGINT');
    const gone = await Promise.race([exited.then(() => true), delay(15_000).then(() => false)]);
    if (!gone) {
      for (const pid of processTree(proc.pid).reverse()) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
      await exited;
    }
  }
}

function startRow(w, root) {
  if (w.id === 'baseline') {
    const proc = spawn(process.execPath, IDLE_NODE, { stdio: ['ignore', 'ignore', 'pipe'] });
    return { proc, ready: new Promise((resolve) => proc.once('spawn', resolve)) };
  }
  if (w.id === 'runner') {
    // The CLI as a user runs it: an idle Node child, its warm spare held, the tree watched.
    const proc = spawn(process.execPath, [path.join(w.dist, 'cli.js'), `${process.execPath} ${IDLE_NODE[0]} "${IDLE_NODE[1]}"`, root], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    const ready = new Promise((resolve) => {
      let text = '';
      proc.stderr.on('data', (d) => {
        text += d;
        if (/watching/.test(text)) resolve();
      });
    });
    return { proc, ready, expect: 3 };
  }
  const proc = spawn(process.execPath, [SELF, '--child', w.id, '--root', root, '--dist', w.dist], { stdio: ['ignore', 'pipe', 'pipe'] });
  const ready = new Promise((resolve) => {
    let text = '';
    proc.stdout.on('data', (d) => {
      text += d;
      if (text.includes('ready\n')) resolve();
    });
  });
  return { proc, ready };
}

/** One watcher with nothing to do, until SIGINT. Prints `ready` once it watches. */
async function child(id, root) {
  const src = path.join(root, 'src');
  const stops = [];
  const fail = (e) => {
    process.stderr.write(`${id}: ${e?.stack ?? e}\n`);
    process.exit(1);
  };
  if (id === 'watch') {
    const { watch } = await import(path.join(DIST, 'index.js'));
    const ac = new AbortController();
    stops.push(() => ac.abort());
    const it = watch(src, { signal: ac.signal })[Symbol.asyncIterator]();
    // The watcher starts with the first next(); there is no ready signal before a change, so wait until the
    // walk has placed its watches: the iterator is pulled and the inotify instance exists.
    const pending = it.next().catch(fail);
    await waitForInotify();
    stops.push(() => pending);
  } else if (id === 'subscribe') {
    const { subscribe } = await import(path.join(DIST, 'index.js'));
    const sub = await subscribe(src, () => {});
    stops.push(() => sub.close());
  } else if (['watchfiles-files', 'watchfiles-glob', 'watchfiles-tick', 'watchman', 'stat'].includes(id)) {
    const lib = await import(path.join(DIST, 'index.js'));
    const reloader =
      id === 'stat' ? new lib.StatReloader() : id === 'watchman' ? new lib.WatchmanReloader() : new lib.WatchfilesReloader();
    if (id === 'watchfiles-files') {
      for (const d of fs.readdirSync(src)) for (const f of fs.readdirSync(path.join(src, d))) reloader.watchFile(path.join(src, d, f));
    } else reloader.watchDir(src, '**/*.js');
    if (id === 'watchfiles-tick') {
      // The loop driven by hand, as a test or a custom loop would: the first tick places the watches.
      const ticker = reloader.tick();
      await ticker.next();
      const loop = (async () => {
        for (;;) if ((await ticker.next()).done) return;
      })().catch(fail);
      stops.push(() => reloader.stop().then(() => loop));
    } else {
      // As a user (and the register hook) runs it. Ready once the watches are in place.
      const running = reloader.run().catch(fail);
      for (let i = 0; i < 12_000 && !(reloader.backend || id === 'stat'); i++) await delay(10);
      if (id === 'stat') await delay(2000); // its first pass records the baseline
      stops.push(() => reloader.stop().then(() => running));
    }
  } else if (id === 'facade') {
    const { watch } = await import(path.join(DIST, 'chokidar.js'));
    const w = watch(src);
    await new Promise((resolve, reject) => w.once('ready', resolve).once('error', reject));
    stops.push(() => w.close());
  } else if (id === 'parcel') {
    const parcel = (await import('@parcel/watcher')).default;
    const sub = await parcel.subscribe(src, () => {});
    stops.push(() => sub.unsubscribe());
  } else if (id === 'chokidar') {
    const { watch } = await import('chokidar');
    const w = watch(src);
    await new Promise((resolve, reject) => w.once('ready', resolve).once('error', reject));
    stops.push(() => w.close());
  } else {
    throw new Error(`unknown row ${id}`);
  }
  process.once('SIGINT', async () => {
    for (const stop of stops) await stop();
    process.exit(0);
  });
  process.stdout.write('ready\n');
  // Keep the process alive whatever the watcher does about it (persistent or not).
  setInterval(() => {}, 1e9);
}

/** Until this process has an inotify instance (the watch() iterator placed its watches). */
async function waitForInotify() {
  for (let i = 0; i < 1200; i++) {
    for (const fd of fs.readdirSync('/proc/self/fd')) {
      try {
        if (fs.readlinkSync(`/proc/self/fd/${fd}`) === 'anon_inode:inotify') return delay(500);
      } catch {
        // closed meanwhile
      }
    }
    await delay(50);
  }
  throw new Error('watch(): no inotify instance after 60 s');
}

function idleTable({ seconds, settle, files, baseline, rows }) {
  const base = {
    ticks: median(baseline.map((b) => b.ticks)),
    ms: median(baseline.map((b) => b.ms)),
  };
  const pct = (ms) => (ms / 1000 / seconds) * 100;
  const lines = [
    `### Idle CPU (${files.toLocaleString('en-US')} files, ${seconds} s with no change; % of one core)`,
    '',
    `An idle Node (\`node -e 'setInterval(()=>{},1e9)'\`, measured first and last) used ${base.ms.toFixed(1)} ms ` +
      `(${base.ticks} ticks of 1/${CLK_TCK} s); it is subtracted once per Node process in the row's tree. ` +
      'Goal for ours: at most 0.02% above idle Node. "on-CPU" sums every thread\'s schedstat run time; "ticks" is ' +
      `utime+stime from /proc/<pid>/stat (10 ms resolution). "settle" is the ${settle} s between ready and the ` +
      "idle window: start-up's last work and V8's memory reducer (a few one-off full GCs of what start-up " +
      'allocated, 8 s apart), which is not a recurring cost and not counted against the goal.',
    '',
    '| way of watching | processes | settle: on-CPU ms | idle: on-CPU ms | idle: ticks | above idle Node | goal |',
    '| --- | ---: | ---: | ---: | ---: | ---: | --- |',
  ];
  for (const r of rows) {
    const above = Math.max(0, pct(r.ms - base.ms * Math.max(1, r.nodes)));
    const goal = r.ours ? (above <= 0.02 ? 'met' : '**missed**') : 'n/a';
    const label = r.ours ? `**${r.label}**` : r.label;
    lines.push(`| ${label} | ${r.processes} | ${r.settleMs.toFixed(1)} | ${r.ms.toFixed(1)} | ${r.ticks} | ${above.toFixed(3)}% | ${goal} |`);
  }
  lines.push('');
  return lines.join('\n');
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

function delay(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
