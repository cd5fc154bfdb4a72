/**
 * The register drop-in: `node --import watchfiles-node/register server.mjs` (and --require for CommonJS)
 * restarts the server when a file it loaded changes, and only then.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { childExecArgv } from '../src/register/exec-argv.js';
import {
  built,
  cleanupTemps,
  ensureBuilt,
  freePort,
  get,
  processesIn,
  stopSpawned,
  running,
  setMessage,
  sleep,
  spawnNode,
  tempDir,
  waitFor,
  waitForBody,
  writeServerProject,
} from './helpers/run-helpers.js';

beforeAll(async () => {
  await ensureBuilt();
}, 240_000);

afterEach(async () => {
  try {
    await stopSpawned();
  } finally {
    cleanupTemps();
  }
});

async function pidsOf(port: number): Promise<{ pid: number; ppid: number }> {
  return JSON.parse(await waitFor(`/pids on port ${port}`, () => get(port, '/pids')));
}

function restartLines(output: string): string[] {
  return output.match(/restarting: .*/g) ?? [];
}

describe('node --import watchfiles-node/register', () => {
  it('restarts on a change to an imported module, not on an unrelated file', async () => {
    const dir = tempDir('wf-register-');
    writeServerProject(dir, 'one');
    fs.writeFileSync(path.join(dir, 'unrelated.mjs'), 'export const x = 1;\n');
    const port = await freePort();
    const run = spawnNode(['--import', built.registerEsm, 'server.mjs'], { cwd: dir, env: { PORT: String(port) } });
    await waitForBody(port, 'one');
    const first = await pidsOf(port);
    // The server runs in a child of the process we started, which only supervises.
    expect(first.ppid).toBe(run.child.pid);

    fs.writeFileSync(path.join(dir, 'unrelated.mjs'), 'export const x = 2;\n');
    fs.writeFileSync(path.join(dir, 'notes.txt'), 'not loaded by the server');
    await sleep(1200);
    expect((await pidsOf(port)).pid).toBe(first.pid);

    setMessage(dir, 'two');
    await waitForBody(port, 'two');
    expect(restartLines(run.output())).toEqual(['restarting: modified message.mjs']);
    expect(running(first.pid)).toBe(false);
  });

  it('restarts into a warm spare: the new server is the node process that was already waiting', async () => {
    const dir = tempDir('wf-register-');
    writeServerProject(dir, 'one');
    const port = await freePort();
    const run = spawnNode(['--import', built.registerEsm, 'server.mjs'], { cwd: dir, env: { PORT: String(port) } });
    await waitForBody(port, 'one');
    const first = await pidsOf(port);
    // supervisor, server, and the spare: a node process of its own group, not the server's child
    const spare = await waitFor('the warm spare', () =>
      processesIn([dir]).find((p) => p.pid !== run.child.pid && p.pid !== first.pid && p.cmd.includes('server.mjs')),
    );
    setMessage(dir, 'two');
    await waitForBody(port, 'two');
    expect((await pidsOf(port)).pid).toBe(spare.pid);
  });

  it('WATCHFILES_WARM_SPARE=0 starts each server fresh', async () => {
    const dir = tempDir('wf-register-');
    writeServerProject(dir, 'one');
    const port = await freePort();
    const run = spawnNode(['--import', built.registerEsm, 'server.mjs'], { cwd: dir, env: { PORT: String(port), WATCHFILES_WARM_SPARE: '0' } });
    await waitForBody(port, 'one');
    const first = await pidsOf(port);
    // An absence can only be shown after a wait: ten times the 100 ms after which a spare would start.
    await sleep(1000);
    expect(processesIn([dir]).map((p) => p.pid).sort()).toEqual([run.child.pid, first.pid].sort());
    const before = new Set(processesIn([dir]).map((p) => p.pid));
    setMessage(dir, 'two');
    await waitForBody(port, 'two');
    expect(before.has((await pidsOf(port)).pid)).toBe(false);
  });

  it('restarts once a module that had a syntax error at start-up is fixed', async () => {
    const dir = tempDir('wf-register-');
    writeServerProject(dir, 'unused');
    fs.writeFileSync(path.join(dir, 'message.mjs'), 'export const message = {;\n');
    const port = await freePort();
    const run = spawnNode(['--import', built.registerEsm, 'server.mjs'], { cwd: dir, env: { PORT: String(port) } });
    await run.waitForOutput(/SyntaxError/);
    await run.waitForOutput(/exited with code 1; waiting for a change to restart/);

    setMessage(dir, 'fixed');
    await waitForBody(port, 'fixed');
    expect(restartLines(run.output())).toEqual(['restarting: modified message.mjs']);
  });

  it('picks up a module imported lazily, after start-up', async () => {
    const dir = tempDir('wf-register-');
    fs.writeFileSync(path.join(dir, 'lazy.mjs'), "export const text = 'lazy one';\n");
    fs.writeFileSync(
      path.join(dir, 'server.mjs'),
      `import http from 'node:http';
http.createServer(async (req, res) => {
  res.setHeader('connection', 'close');
  res.end(req.url === '/lazy' ? (await import('./lazy.mjs')).text : 'root');
}).listen(Number(process.env.PORT), '127.0.0.1');
`,
    );
    const port = await freePort();
    const run = spawnNode(['--import', built.registerEsm, 'server.mjs'], { cwd: dir, env: { PORT: String(port) } });
    await waitForBody(port, 'root');
    expect(await get(port, '/lazy')).toBe('lazy one');
    // Give the supervisor a moment to place the new watch (it syncs watches every 200 ms).
    await sleep(600);
    fs.writeFileSync(path.join(dir, 'lazy.mjs'), "export const text = 'lazy two';\n");
    await run.waitForOutput(/restarting: modified lazy\.mjs/);
    await waitFor('the new lazy text', async () => (await get(port, '/lazy')) === 'lazy two');
  });

  it('watches WATCHFILES_WATCH paths too', async () => {
    const dir = tempDir('wf-register-');
    writeServerProject(dir, 'a');
    fs.mkdirSync(path.join(dir, 'views'));
    fs.writeFileSync(path.join(dir, 'views', 'index.html'), '<p>a</p>');
    const port = await freePort();
    const run = spawnNode(['--import', built.registerEsm, 'server.mjs'], {
      cwd: dir,
      env: { PORT: String(port), WATCHFILES_WATCH: 'views' },
    });
    await waitForBody(port, 'a');
    const { pid } = await pidsOf(port);
    fs.writeFileSync(path.join(dir, 'views', 'index.html'), '<p>b</p>');
    await run.waitForOutput(/restarting: modified views\/index\.html/);
    await waitFor('a new server', async () => (await pidsOf(port)).pid !== pid);
  });

  it('stops the server on Ctrl-C and exits 0', async () => {
    const dir = tempDir('wf-register-');
    writeServerProject(dir, 'a', { worker: true });
    const port = await freePort();
    const run = spawnNode(['--import', built.registerEsm, 'server.mjs'], { cwd: dir, env: { PORT: String(port) } });
    await waitForBody(port, 'a');
    const pids = JSON.parse((await get(port, '/pids'))!) as { pid: number; worker: number };
    run.child.kill('SIGINT');
    expect(await run.exited).toBe(0);
    expect([pids.pid, pids.worker].filter(running)).toEqual([]);
    expect(run.output()).toMatch(/stopped \(SIGINT\) after 0 restarts/);
  });

  it('takes its server down when the supervisor is killed outright', async () => {
    const dir = tempDir('wf-register-');
    writeServerProject(dir, 'a');
    const port = await freePort();
    const run = spawnNode(['--import', built.registerEsm, 'server.mjs'], { cwd: dir, env: { PORT: String(port) } });
    await waitForBody(port, 'a');
    const { pid } = await pidsOf(port);
    run.child.kill('SIGKILL');
    await waitFor('the orphaned server to exit', () => !running(pid), 10_000);
  });
});

