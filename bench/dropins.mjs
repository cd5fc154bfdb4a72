#!/usr/bin/env node
/**
 * The webpack and Vite drop-ins against each tool's own watcher (watchpack, chokidar), on the same
 * project (bench/lib/dropins/projects.mjs), one process per tool and watcher, side by side in one run:
 *   - inotify watches held once watching (/proc/<pid>/fdinfo of the inotify fds);
 *   - start-up: spawn to ready (first build done / server listening), and to the moment the watch count
 *     stops growing (Vite's chokidar keeps walking after the server listens);
 *   - idle CPU over --idle-ms with nothing changing, and RSS;
 *   - edit to reaction, median and p95 of --edits edits: webpack's `invalid` hook (the watcher saw it) and
 *     the finished rebuild; Vite's HMR message on a real websocket client (a CSS edit, hot-updated).
 * Writes its section of bench/RESULTS.md (between the `dropins` markers; bench/run.mjs keeps it) and bench/dropins.json.
 *
 * Start-up is measured --rounds times (ours and theirs alternating; the median is reported), the rest once.
 *
 *   node bench/dropins.mjs [--edits 10] [--rounds 3] [--idle-ms 5000] [--only webpack,webpack-context,wds,vite6,vite7,vite8] [--no-write]
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { inotifyWatches } from './lib/inotify.mjs';
import { makeDropinProject } from './lib/dropins/projects.mjs';
import { writeSection } from './lib/section.mjs';

const REPO = fileURLToPath(new URL('..', import.meta.url));
const LIB = path.join(REPO, 'bench', 'lib', 'dropins');
const { values: opts } = parseArgs({
  options: {
    edits: { type: 'string', default: '10' },
    rounds: { type: 'string', default: '3' },
    'idle-ms': { type: 'string', default: '5000' },
    only: { type: 'string' },
    'no-write': { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (opts.help) {
  process.stdout.write(fs.readFileSync(fileURLToPath(import.meta.url), 'utf8').split('*/')[0] + '*/\n');
  process.exit(0);
}
const EDITS = Number(opts.edits);
const ROUNDS = Math.max(1, Number(opts.rounds));
const IDLE_MS = Number(opts['idle-ms']);
const SETTLE_MS = 300;
const log = (line) => process.stderr.write(`[dropins ${new Date().toISOString().slice(11, 19)}] ${line}\n`);

const TOOLS = [
  { id: 'webpack', label: 'webpack 5 --watch', kind: 'webpack', how: 'watch', env: {} },
  { id: 'webpack-context', label: 'webpack 5 --watch, project root as a context dependency (Tailwind-style content globs)', kind: 'webpack', how: 'watch', env: { WEBPACK_CONTEXT_ROOT: '1' } },
  { id: 'wds', label: 'webpack-dev-server 5', kind: 'webpack', how: 'serve', env: {} },
  { id: 'vite6', label: 'Vite 6', kind: 'vite', pkg: 'vite6' },
  { id: 'vite7', label: 'Vite 7', kind: 'vite', pkg: 'vite7' },
  { id: 'vite8', label: 'Vite 8', kind: 'vite', pkg: 'vite8' },
].filter((t) => !opts.only || opts.only.split(',').includes(t.id));

function version(pkg) {
  return JSON.parse(fs.readFileSync(path.join(REPO, 'node_modules', pkg, 'package.json'), 'utf8')).version;
}

