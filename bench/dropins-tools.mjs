#!/usr/bin/env node
/**
 * Drop-ins against the tools' own watchers, one run, same project, same edits:
 *   - typescript: `tsc -w` (ts.sys: one fs.watch per file and directory) vs watchProject() from
 *     watchfiles-node/typescript, on a generated project of --files files (default 400) in 40 directories.
 *   - tailwind: Tailwind v4's CLI `--watch` with the real @parcel/watcher vs with the override to
 *     watchfiles-parcel-watcher (both installed by npm into temp projects; needs the npm registry or cache).
 *   - register: `npm start` running `node --watch server.mjs` vs `NODE_OPTIONS="--import
 *     watchfiles-node/register" npm start` running `node server.mjs` (edit to the new HTTP response).
 * For each: start-up (to the first "watching" moment), inotify watches held (from /proc/<pid>/fdinfo),
 * idle CPU over 5 s, and edit-to-reaction (from just before the write to the rebuilt output on disk, or the new HTTP answer):
 * median and p95 of --edits edits, rounds interleaved. Writes its own section of bench/RESULTS.md.
 *
 *   node bench/dropins-tools.mjs [--edits 10] [--files 400] [--only typescript,tailwind,register] [--no-write]
 */
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { inotifyWatches } from './lib/inotify.mjs';
import { writeSection } from './lib/section.mjs';

const REPO = fileURLToPath(new URL('..', import.meta.url));
const TAILWIND_VERSION = '4.3.5';

const { values: opts } = parseArgs({
  options: {
    edits: { type: 'string', default: '10' },
    files: { type: 'string', default: '400' },
    only: { type: 'string', default: 'typescript,tailwind,register' },
    'no-write': { type: 'boolean', default: false },
  },
});
const EDITS = Number(opts.edits);
const FILES = Number(opts.files);
const ONLY = new Set(opts.only.split(','));
const log = (s) => process.stderr.write(`[dropins ${new Date().toISOString().slice(11, 19)}] ${s}\n`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.floor((s.length - 1) / 2)] : NaN;
}
function p95(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.ceil(s.length * 0.95) - 1)] : NaN;
}
const ms = (x) => (Number.isFinite(x) ? `${x < 100 ? x.toFixed(1) : Math.round(x)} ms` : 'n/a');

/** CPU seconds (user + system) a process has used, from /proc/<pid>/stat. */
function cpuSeconds(pid) {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  return ticks / 100; // USER_HZ is 100 on Linux
}

async function waitForAsync(what, cond, timeoutMs = 60_000, every = 2) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await cond();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(every);
  }
}

/** Starts a tool in its own process group; collects its output. */
function launch(file, args, cwd, env = {}) {
  const child = spawn(file, args, { cwd, detached: true, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1', ...env } });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  const exited = new Promise((r) => child.once('exit', r));
  return {
    child,
    output: () => out,
    async stop() {
      try {
        process.kill(-child.pid, 'SIGTERM');
      } catch {
        return;
      }
      const t = setTimeout(() => {
        try {
          process.kill(-child.pid, 'SIGKILL');
        } catch {
          // gone
        }
      }, 3000);
      await exited;
      clearTimeout(t);
    },
  };
}

/** Processes whose working directory is `dir` or below (a tool and what it started, e.g. npm and the server). */
function pidsIn(dir) {
  const out = [];
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const cwd = fs.readlinkSync(`/proc/${name}/cwd`);
      if (cwd === dir || cwd.startsWith(dir + path.sep)) out.push(Number(name));
    } catch {
      // gone, or not ours to read
    }
  }
  return out;
}

function sumOver(pids, f) {
  let total = 0;
  for (const pid of pids) {
    try {
      total += f(pid) ?? 0;
    } catch {
      // exited meanwhile
    }
  }
  return total;
}

/**
 * Runs one watcher: start-up, watches and idle CPU (summed over every process working in `dir`), then
 * `edits` edits; returns the figures. `done` may be async (an HTTP probe).
 */
async function measure(name, dir, start, ready, edit) {
  const t0 = performance.now();
  const run = start();
  try {
    await waitForAsync(`${name} to be ready`, () => ready(run.output()), 120_000);
    const startup = performance.now() - t0;
    await sleep(1500); // let the watcher place its watches and settle
    const pids = pidsIn(dir);
    const watches = sumOver(pids, inotifyWatches);
    const cpu0 = sumOver(pids, cpuSeconds);
    await sleep(5000);
    const idle = ((sumOver(pids, cpuSeconds) - cpu0) / 5) * 100;
    const latencies = [];
    for (let i = 0; i < EDITS; i++) {
      const { write, done } = edit(i);
      const before = performance.now();
      write();
      await waitForAsync(`${name} to rebuild edit ${i}`, done, 30_000);
      latencies.push(performance.now() - before);
      await sleep(400);
    }
    return { name, startup, watches, idle, latencies };
  } finally {
    await run.stop();
  }
}

