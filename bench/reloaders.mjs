#!/usr/bin/env node
/**
 * StatReloader vs WatchfilesReloader, side by side in one run: idle CPU with 20,000 watched files, and the
 * time from an edit to the `reload` event. Each reloader runs in a fresh child process (so CPU is its own,
 * native threads included), on the same tree, watched two ways: 20,000 watchFile() calls (a module graph)
 * and one watchDir(root, '**\/*.js') glob.
 *
 *   npx tsup && node bench/reloaders.mjs [--files 20000] [--idle 10] [--edits 15]
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const SELF = fileURLToPath(import.meta.url);
const DIST = path.join(path.dirname(SELF), '..', 'dist', 'index.js');
const FILES_PER_DIR = 100;

const args = parseArgs(process.argv.slice(2));
if (args.child) await child(args);
else await parent(args);

function parseArgs(argv) {
  const out = { files: 20_000, idle: 10, edits: 15 };
  for (let i = 0; i < argv.length; i++) {
    const key = argv[i].replace(/^--/, '');
    if (key === 'child') out.child = true;
    else if (key === 'help') {
      console.log('node bench/reloaders.mjs [--files N] [--idle SECONDS] [--edits N]   (build first: npx tsup)');
      process.exit(0);
    } else if (['files', 'idle', 'edits'].includes(key)) out[key] = Number(argv[++i]);
    else if (['reloader', 'mode', 'root'].includes(key)) out[key] = argv[++i];
    else throw new Error(`unknown argument ${argv[i]} (see --help)`);
  }
  for (const k of ['files', 'idle', 'edits']) {
    if (!Number.isFinite(out[k]) || out[k] <= 0) throw new Error(`--${k} must be a positive number`);
  }
  return out;
}

async function parent({ files, idle, edits }) {
  if (!fs.existsSync(DIST)) throw new Error(`${DIST} is missing: build it with \`npx tsup\` first`);
  const root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'wf-bench-reloaders-')));
  try {
    const t0 = performance.now();
    makeTree(root, files);
    log(`tree: ${files} files in ${Math.ceil(files / FILES_PER_DIR)} directories (${(performance.now() - t0).toFixed(0)} ms)`);
    const results = [];
    for (const mode of ['files', 'glob']) {
      for (const reloader of ['stat', 'watchfiles']) {
        log(`${reloader} / ${mode}: ${idle} s idle, then ${edits} edits`);
        results.push(await runChild({ reloader, mode, root, files, idle, edits }));
      }
    }
    printTable(results, { files, idle, edits });
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
}

function makeTree(root, files) {
  for (let i = 0; i < files; i++) {
    const dir = path.join(root, 'src', `d${String(Math.floor(i / FILES_PER_DIR)).padStart(4, '0')}`);
    if (i % FILES_PER_DIR === 0) fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, `m${String(i % FILES_PER_DIR).padStart(3, '0')}.js`), `export const v${i} = ${i};\n`);
  }
}

function treeFiles(root, files) {
  const out = [];
  for (let i = 0; i < files; i++) {
    const dir = path.join(root, 'src', `d${String(Math.floor(i / FILES_PER_DIR)).padStart(4, '0')}`);
    out.push(path.join(dir, `m${String(i % FILES_PER_DIR).padStart(3, '0')}.js`));
  }
  return out;
}

function runChild(opts) {
  return new Promise((resolve, reject) => {
    const argv = [SELF, '--child'];
    for (const k of ['reloader', 'mode', 'root', 'files', 'idle', 'edits']) argv.push(`--${k}`, String(opts[k]));
    const proc = spawn(process.execPath, argv, { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    proc.stdout.on('data', (d) => (out += d));
    const limit = setTimeout(() => proc.kill('SIGKILL'), (opts.idle + opts.edits * 3 + 120) * 1000);
    proc.on('error', reject);
    proc.on('exit', (code, signal) => {
      clearTimeout(limit);
      if (code !== 0) return reject(new Error(`child ${opts.reloader}/${opts.mode} exited with ${code ?? signal}`));
      try {
        resolve(JSON.parse(out.trim().split('\n').pop()));
      } catch (e) {
        reject(new Error(`child ${opts.reloader}/${opts.mode} printed no result: ${out}`));
      }
    });
  });
}

async function child({ reloader: name, mode, root, files, idle, edits }) {
  const { StatReloader, WatchfilesReloader } = await import(DIST);
  // Defaults on purpose: Django's 1 s StatReloader against the watcher's defaults.
  const reloader = name === 'stat' ? new StatReloader() : new WatchfilesReloader();
  const all = treeFiles(root, files);
  const readyStart = performance.now();
  if (mode === 'files') for (const f of all) reloader.watchFile(f);
  else reloader.watchDir(path.join(root, 'src'), '**/*.js');

  let waiting;
  reloader.on('reload', (changes) => {
    if (waiting && changes.some((c) => c.path === waiting.path)) waiting.resolve(performance.now());
  });
  // Drive the loop by hand (run() minus autoreloadStarted), so the first tick marks "watching".
  const ticker = reloader.tick();
  await ticker.next();
  const readyMs = performance.now() - readyStart;
  const loop = (async () => {
    for (;;) if ((await ticker.next()).done) return;
  })();

  global.gc?.();
  const cpu0 = process.cpuUsage();
  const wall0 = performance.now();
  await sleep(idle * 1000);
  const cpu = process.cpuUsage(cpu0);
  const wallMs = performance.now() - wall0;
  const idleCpu = ((cpu.user + cpu.system) / 1000 / wallMs) * 100;
  const rssMb = process.memoryUsage().rss / 1048576;

  const backend = reloader.backend; // read while watching: stop() closes the subscriptions
  const latencies = [];
  for (let i = 0; i < edits; i++) {
    const target = all[(i * 7919) % all.length];
    // A random pause as long as a poll interval, so edits land at every phase of it.
    await sleep(50 + Math.random() * 1000);
    const seen = new Promise((resolve) => (waiting = { path: target, resolve }));
    const t0 = performance.now();
    fs.appendFileSync(target, `// edit ${i}\n`);
    const t1 = await Promise.race([seen, sleep(10_000).then(() => NaN)]);
    latencies.push(t1 - t0);
    waiting = undefined;
  }
  await reloader.stop();
  await loop;
  const ok = latencies.filter(Number.isFinite).sort((a, b) => a - b);
  console.log(
    JSON.stringify({
      reloader: name,
      mode,
      backend,
      readyMs,
      idleCpu,
      rssMb,
      lost: latencies.length - ok.length,
      p50: ok[Math.floor((ok.length - 1) / 2)] ?? NaN,
      max: ok[ok.length - 1] ?? NaN,
    }),
  );
}