/** A driver child: JSON lines on stdout, with a waiter. */
function spawnDriver(args, env) {
  const t0 = Date.now();
  const child = spawn(process.execPath, args, { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  const events = [];
  let buf = '';
  let err = '';
  child.stdout.setEncoding('utf8').on('data', (c) => {
    buf += c;
    let i;
    while ((i = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 1);
      try {
        events.push(JSON.parse(line));
      } catch {
        err += line + '\n';
      }
    }
  });
  child.stderr.setEncoding('utf8').on('data', (c) => (err += c));
  const exited = new Promise((r) => child.on('exit', r));
  const next = async (match, what, from = 0, timeoutMs = 30_000) => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const e = events.slice(from).find(match);
      if (e) return e;
      if (child.exitCode !== null) throw new Error(`driver exited while waiting for ${what}: ${err.slice(-1500)}`);
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${err.slice(-1500)}`);
      await new Promise((r) => setTimeout(r, 5));
    }
  };
  const stop = async () => {
    child.stdin.end();
    const t = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(t);
  };
  return { child, events, next, stop, t0 };
}

function cpuTicks(pid) {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(fields[11]) + Number(fields[12]); // utime + stime, in clock ticks (1/100 s)
}
function rssMiB(pid) {
  const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

/** Waits until the watch count has not changed for 500 ms; returns [count, ms since spawn when it last changed]. */
async function settleWatches(d) {
  let last = inotifyWatches(d.child.pid);
  let lastChange = Date.now();
  while (Date.now() - lastChange < 500) {
    await new Promise((r) => setTimeout(r, 20));
    const n = inotifyWatches(d.child.pid);
    if (n !== last) {
      last = n;
      lastChange = Date.now();
    }
  }
  return [last, lastChange - d.t0];
}

async function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}
const get = (port, p) =>
  new Promise((resolve, reject) => {
    http.get({ host: '127.0.0.1', port, path: p }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (c) => (body += c)).on('end', () => resolve(body));
    }).on('error', reject);
  });

/** Waits until the driver has said nothing for `quietMs` (webpack may run a follow-up build). */
async function quiet(d, quietMs = 400) {
  let n = d.events.length;
  let since = Date.now();
  while (Date.now() - since < quietMs) {
    await new Promise((r) => setTimeout(r, 20));
    if (d.events.length !== n) {
      n = d.events.length;
      since = Date.now();
    }
  }
}

async function measure(tool, mode, project, startOnly = false) {
  const ours = mode === 'ours';
  let d;
  let port;
  if (tool.kind === 'webpack') {
    d = spawnDriver([path.join(LIB, 'webpack-driver.cjs'), project, mode, tool.how, REPO], tool.env);
  } else {
    port = await freePort();
    const env = ours ? { WATCHFILES_VITE_PLUGIN: pathToFileURL(path.join(REPO, 'dist', 'vite.js')).href } : {};
    d = spawnDriver([path.join(LIB, 'vite-driver.mjs'), project, tool.pkg, String(port), REPO], env);
  }
  try {
    const ready = await d.next((e) => e.event === 'ready', 'ready', 0, 120_000);
    const readyMs = ready.at ? ready.at - d.t0 : Date.now() - d.t0;
    if (tool.kind === 'vite') {
      await d.next((e) => e.event === 'hmr' && e.payload.type === 'connected', 'the HMR client');
      await get(port, '/src/index.js');
      await get(port, '/src/style.css');
    }
    const [watches, watchingMs] = await settleWatches(d);
    if (startOnly) return { readyMs, watchingMs };

    const c0 = cpuTicks(d.child.pid);
    await new Promise((r) => setTimeout(r, IDLE_MS));
    const idleCpu = ((cpuTicks(d.child.pid) - c0) * 10) / IDLE_MS; // fraction of one core
    const rss = rssMiB(d.child.pid);

    const notice = [];
    const done = [];
    for (let i = 0; i < EDITS; i++) {
      await quiet(d);
      const from = d.events.length;
      if (tool.kind === 'webpack') {
        const file = path.join(project, 'src', 'part0', 'm0.js');
        const t = Date.now();
        fs.writeFileSync(file, `export const m0 = ${mode === 'ours' ? 1 : 2}${i};\n`);
        const inv = await d.next((e) => e.event === 'invalid' && e.file === file, 'webpack invalid', from);
        const build = await d.next((e) => e.event === 'build' && e.modified.includes(file), 'the rebuild', from);
        notice.push(inv.at - t);
        done.push(build.at - t);
      } else {
        const file = path.join(project, 'src', 'style.css');
        const t = Date.now();
        fs.writeFileSync(file, `body { color: #${String(i).padStart(6, '0')}; }\n`);
        const msg = await d.next(
          (e) => e.event === 'hmr' && e.payload.type === 'update' && e.payload.updates.some((u) => u.path === '/src/style.css'),
          'the CSS hot update',
          from,
        );
        done.push(msg.at - t);
      }
      await new Promise((r) => setTimeout(r, SETTLE_MS));
    }
    return { watches, readyMs, watchingMs, idleCpu, rss, notice: stats(notice), reaction: stats(done) };
  } finally {
    await d.stop();
  }
}

function stats(list) {
  if (list.length === 0) return undefined;
  const s = [...list].sort((a, b) => a - b);
  const q = (p) => s[Math.min(s.length - 1, Math.floor(p * s.length))];
  return { median: q(0.5), p95: q(0.95), n: s.length };
}