describe('node --require watchfiles-node/register (CommonJS)', () => {
  it('restarts a CommonJS server when a required module changes', async () => {
    const dir = tempDir('wf-register-');
    fs.writeFileSync(path.join(dir, 'message.cjs'), "module.exports = 'cjs one';\n");
    fs.writeFileSync(
      path.join(dir, 'server.cjs'),
      `const http = require('node:http');
const message = require('./message.cjs');
http.createServer((req, res) => { res.setHeader('connection', 'close'); res.end(message); })
  .listen(Number(process.env.PORT), '127.0.0.1');
`,
    );
    const port = await freePort();
    const run = spawnNode(['--require', built.registerCjs, 'server.cjs'], { cwd: dir, env: { PORT: String(port) } });
    await waitForBody(port, 'cjs one');
    fs.writeFileSync(path.join(dir, 'message.cjs'), "module.exports = 'cjs two';\n");
    await waitForBody(port, 'cjs two').catch((e) => {
      throw new Error(`${e.message}\n${run.output()}`);
    });
    expect(restartLines(run.output())).toEqual(['restarting: modified message.cjs']);
  });
});

describe('childExecArgv', () => {
  const self = '/app/node_modules/watchfiles-node/dist/register.js';
  const child = '/app/node_modules/watchfiles-node/dist/register-child.js';
  const childUrl = 'file:///app/node_modules/watchfiles-node/dist/register-child.js';

  it('swaps the register flag for the child entry, in place, under every spelling', () => {
    expect(childExecArgv(['--import', 'watchfiles-node/register'], self, child, '/app')).toEqual(['--import', childUrl]);
    expect(childExecArgv(['--import=watchfiles-node/register', '--enable-source-maps'], self, child, '/app')).toEqual([
      '--import',
      childUrl,
      '--enable-source-maps',
    ]);
    expect(childExecArgv(['--inspect', '--import', `file://${self}`, '--import', 'tsx'], self, child, '/app')).toEqual([
      '--inspect',
      '--import',
      childUrl,
      '--import',
      'tsx',
    ]);
    expect(childExecArgv(['--import', './node_modules/watchfiles-node/dist/register.js'], self, child, '/app')).toEqual([
      '--import',
      childUrl,
    ]);
  });

  it('uses --require for the CommonJS build', () => {
    const cjsSelf = self.replace(/\.js$/, '.cjs');
    const cjsChild = child.replace(/\.js$/, '.cjs');
    expect(childExecArgv(['-r', 'watchfiles-node/register'], cjsSelf, cjsChild, '/app')).toEqual(['--require', cjsChild]);
    expect(childExecArgv(['--require', cjsSelf], cjsSelf, cjsChild, '/app')).toEqual(['--require', cjsChild]);
  });

  it('prepends the child entry when the flag came from NODE_OPTIONS', () => {
    expect(childExecArgv(['--max-old-space-size=512'], self, child, '/app')).toEqual(['--import', childUrl, '--max-old-space-size=512']);
  });
});