// --- TypeScript ------------------------------------------------------------------------------------

function typescriptProject(root) {
  const dir = path.join(root, 'ts-project');
  const dirs = 40;
  const perDir = Math.ceil(FILES / dirs);
  for (let d = 0; d < dirs; d++) {
    fs.mkdirSync(path.join(dir, 'src', `m${d}`), { recursive: true });
    for (let f = 0; f < perDir; f++) {
      const imp = f > 0 ? `import { v${f - 1} } from './f${f - 1}';\n` : '';
      const expr = f > 0 ? `v${f - 1} + 1` : '0';
      fs.writeFileSync(path.join(dir, 'src', `m${d}`, `f${f}.ts`), `${imp}export const v${f}: number = ${expr};\nexport const tag${f} = 'initial';\n`);
    }
  }
  fs.writeFileSync(
    path.join(dir, 'tsconfig.json'),
    JSON.stringify({ compilerOptions: { outDir: 'out', strict: true, target: 'es2020', module: 'commonjs', types: [] }, include: ['src'] }),
  );
  return dir;
}

async function benchTypescript(root) {
  const dir = typescriptProject(root);
  const tsc = path.join(REPO, 'node_modules', 'typescript', 'bin', 'tsc');
  const tsVersion = JSON.parse(fs.readFileSync(path.join(REPO, 'node_modules/typescript/package.json'), 'utf8')).version;
  const ours = `
    import ts from ${JSON.stringify(pathToFileURL(path.join(REPO, 'node_modules/typescript/lib/typescript.js')).href)};
    import { watchProject } from ${JSON.stringify(pathToFileURL(path.join(REPO, 'dist/typescript.js')).href)};
    watchProject(ts, 'tsconfig.json');`;
  const target = path.join(dir, 'src', 'm7', 'f3.ts');
  const outFile = path.join(dir, 'out', 'm7', 'f3.js');
  const edit = (tag) => (i) => {
    const value = `${tag}-${i}-${Date.now()}`;
    return {
      write: () => fs.writeFileSync(target, `import { v2 } from './f2';\nexport const v3: number = v2 + 1;\nexport const tag3 = '${value}';\n`),
      done: () => fs.existsSync(outFile) && fs.readFileSync(outFile, 'utf8').includes(value),
    };
  };
  const watching = (out) => /Watching for file changes/.test(out);
  const results = { tool: `TypeScript ${tsVersion}`, project: `${FILES} files in 40 directories`, rows: [] };
  for (let round = 0; round < 2; round++) {
    for (const variant of ['tsc -w (ts.sys)', 'watchProject (watchfiles-node/typescript)']) {
      fs.rmSync(path.join(dir, 'out'), { recursive: true, force: true });
      log(`typescript round ${round + 1}: ${variant}`);
      const r =
        variant.startsWith('tsc')
          ? await measure(variant, dir, () => launch(process.execPath, [tsc, '-w', '-p', dir, '--preserveWatchOutput'], dir), watching, edit('tsc'))
          : await measure(variant, dir, () => launch(process.execPath, ['--input-type=module', '-e', ours], dir), watching, edit('ours'));
      results.rows.push(r);
    }
  }
  return results;
}

// --- Tailwind --------------------------------------------------------------------------------------

function npm(args, cwd) {
  execFileSync('npm', [...args, '--no-audit', '--no-fund', '--loglevel=error'], { cwd, stdio: ['ignore', 'pipe', 'inherit'], timeout: 300_000 });
}

function packAlias(root) {
  const stage = path.join(root, 'watchfiles-node');
  fs.mkdirSync(stage, { recursive: true });
  const manifest = JSON.parse(fs.readFileSync(path.join(REPO, 'package.json'), 'utf8'));
  manifest.files = [...manifest.files, '*.node'];
  delete manifest.scripts;
  delete manifest.devDependencies;
  fs.writeFileSync(path.join(stage, 'package.json'), JSON.stringify(manifest, null, 2));
  fs.cpSync(path.join(REPO, 'dist'), path.join(stage, 'dist'), { recursive: true });
  for (const f of fs.readdirSync(REPO)) if (f === 'index.cjs' || f === 'index.d.ts' || f.endsWith('.node')) fs.copyFileSync(path.join(REPO, f), path.join(stage, f));
  const tarballs = path.join(root, 'tarballs');
  fs.mkdirSync(tarballs);
  const pack = (dir) => path.join(tarballs, execFileSync('npm', ['pack', '--pack-destination', tarballs, '--loglevel=error'], { cwd: dir, encoding: 'utf8' }).trim().split('\n').pop());
  const wf = pack(stage);
  const alias = path.join(root, 'parcel-watcher-compat');
  fs.cpSync(path.join(REPO, 'packages', 'parcel-watcher-compat'), alias, { recursive: true });
  const am = JSON.parse(fs.readFileSync(path.join(alias, 'package.json'), 'utf8'));
  am.dependencies['watchfiles-node'] = `file:${wf}`;
  fs.writeFileSync(path.join(alias, 'package.json'), JSON.stringify(am, null, 2));
  return pack(alias);
}