function printTable(results, { files, idle, edits }) {
  const rows = [
    ['reloader', 'watches', 'backend', 'ready ms', `idle CPU (${idle} s)`, 'RSS MB', 'edit->reload p50', 'max', 'lost'],
    ...results.map((r) => [
      r.reloader === 'stat' ? 'StatReloader' : 'WatchfilesReloader',
      r.mode === 'files' ? `${files} x watchFile` : `watchDir **/*.js`,
      r.backend,
      r.readyMs.toFixed(0),
      `${r.idleCpu.toFixed(2)} %`,
      r.rssMb.toFixed(0),
      `${r.p50.toFixed(0)} ms`,
      `${r.max.toFixed(0)} ms`,
      `${r.lost}/${edits}`,
    ]),
  ];
  const widths = rows[0].map((_, i) => Math.max(...rows.map((row) => String(row[i]).length)));
  const line = (row) => `| ${row.map((c, i) => String(c).padEnd(widths[i])).join(' | ')} |`;
  console.log(`\nReloaders, ${files} files, node ${process.version}, ${os.cpus().length} x ${os.cpus()[0]?.model ?? 'cpu'}`);
  console.log(line(rows[0]));
  console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  for (const row of rows.slice(1)) console.log(line(row));
  console.log('idle CPU: % of one core while nothing changes. edit->reload: appendFile() to the `reload` event.');
}

function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function log(line) {
  process.stderr.write(`[reloaders bench] ${line}\n`);
}
