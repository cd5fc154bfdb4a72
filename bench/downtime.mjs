#!/usr/bin/env node
/**
 * What a restart costs the clients of a dev server, side by side in one run: our CLI with --socket and
 * our register hook with WATCHFILES_SOCKET (the socket is held across restarts), our CLI without it,
 * `node --watch` and nodemon. Each runs the same server (examples/server.mjs, which imports
 * examples/message.mjs, plus 50 small modules) in its own temp copy.
 *
 * - Downtime: 4 clients send requests without pause (a new connection each, 5 s timeout) while message.mjs
 *   is edited --restarts times (default 20); each edit waits for the new text, then 300 ms. Counts the
 *   requests that failed (refused, reset, timed out, or not 200).
 * - Burst: the 50 modules are rewritten 20 ms apart (a formatter saving 50 files); counts the server
 *   starts that follow.
 *
 *   node bench/downtime.mjs [--restarts 20] [--quick] [--keep-alive] [--only cli-socket,register-socket,cli,node-watch,nodemon] [--json]
 *
 * --keep-alive: the clients reuse connections (an http.Agent with keepAlive, as browsers and fetch do)
 * instead of opening one per request.
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
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const REPO = fileURLToPath(new URL('..', import.meta.url));
const PKG = process.env.WATCHFILES_BENCH_PKG || REPO;
const CLIENTS = 4;
const BURST_FILES = 50;
const BURST_GAP_MS = 20;
const SETTLE_MS = 300;

const { values: opts } = parseArgs({
  options: {
    restarts: { type: 'string', default: '20' },
    quick: { type: 'boolean', default: false },
    only: { type: 'string' },
    json: { type: 'boolean', default: false },
    'keep-alive': { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (opts.help) {
  process.stdout.write(fs.readFileSync(fileURLToPath(import.meta.url), 'utf8').split('*/')[0] + '*/\n');
  process.exit(0);
}
const RESTARTS = opts.quick ? 5 : Number(opts.restarts);
if (!Number.isInteger(RESTARTS) || RESTARTS < 1) {
  process.stderr.write(`--restarts must be a positive integer, got ${opts.restarts}\n`);
  process.exit(2);
}

const cli = path.join(PKG, 'dist', 'cli.js');
const register = path.join(PKG, 'dist', 'register.js');
const nodemon = path.join(REPO, 'node_modules', 'nodemon', 'bin', 'nodemon.js');

/** The contenders: how to start each one in the project directory, on `port`. */
const TOOLS = [
  { id: 'cli-socket', name: 'watchfiles --socket (ours)', args: (port) => [cli, '--socket', String(port), 'node server.mjs', '.'], needs: cli },
  { id: 'register-socket', name: 'register hook + WATCHFILES_SOCKET (ours)', args: () => ['--import', pathToFileURL(register).href, 'server.mjs'], env: (port) => ({ WATCHFILES_SOCKET: String(port) }), needs: register },
  { id: 'cli', name: 'watchfiles, no socket (ours)', args: () => [cli, 'node server.mjs', '.'], needs: cli },
  { id: 'node-watch', name: `node --watch (${process.version})`, args: () => ['--watch', 'server.mjs'] },
  { id: 'nodemon', name: `nodemon ${readVersion(path.join(REPO, 'node_modules', 'nodemon', 'package.json'))}`, args: () => [nodemon, 'server.mjs'], needs: nodemon },
];
const OURS = new Set(['cli-socket', 'register-socket', 'cli']);

const log = (line) => process.stderr.write(`[downtime] ${line}\n`);
const groups = new Set();
process.on('exit', () => {
  for (const pgid of groups) signalGroup(pgid, 'SIGINT');
});
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => process.exit(130));

async function main() {
  const only = opts.only ? new Set(opts.only.split(',')) : undefined;
  const rows = [];
  for (const tool of TOOLS.filter((t) => !only || only.has(t.id))) {
    if (tool.needs && !fs.existsSync(tool.needs)) {
      rows.push({ tool: tool.name, id: tool.id, error: `${tool.needs} is missing (build with npx tsup)` });
      continue;
    }
    rows.push(await benchTool(tool));
  }
  const result = { scenario: 'downtime', restarts: RESTARTS, clients: CLIENTS, burstFiles: BURST_FILES, node: process.version, rows, markdown: table(rows) };
  process.stdout.write(opts.json ? `${JSON.stringify(result)}\n` : `${result.markdown}\n`);
  keepAliveAgent.destroy();
}

