#!/usr/bin/env node
/**
 * CSS hot swap in a real browser: save to applied style. Our CLI runs a tiny node:http site with
 * --livereload; headless Chromium (Debian's chromium, driven by puppeteer-core) has the page open; each of
 * --edits edits (default 20) rewrites style.css with a new background colour, and the clock stops when
 * getComputedStyle() in the page returns it. Also checks that no edit reloaded the page or restarted the server.
 *
 *   node bench/livereload.mjs [--edits 20] [--quick] [--json]
 *
 * With --json the result is one JSON line on stdout (bench/run.mjs reads it); progress goes to stderr.
 * WATCHFILES_BENCH_PKG (set by bench/run.mjs) points at a snapshot of the built package to use instead of dist/.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const REPO = fileURLToPath(new URL('..', import.meta.url));
const PKG = process.env.WATCHFILES_BENCH_PKG || REPO;
const CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((f) => fs.existsSync(f));

const { values: opts } = parseArgs({
  options: { edits: { type: 'string', default: '20' }, quick: { type: 'boolean', default: false }, json: { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h', default: false } },
});
if (opts.help) {
  process.stdout.write(fs.readFileSync(fileURLToPath(import.meta.url), 'utf8').split('*/')[0] + '*/\n');
  process.exit(0);
}
const EDITS = opts.quick ? 5 : Number(opts.edits);
const log = (line) => process.stderr.write(`[livereload] ${line}\n`);

async function main() {
  const result = { scenario: 'livereload', edits: EDITS, node: process.version };
  if (!CHROMIUM) return finish({ ...result, error: 'chromium is not installed (apt-get install chromium)' });
  const { default: puppeteer } = await import('puppeteer-core');
  const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'wf-livereload-')));
  fs.writeFileSync(path.join(dir, 'style.css'), 'body { background-color: rgb(0, 0, 0); }\n');
  fs.writeFileSync(
    path.join(dir, 'server.mjs'),
    `import fs from 'node:fs';
import http from 'node:http';
const page = '<!doctype html><html><head><link rel="stylesheet" href="/style.css"></head><body><input id="name"></body></html>';
http.createServer((req, res) => {
  if (req.url.startsWith('/style.css')) return res.writeHead(200, { 'content-type': 'text/css', 'cache-control': 'no-store' }).end(fs.readFileSync(new URL('./style.css', import.meta.url)));
  res.writeHead(200, { 'content-type': 'text/html' }).end(page);
}).listen(Number(process.env.PORT), '127.0.0.1');
`,
  );
  const [port, lrPort] = [await freePort(), await freePort()];
  let output = '';
  const child = spawn(process.execPath, [path.join(PKG, 'dist', 'cli.js'), '--livereload', '--livereload-port', String(lrPort), 'node server.mjs', '.'], {
    cwd: dir,
    env: { ...process.env, PORT: String(port), NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  const browser = await puppeteer.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu'] });
  try {
    const page = await browser.newPage();
    let loads = 0;
    page.on('load', () => loads++);
    const deadline = Date.now() + 20_000;
    for (;;) {
      try {
        await page.goto(`http://127.0.0.1:${port}/`);
        break;
      } catch (error) {
        if (Date.now() > deadline) throw error;
        await sleep(100);
      }
    }
    await page.waitForFunction(() => window.__watchfilesLiveReload?.connected, { timeout: 15_000 });
    await page.type('#name', 'kept');
    const loadsBefore = loads;
    const samples = [];
    for (let i = 1; i <= EDITS; i++) {
      const colour = `rgb(${i}, ${i}, ${i})`;
      const t0 = performance.now();
      fs.writeFileSync(path.join(dir, 'style.css'), `body { background-color: ${colour}; }\n`);
      await page.waitForFunction((c) => getComputedStyle(document.body).backgroundColor === c, { timeout: 15_000, polling: 2 }, colour);
      samples.push(performance.now() - t0);
      await sleep(300);
    }
    const kept = await page.$eval('#name', (el) => el.value);
    const restarts = (output.match(/restarting/g) ?? []).length;
    const sorted = [...samples].sort((a, b) => a - b);
    const rank = (p) => Math.round(sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)] * 10) / 10;
    const row = { median_ms: rank(0.5), p95_ms: rank(0.95), min_ms: Math.round(sorted[0] * 10) / 10, max_ms: rank(1), pageReloads: loads - loadsBefore, serverRestarts: restarts, inputKept: kept === 'kept' };
    log(`CSS swap: median ${row.median_ms} ms, p95 ${row.p95_ms} ms; ${row.pageReloads} page reloads, ${row.serverRestarts} server restarts`);
    finish({
      ...result,
      ...row,
      markdown: [
        `CSS hot swap in headless Chromium, save to applied style, ${EDITS} edits (Node ${process.version}, ${os.cpus().length} CPUs)`,
        '',
        '| runner | median | p95 | min | max | page reloads | server restarts | typed text kept |',
        '|---|---:|---:|---:|---:|---:|---:|---|',
        `| **watchfiles --livereload (ours)** | ${row.median_ms} ms | ${row.p95_ms} ms | ${row.min_ms} ms | ${row.max_ms} ms | ${row.pageReloads} | ${row.serverRestarts} | ${row.inputKept ? 'yes' : 'no'} |`,
      ].join('\n'),
    });
  } finally {
    await browser.close();
    try {
      process.kill(-child.pid, 'SIGINT');
    } catch {
      // gone
    }
    await new Promise((resolve) => (child.exitCode !== null ? resolve() : child.once('exit', resolve)));
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function finish(result) {
  if (opts.json) process.stdout.write(`${JSON.stringify(result)}\n`);
  else process.stdout.write(`${result.markdown ?? JSON.stringify(result)}\n`);
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

main().catch((error) => {
  process.stderr.write(`${error.stack ?? error}\n`);
  process.exit(1);
});