async function main() {
  if (!fs.existsSync(path.join(REPO, 'dist', 'webpack.cjs')) || !fs.existsSync(path.join(REPO, 'dist', 'vite.js'))) {
    throw new Error('dist/ has no webpack/vite entries: run `npx tsup` first');
  }
  const project = makeDropinProject();
  log(`project ${project}`);
  const results = [];
  try {
    for (const tool of TOOLS) {
      const row = { tool: tool.id, label: tool.label, version: version(tool.kind === 'webpack' ? (tool.how === 'serve' ? 'webpack-dev-server' : 'webpack') : tool.pkg) };
      const starts = { ours: [], theirs: [] };
      for (let round = 0; round < ROUNDS; round++) {
        for (const mode of ['ours', 'theirs']) {
          if (row[mode]?.error) continue;
          log(`${tool.id} ${mode}${round ? ` (start-up round ${round + 1})` : ''}`);
          try {
            const m = await measure(tool, mode, project, round > 0);
            if (round === 0) row[mode] = m;
            starts[mode].push(m);
          } catch (e) {
            row[mode] = { error: String(e.message).split('\n')[0] };
            log(`  failed: ${row[mode].error}`);
          }
        }
      }
      for (const mode of ['ours', 'theirs']) {
        if (row[mode]?.error || starts[mode].length === 0) continue;
        row[mode].readyMs = stats(starts[mode].map((m) => m.readyMs)).median;
        row[mode].watchingMs = stats(starts[mode].map((m) => m.watchingMs)).median;
      }
      results.push(row);
    }
  } finally {
    fs.rmSync(project, { recursive: true, force: true });
  }
  const report = render(results);
  process.stdout.write(report + '\n');
  if (!opts['no-write']) {
    fs.writeFileSync(path.join(REPO, 'bench', 'dropins.json'), JSON.stringify({ date: new Date().toISOString(), node: process.version, results }, null, 2) + '\n');
    writeSection('dropins', report);
  }
}

const fmt = (v, digits = 0) => (v === undefined || Number.isNaN(v) ? '—' : v.toFixed(digits));
const ms = (s) => (s ? `${s.median} (p95 ${s.p95})` : '—');
const ratio = (a, b) => (a > 0 && b > 0 ? `${(b / a).toFixed(1)}×` : '—');

function render(results) {
  const lines = [
    '## Drop-ins: webpack and Vite, ours vs the tool\'s own watcher (bench/dropins.mjs)',
    '',
    `One project (20 source folders, 200 modules, a stylesheet; 300 installed packages in node_modules and a .git, neither imported), one process per tool and watcher, ${EDITS} edits each, start-up the median of ${ROUNDS} starts, Node ${process.version}. ` +
      'webpack edits src/part0/m0.js ("noticed": webpack\'s invalid hook; "rebuilt": the build finished); Vite edits src/style.css and the clock stops when its HMR websocket client receives the update. ' +
      '"watching after" is when the inotify watch count stopped growing (Vite\'s chokidar keeps walking after the server listens). Times in ms, medians (p95); ratios are theirs / ours.',
    '',
    '| tool | version | watcher | inotify watches | ready (ms) | watching after (ms) | idle CPU | RSS (MiB) | edit → noticed | edit → rebuilt / HMR update |',
    '| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | --- | --- |',
  ];
  for (const r of results) {
    for (const mode of ['ours', 'theirs']) {
      const m = r[mode];
      const who = mode === 'ours' ? 'watchfiles-node plugin' : r.tool.startsWith('vite') ? 'chokidar (Vite\'s own)' : 'watchpack (webpack\'s own)';
      if (!m || m.error) {
        lines.push(`| ${r.label} | ${r.version} | ${who} | failed: ${m?.error ?? 'not run'} | | | | | | |`);
        continue;
      }
      lines.push(
        `| ${r.label} | ${r.version} | ${who} | ${m.watches} | ${m.readyMs} | ${m.watchingMs} | ${fmt(m.idleCpu * 100, 1)}% | ${fmt(m.rss)} | ${ms(m.notice)} | ${ms(m.reaction)} |`,
      );
    }
  }
  lines.push('', '| tool | watches: theirs / ours | edit → reaction: theirs / ours (median) |', '| --- | ---: | ---: |');
  for (const r of results) {
    if (!r.ours || r.ours.error || !r.theirs || r.theirs.error) continue;
    lines.push(`| ${r.label} | ${ratio(r.ours.watches, r.theirs.watches)} | ${ratio(r.ours.reaction?.median, r.theirs.reaction?.median)} |`);
  }
  lines.push('', 'Rerun: `npx tsup && node bench/dropins.mjs` (about 5 minutes; `--only vite8`, `--edits 20`).');
  return lines.join('\n');
}

main().catch((e) => {
  process.stderr.write(`${e.stack || e}\n`);
  process.exit(1);
});