async function benchTool(tool) {
  const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), `wf-downtime-${tool.id}-`)));
  let server = fs.readFileSync(path.join(REPO, 'examples', 'server.mjs'), 'utf8');
  // The example server closes each connection after its response; with --keep-alive it must not.
  if (opts['keep-alive']) server = server.replace(/,\s*connection:\s*'close'/, '');
  fs.writeFileSync(path.join(dir, 'server.mjs'), `import './modules.mjs';\n${server}`);
  for (let i = 0; i < BURST_FILES; i++) fs.writeFileSync(path.join(dir, `m${i}.mjs`), `export const m${i} = 0;\n`);
  fs.writeFileSync(path.join(dir, 'modules.mjs'), Array.from({ length: BURST_FILES }, (_, i) => `import './m${i}.mjs';\n`).join(''));
  writeMessage(dir, 'start');
  const port = await freePort();
  let output = '';
  const child = spawn(process.execPath, tool.args(port), {
    cwd: dir,
    env: { ...process.env, PORT: String(port), NO_COLOR: '1', ...tool.env?.(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  groups.add(child.pid);
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  const starts = () => (output.match(/listening on http/g) ?? []).length;
  try {
    await until(`"start" on port ${port}`, async () => (await get(port)).body?.trim() === 'start', 20_000);
    await sleep(SETTLE_MS * 2);

    // Downtime: edits under load.
    const load = hammer(port);
    let unserved = 0;
    for (let i = 1; i <= RESTARTS; i++) {
      const text = `edit ${i}`;
      writeMessage(dir, text);
      try {
        await until(`"${text}"`, () => load.latest === text, 15_000);
      } catch {
        unserved++;
      }
      await sleep(SETTLE_MS);
    }
    const { sent, failed, errors } = await load.stop();

    // Burst: 50 modules rewritten 20 ms apart; count the starts until 2 s pass without one.
    await sleep(1000);
    const before = starts();
    for (let i = 0; i < BURST_FILES; i++) {
      fs.writeFileSync(path.join(dir, `m${i}.mjs`), `export const m${i} = ${Date.now()};\n`);
      await sleep(BURST_GAP_MS);
    }
    let seen = starts();
    let quietSince = Date.now();
    const deadline = Date.now() + 20_000;
    while (Date.now() - quietSince < 2000 && Date.now() < deadline) {
      await sleep(50);
      if (starts() !== seen) [seen, quietSince] = [starts(), Date.now()];
    }
    const burstStarts = seen - before;
    const row = { tool: tool.name, id: tool.id, requests: sent, failed, errors, unserved, burstRestarts: burstStarts };
    log(`${tool.name}: ${failed} of ${sent} requests failed over ${RESTARTS} restarts ${JSON.stringify(errors)}; ${burstStarts} restarts for a ${BURST_FILES}-file burst`);
    return row;
  } catch (error) {
    return { tool: tool.name, id: tool.id, error: `${error.message}; output: ${output.trim().slice(-400)}` };
  } finally {
    await stopTool(child);
    groups.delete(child.pid);
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** CLIENTS loops of GET / (a new connection each) until stopped; the last body seen. */
function hammer(port) {
  let stopped = false;
  let sent = 0;
  let failed = 0;
  const errors = {};
  const state = { latest: '' };
  const loops = Array.from({ length: CLIENTS }, async () => {
    while (!stopped) {
      sent++;
      const r = await get(port, 5000, opts['keep-alive'] ? keepAliveAgent : false);
      if (r.status === 200) state.latest = r.body.trim();
      else {
        failed++;
        const why = r.error ?? `HTTP ${r.status}`;
        errors[why] = (errors[why] ?? 0) + 1;
      }
    }
  });
  return Object.assign(state, {
    async stop() {
      stopped = true;
      await Promise.all(loops);
      return { sent, failed, errors };
    },
  });
}

function table(rows) {
  const lines = [
    `${CLIENTS} clients sending requests without pause (${opts['keep-alive'] ? 'keep-alive connections' : 'a new connection each'}) through ${RESTARTS} restarts; then ${BURST_FILES} imported modules rewritten ${BURST_GAP_MS} ms apart (Node ${process.version}, ${os.cpus().length} CPUs)`,
    '',
    '| runner | requests | failed | how they failed | restarts for the 50-file burst |',
    '|---|---:|---:|---|---:|',
  ];
  for (const r of rows) {
    const name = OURS.has(r.id) ? `**${r.tool}**` : r.tool;
    if (r.error) lines.push(`| ${name} | error: ${r.error.replace(/\|/g, '/').split('\n')[0]} | | | |`);
    else {
      const how = Object.entries(r.errors).map(([k, v]) => `${k} ${v}`).join(', ') || '-';
      lines.push(`| ${name} | ${r.requests} | ${r.failed}${r.unserved ? ` (${r.unserved} edits never served)` : ''} | ${how} | ${r.burstRestarts} |`);
    }
  }
  return lines.join('\n');
}

function writeMessage(dir, text) {
  fs.writeFileSync(path.join(dir, 'message.mjs'), `export const message = ${JSON.stringify(text)};\n`);
}

const keepAliveAgent = new http.Agent({ keepAlive: true });

function get(port, timeout = 1000, agent = false) {
  return new Promise((resolve) => {
    const req = http.get({ host: '127.0.0.1', port, path: '/', agent, timeout }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode, body }));
      res.on('error', (e) => resolve({ error: e.code ?? e.message }));
    });
    req.on('error', (e) => resolve({ error: e.code ?? e.message }));
    req.on('timeout', () => req.destroy(Object.assign(new Error('timeout'), { code: 'timeout' })));
  });
}

async function until(what, probe, timeout) {
  const deadline = Date.now() + timeout;
  for (;;) {
    if (await probe()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeout} ms waiting for ${what}`);
    await sleep(5);
  }
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

/** Ctrl-C, as a user stops a dev server: SIGINT to the tool's group, SIGKILL after 5 s. */
async function stopTool(child) {
  const exited = new Promise((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve() : child.once('exit', resolve)));
  signalGroup(child.pid, 'SIGINT');
  const timer = setTimeout(() => signalGroup(child.pid, 'SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
  signalGroup(child.pid, 'SIGKILL');
}

function signalGroup(pgid, signal) {
  try {
    process.kill(-pgid, signal);
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