function tailwindProject(root, name, overrides) {
  const app = path.join(root, name);
  fs.mkdirSync(path.join(app, 'src'), { recursive: true });
  const manifest = { name: `tw-${name}`, private: true, dependencies: { '@tailwindcss/cli': TAILWIND_VERSION, tailwindcss: TAILWIND_VERSION } };
  if (overrides) manifest.overrides = overrides;
  fs.writeFileSync(path.join(app, 'package.json'), JSON.stringify(manifest, null, 2));
  fs.writeFileSync(path.join(app, 'src', 'input.css'), '@import "tailwindcss";\n');
  for (let d = 0; d < 20; d++) {
    fs.mkdirSync(path.join(app, 'src', `pages${d}`), { recursive: true });
    for (let f = 0; f < 10; f++) fs.writeFileSync(path.join(app, 'src', `pages${d}`, `p${f}.html`), `<div class="p-${(d + f) % 12} text-red-500">page</div>\n`);
  }
  fs.writeFileSync(path.join(app, 'src', 'index.html'), '<div class="text-red-500">hello</div>\n');
  npm(['install', '--prefer-offline'], app);
  return app;
}

async function benchTailwind(root) {
  log('tailwind: packing the alias and installing two projects (npm)');
  const alias = packAlias(root);
  const control = tailwindProject(root, 'control');
  // @parcel/watcher hands the watching to a watchman daemon when one is on PATH (its watches are then
  // the daemon's, not the process's): a PATH holding only node makes it use its own inotify backend.
  const nodeOnly = path.join(root, 'node-only-bin');
  fs.mkdirSync(nodeOnly);
  fs.symlinkSync(process.execPath, path.join(nodeOnly, 'node'));
  const apps = {
    "@parcel/watcher (Tailwind's own, inotify)": [control, { PATH: nodeOnly }],
    'watchfiles-parcel-watcher (override)': [tailwindProject(root, 'ours', { '@parcel/watcher': `file:${alias}` }), {}],
  };
  const results = { tool: `Tailwind CLI ${TAILWIND_VERSION} --watch`, project: '201 HTML files in 21 directories, plus node_modules', rows: [] };
  for (let round = 0; round < 2; round++) {
    for (const [variant, [app, env]] of Object.entries(apps)) {
      log(`tailwind round ${round + 1}: ${variant}`);
      const out = path.join(app, 'out.css');
      fs.rmSync(out, { force: true });
      const cli = path.join(app, 'node_modules/@tailwindcss/cli/dist/index.mjs');
      const edit = (i) => {
        const px = 1000 + round * 100 + i;
        return {
          write: () => fs.writeFileSync(path.join(app, 'src', 'index.html'), `<div class="text-red-500 w-[${px}px]">hello</div>\n`),
          done: () => fs.existsSync(out) && fs.readFileSync(out, 'utf8').includes(`${px}px`),
        };
      };
      results.rows.push(
        await measure(variant, app, () => launch(process.execPath, [cli, '-i', 'src/input.css', '-o', 'out.css', '--watch=always'], app, env), (o) => /Done in/.test(o), edit),
      );
    }
  }
  return results;
}

// --- the register hook through npm -------------------------------------------------------------------

function httpGet(port) {
  return new Promise((resolve) => {
    const req = http.get({ host: '127.0.0.1', port, path: '/', agent: false, timeout: 1000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve(body));
    });
    req.on('error', () => resolve(undefined));
    req.on('timeout', () => req.destroy());
  });
}

async function freePort() {
  const srv = net.createServer();
  await new Promise((r) => srv.listen(0, '127.0.0.1', r));
  const { port } = srv.address();
  await new Promise((r) => srv.close(r));
  return port;
}

