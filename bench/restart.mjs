#!/usr/bin/env node
/**
 * Edit-to-new-response latency of a restarting dev server, side by side in one run: our CLI
 * (`watchfiles "node server.mjs" .`), our register hook (`node --import watchfiles-node/register`),
 * `node --watch` and nodemon. Each runs the same tiny node:http server (examples/server.mjs, which imports
 * examples/message.mjs) in its own temp copy; every edit rewrites message.mjs and the clock stops at the
 * first HTTP response carrying the new text. Reports median and p95 of --edits edits (default 20).
 *
 *   node bench/restart.mjs [--edits 20] [--quick] [--only cli,cli-cold,register,node-watch,nodemon] [--json]
 *
 * With --json the result is one JSON line on stdout (bench/run.mjs reads it); progress goes to stderr.
 * WATCHFILES_BENCH_PKG (set by bench/run.mjs) points at a snapshot of the built package to use instead of dist/.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const REPO = fileURLToPath(new URL('..', import.meta.url));
const PKG = process.env.WATCHFILES_BENCH_PKG || REPO;
const EDIT_TIMEOUT_MS = 15_000;
const START_TIMEOUT_MS = 20_000;
// Pause between edits: every tool is idle again (old server gone, new one listening) before the next one.
const SETTLE_MS = 300;

const { values: opts } = parseArgs({
  options: {
    edits: { type: 'string', default: '20' },
    quick: { type: 'boolean', default: false },
    only: { type: 'string' },
    json: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (opts.help) {
  process.stdout.write(fs.readFileSync(fileURLToPath(import.meta.url), 'utf8').split('*/')[0] + '*/\n');
  process.exit(0);
}
const EDITS = opts.quick ? 5 : Number(opts.edits);
if (!Number.isInteger(EDITS) || EDITS < 1) {
  process.stderr.write(`--edits must be a positive integer, got ${opts.edits}\n`);
  process.exit(2);
}

const cli = path.join(PKG, 'dist', 'cli.js');
const register = path.join(PKG, 'dist', 'register.js');
const nodemon = path.join(REPO, 'node_modules', 'nodemon', 'bin', 'nodemon.js');

/** The contenders: how to start each one in the project directory. */
const TOOLS = [
  { id: 'cli', name: 'watchfiles CLI (ours)', args: [cli, 'node server.mjs', '.'], needs: cli },
  // The same without the warm spare: what a restart costs when Node has to boot (as it does for every other tool).
  { id: 'cli-cold', name: 'watchfiles CLI --no-warm-spare (ours)', args: [cli, '--no-warm-spare', 'node server.mjs', '.'], needs: cli },
  { id: 'register', name: 'watchfiles-node/register (ours)', args: ['--import', pathToFileURL(register).href, 'server.mjs'], needs: register },
  { id: 'node-watch', name: `node --watch (${process.version})`, args: ['--watch', 'server.mjs'] },
  { id: 'nodemon', name: `nodemon ${readVersion(path.join(REPO, 'node_modules', 'nodemon', 'package.json'))}`, args: [nodemon, '--quiet', 'server.mjs'], needs: nodemon },
];

const log = (line) => process.stderr.write(`[restart] ${line}\n`);
const groups = new Set();
// On the way out, SIGINT (not SIGKILL): our CLI must live long enough to stop its server's group.
process.on('exit', () => {
  for (const pgid of groups) signalGroup(pgid, 'SIGINT');
});
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => process.exit(130));
}

async function main() {
  const only = opts.only ? new Set(opts.only.split(',')) : undefined;
  const chosen = TOOLS.filter((t) => !only || only.has(t.id));
  const addon = fs.readdirSync(PKG).filter((f) => f.endsWith('.node'));
  log(`${EDITS} edits per tool; watchfiles-node ${addon.length ? `native addon ${addon.join(', ')}` : 'without native addon (JS polling fallback)'}`);
  const rows = [];
  for (const tool of chosen) {
    if (tool.needs && !fs.existsSync(tool.needs)) {
      rows.push({ tool: tool.name, id: tool.id, error: `${tool.needs} is missing (build with npx tsup)` });
      log(`${tool.name}: skipped, ${tool.needs} is missing`);
      continue;
    }
    rows.push(await benchTool(tool));
  }
  const result = { scenario: 'restart', edits: EDITS, node: process.version, platform: `${process.platform}-${process.arch}`, rows, markdown: table(rows) };
  if (opts.json) process.stdout.write(`${JSON.stringify(result)}\n`);
  else process.stdout.write(`${result.markdown}\n`);
}