async function benchRegister(root) {
  const npmVersion = execFileSync('npm', ['--version'], { encoding: 'utf8' }).trim();
  const results = { tool: `npm ${npmVersion} start`, project: 'a node:http server importing one module (message.mjs)', rows: [] };
  const variants = {
    '"start": "node --watch server.mjs" (Node\'s own watcher)': ['node --watch server.mjs', {}],
    'NODE_OPTIONS="--import watchfiles-node/register", "start": "node server.mjs"': [
      'node server.mjs',
      { NODE_OPTIONS: `--import ${pathToFileURL(path.join(REPO, 'dist', 'register.js')).href}` },
    ],
  };
  for (let round = 0; round < 2; round++) {
    for (const [variant, [script, env]] of Object.entries(variants)) {
      log(`register round ${round + 1}: ${variant}`);
      const app = path.join(root, `register-${round}-${Object.keys(variants).indexOf(variant)}`);
      fs.mkdirSync(app, { recursive: true });
      fs.writeFileSync(path.join(app, 'package.json'), JSON.stringify({ name: 'srv', private: true, scripts: { start: script } }));
      fs.writeFileSync(path.join(app, 'message.mjs'), 'export const message = "start";\n');
      fs.writeFileSync(
        path.join(app, 'server.mjs'),
        "import http from 'node:http';\nimport { message } from './message.mjs';\n" +
          "http.createServer((req, res) => { res.setHeader('connection', 'close'); res.end(message); }).listen(Number(process.env.PORT), '127.0.0.1');\n",
      );
      const port = await freePort();
      const edit = (i) => {
        const value = `v${round}-${i}-${Date.now()}`;
        return {
          write: () => fs.writeFileSync(path.join(app, 'message.mjs'), `export const message = ${JSON.stringify(value)};\n`),
          done: async () => (await httpGet(port)) === value,
        };
      };
      results.rows.push(
        await measure(variant, app, () => launch('npm', ['start', '--silent'], app, { ...env, PORT: String(port), npm_config_update_notifier: 'false' }), async () => (await httpGet(port)) === 'start', edit),
      );
    }
  }
  return results;
}

// --- report ----------------------------------------------------------------------------------------

function section(all, started) {
  const lines = [
    '## Drop-ins: each tool with its own watcher and with ours (bench/dropins-tools.mjs)',
    '',
    `Generated by \`node bench/dropins-tools.mjs --edits ${EDITS} --files ${FILES}\` on ${new Date().toISOString().slice(0, 10)} (${((Date.now() - started) / 60000).toFixed(1)} min), on this machine (shared, noisy: quote ratios). Each tool runs in its own process group; two rounds, interleaved. Start-up: launch to the tool's first "watching" line (tsc: \`Watching for file changes\`; Tailwind: \`Done in\`; npm start: the first HTTP answer). Watches and idle CPU: summed over every process working in the project (the tool, and for npm start the shell, supervisor and server), watches 1.5 s after start-up (from /proc/<pid>/fdinfo), CPU over the next 5 s of no changes. Edit-to-reaction: from just before the write to the rebuilt output on disk (tsc's own 250 ms rebuild delay is part of both rows), or to the first HTTP answer with the new text.`,
    '',
  ];
  for (const r of all) {
    lines.push(`### ${r.tool}: ${r.project}`, '', '| watcher | round | start-up | inotify watches | idle CPU | edit-to-reaction p50 | p95 |', '| --- | --- | --- | --- | --- | --- | --- |');
    const rounds = {};
    for (const row of r.rows) {
      rounds[row.name] = (rounds[row.name] ?? 0) + 1;
      lines.push(`| ${row.name} | ${rounds[row.name]} | ${ms(row.startup)} | ${row.watches} | ${row.idle.toFixed(2)}% | ${ms(median(row.latencies))} | ${ms(p95(row.latencies))} |`);
    }
    const names = [...new Set(r.rows.map((x) => x.name))];
    const agg = names.map((n) => {
      const rows = r.rows.filter((x) => x.name === n);
      return { n, watches: median(rows.map((x) => x.watches)), p50: median(rows.flatMap((x) => x.latencies)) };
    });
    if (agg.length === 2) {
      const [theirs, ours] = agg;
      lines.push('', `Ours vs theirs: ${ours.watches} vs ${theirs.watches} inotify watches (${(ours.watches / theirs.watches).toFixed(2)}x); edit-to-reaction p50 ${ms(ours.p50)} vs ${ms(theirs.p50)} (${(ours.p50 / theirs.p50).toFixed(2)}x).`);
    }
    lines.push('');
  }
  return lines.join('\n');
}

async function main() {
  const started = Date.now();
  const root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'wf-bench-dropins-')));
  if (!fs.existsSync(path.join(REPO, 'dist', 'typescript.js'))) throw new Error('dist/ is missing watchfiles-node/typescript: run `npx tsup` first');
  const all = [];
  try {
    if (ONLY.has('typescript')) all.push(await benchTypescript(root));
    if (ONLY.has('tailwind')) all.push(await benchTailwind(root));
    if (ONLY.has('register')) all.push(await benchRegister(root));
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
  const text = section(all, started);
  process.stdout.write(text + '\n');
  if (!opts['no-write']) {
    log(`wrote its section of ${writeSection('dropins-tools', text)}`);
  }
}

main().catch((e) => {
  process.stderr.write(`${e.stack ?? e}\n`);
  process.exit(1);
});