async function benchTool(tool) {
  const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), `wf-restart-${tool.id}-`)));
  fs.copyFileSync(path.join(REPO, 'examples', 'server.mjs'), path.join(dir, 'server.mjs'));
  writeMessage(dir, 'start');
  const port = await freePort();
  let output = '';
  const child = spawn(process.execPath, tool.args, {
    cwd: dir,
    env: { ...process.env, PORT: String(port), NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: process.platform !== 'win32',
  });
  groups.add(child.pid);
  child.stdout.on('data', (d) => (output += d));
  if (process.env.RESTART_BENCH_ECHO) child.stderr.on('data', (d) => process.stderr.write(d));
  child.stderr.on('data', (d) => (output += d));
  const samples = [];
  let failures = 0;
  try {
    await waitForBody(port, 'start', START_TIMEOUT_MS);
    await sleep(SETTLE_MS * 2);
    for (let i = 1; i <= EDITS; i++) {
      const text = `edit ${i} of ${tool.id}`;
      writeMessage(dir, text);
      const t0 = performance.now();
      try {
        await waitForBody(port, text, EDIT_TIMEOUT_MS);
        samples.push(performance.now() - t0);
      } catch {
        failures++;
        log(`${tool.name}: edit ${i} not served within ${EDIT_TIMEOUT_MS} ms`);
      }
      await sleep(SETTLE_MS);
    }
  } catch (error) {
    return { tool: tool.name, id: tool.id, error: `${error.message}; output: ${output.trim().slice(-400)}` };
  } finally {
    await stopTool(child);
    groups.delete(child.pid);
    fs.rmSync(dir, { recursive: true, force: true });
  }
  const backend = /with (\S+)(?: \(polling[^)]*\))?, running/.exec(output)?.[1];
  const row = { tool: tool.name, id: tool.id, ...stats(samples), failures, samples: samples.map((s) => Math.round(s * 10) / 10) };
  if (backend) row.backend = backend;
  log(`${tool.name}: median ${row.median_ms} ms, p95 ${row.p95_ms} ms${failures ? `, ${failures} failed` : ''}`);
  return row;
}

function stats(samples) {
  if (!samples.length) return { median_ms: null, p95_ms: null, min_ms: null, max_ms: null };
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = (p) => sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)];
  const round = (x) => Math.round(x * 10) / 10;
  return { median_ms: round(rank(0.5)), p95_ms: round(rank(0.95)), min_ms: round(sorted[0]), max_ms: round(sorted.at(-1)) };
}

function table(rows) {
  const lines = [
    `Edit-to-new-response latency, ${EDITS} edits each (${process.platform}-${process.arch}, Node ${process.version}, ${os.cpus().length} CPUs)`,
    '',
    '| tool | median ms | p95 ms | min ms | max ms | failed |',
    '|---|---:|---:|---:|---:|---:|',
  ];
  for (const r of rows) {
    if (r.error) lines.push(`| ${r.tool} | error: ${r.error.replace(/\|/g, '/').split('\n')[0]} | | | | |`);
    else lines.push(`| ${r.tool}${r.backend ? ` (${r.backend})` : ''} | ${r.median_ms} | ${r.p95_ms} | ${r.min_ms} | ${r.max_ms} | ${r.failures} |`);
  }
  return lines.join('\n');
}

function writeMessage(dir, text) {
  fs.writeFileSync(path.join(dir, 'message.mjs'), `export const message = ${JSON.stringify(text)};\n`);
}

function waitForBody(port, expected, timeout) {
  const deadline = performance.now() + timeout;
  return new Promise((resolve, reject) => {
    const attempt = () => {
      get(port).then((body) => {
        if (body?.trim() === expected) return resolve();
        if (performance.now() > deadline) return reject(new Error(`no "${expected}" on port ${port} within ${timeout} ms`));
        setTimeout(attempt, 2);
      });
    };
    attempt();
  });
}

function get(port) {
  return new Promise((resolve) => {
    const req = http.get({ host: '127.0.0.1', port, path: '/', agent: false, timeout: 1000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve(body));
      res.on('error', () => resolve(undefined));
    });
    req.on('error', () => resolve(undefined));
    req.on('timeout', () => {
      req.destroy();
      resolve(undefined);
    });
  });
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

/**
 * Ctrl-C, as a user stops a dev server: SIGINT to the tool's group (our CLI then stops its server's own
 * group; a SIGKILLed runner could not), SIGKILL after 5 s.
 */
async function stopTool(child) {
  const exited = new Promise((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve() : child.once('exit', resolve)));
  signalGroup(child.pid, 'SIGINT');
  const timer = setTimeout(() => killGroup(child.pid), 5000);
  await exited;
  clearTimeout(timer);
  killGroup(child.pid);
}

function signalGroup(pgid, signal) {
  try {
    process.kill(process.platform === 'win32' ? pgid : -pgid, signal);
  } catch {
    // already gone
  }
}

function killGroup(pgid) {
  try {
    process.kill(process.platform === 'win32' ? pgid : -pgid, 'SIGKILL');
  } catch {
    // already gone
  }
}

function readVersion(file) {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')).version;
  } catch {
    return '';
  }
}

function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

main().catch((error) => {
  process.stderr.write(`${error.stack ?? error}\n`);
  process.exit(1);
});
