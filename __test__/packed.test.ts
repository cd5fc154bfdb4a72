/**
 * The package as a user gets it: `npm run pack:all` tarballs installed into a fresh app outside the
 * repository (no Rust, no checkout files, npm from its cache), then watch(), the CLI, the register hook and
 * the alias package used from there, and the typings checked by tsc under moduleResolution node, node16
 * and bundler. A second app without the platform package must poll and name that package on stderr.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { spawnProcess, stopSpawned, waitFor } from './helpers/run-helpers.js';

const ROOT = path.resolve(__dirname, '..');
const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'wf-packed-'));
const packed = path.join(work, 'packed');
const app = path.join(work, 'app');
const bare = path.join(work, 'bare');
const hostPlatform = (() => {
  const glibc = (process.report.getReport() as { header: { glibcVersionRuntime?: string } }).header.glibcVersionRuntime;
  return process.platform === 'linux' ? `linux-${process.arch}-${glibc ? 'gnu' : 'musl'}` : `${process.platform}-${process.arch}`;
})();
const tarball = (name: string) => path.join(packed, `${name}-${pkg.version}.tgz`);

function npm(cwd: string, args: string[]): string {
  // --prefer-offline: the registry is asked only for what the cache lacks (picomatch and @types/node are
  // in it after the checkout's own npm install).
  return execFileSync('npm', [...args, '--no-audit', '--no-fund', '--prefer-offline'], {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, npm_config_update_notifier: 'false' },
  });
}

function makeApp(dir: string): void {
  fs.mkdirSync(path.join(dir, 'src'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: path.basename(dir), private: true, type: 'module' }));
}

/** Runs a script file in `cwd` with the test's Node; returns stdout, stderr and status. */
function node(cwd: string, file: string, source: string) {
  fs.writeFileSync(path.join(cwd, file), source);
  const r = spawnSync(process.execPath, [file], { cwd, encoding: 'utf8', timeout: 30_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

beforeAll(() => {
  execFileSync(process.execPath, [path.join(ROOT, 'scripts/pack-all.mjs'), '--out', packed], { encoding: 'utf8' });
  makeApp(app);
  npm(app, ['install', tarball('watchfiles-node'), tarball(`watchfiles-node-${hostPlatform}`), tarball('watchfiles-chokidar'), '@types/node@^20.19.0']);
  makeApp(bare);
  npm(bare, ['install', tarball('watchfiles-node')]);
}, 180_000);

afterEach(stopSpawned);
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

describe('packed tarballs installed into a fresh app', () => {
  it('hold what a user needs and nothing of the repository', () => {
    const installed = path.join(app, 'node_modules/watchfiles-node');
    expect(fs.existsSync(path.join(installed, 'LICENSE'))).toBe(true);
    expect(fs.existsSync(path.join(installed, 'src'))).toBe(false);
    expect(fs.existsSync(path.join(installed, 'crates'))).toBe(false);
    const meta = JSON.parse(fs.readFileSync(path.join(installed, 'package.json'), 'utf8'));
    // Wired as a release wires them: every target's platform package, at our version.
    const platforms = fs.readdirSync(path.join(ROOT, 'npm'), { withFileTypes: true }).filter((e) => e.isDirectory());
    expect(platforms).toHaveLength(pkg.napi.targets.length);
    expect(meta.optionalDependencies).toEqual(Object.fromEntries(platforms.map((e) => [`watchfiles-node-${e.name}`, pkg.version])));
    expect(fs.existsSync(path.join(app, `node_modules/watchfiles-node-${hostPlatform}/LICENSE`))).toBe(true);
  });

  it('watch() and subscribe() run on the native binary of the platform package (ESM and CommonJS)', () => {
    const r = node(
      app,
      'watch-check.mjs',
      `import fs from 'node:fs';
      import { createRequire } from 'node:module';
      import { subscribe, watch } from 'watchfiles-node';
      const cjs = createRequire(import.meta.url)('watchfiles-node');
      const dir = fs.mkdtempSync('src/w-');
      const sub = await subscribe(dir, () => {});
      const backend = sub.backend;
      await sub.close();
      const ac = new AbortController();
      const file = dir + '/a.txt';
      // watch() has no ready signal: write until the first batch arrives (bounded by the 20 s timer).
      const writer = setInterval(() => fs.writeFileSync(file, String(Date.now())), 100);
      const giveUp = setTimeout(() => ac.abort(), 20_000);
      let seen = [];
      for await (const batch of watch(dir, { signal: ac.signal })) { seen = batch.map((c) => c.path); break; }
      clearInterval(writer); clearTimeout(giveUp);
      fs.writeFileSync('result.json', JSON.stringify({ backend, seen, cjs: typeof cjs.watch }));`,
    );
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const result = JSON.parse(fs.readFileSync(path.join(app, 'result.json'), 'utf8'));
    expect(result.backend).toBe('inotify');
    expect(result.seen.some((p: string) => p.endsWith('a.txt'))).toBe(true);
    expect(result.cjs).toBe('function');
  });

  it('the watchfiles CLI from node_modules/.bin restarts its command on a change and stops on SIGINT', async () => {
    const log = path.join(app, 'cli-runs.log');
    fs.writeFileSync(path.join(app, 'cli-child.mjs'), `import fs from 'node:fs';\nfs.appendFileSync(${JSON.stringify(log)}, 'start\\n');\nsetInterval(() => {}, 1000);\n`);
    const cli = spawnProcess(path.join(app, 'node_modules/.bin/watchfiles'), ['node cli-child.mjs', 'src'], { cwd: app });
    const runs = () => (fs.existsSync(log) ? fs.readFileSync(log, 'utf8').split('\n').filter(Boolean).length : 0);
    await waitFor(() => `first start (output: ${cli.output()})`, () => runs() === 1);
    fs.writeFileSync(path.join(app, 'src/changed.txt'), 'x');
    await waitFor(() => `restart (output: ${cli.output()})`, () => runs() === 2);
    cli.child.kill('SIGINT');
    expect(await cli.exited).toBe(0);
    expect(cli.output()).not.toMatch(/JS fallback/);
  });

  it('node --import watchfiles-node/register restarts the program when a file it loaded changes', async () => {
    const log = path.join(app, 'register-runs.log');
    fs.writeFileSync(path.join(app, 'src/dep.mjs'), `export const value = 'one';\n`);
    fs.writeFileSync(
      path.join(app, 'register-main.mjs'),
      `import fs from 'node:fs';\nimport { value } from './src/dep.mjs';\nfs.appendFileSync(${JSON.stringify(log)}, value + '\\n');\nsetInterval(() => {}, 1000);\n`,
    );
    const run = spawnProcess(process.execPath, ['--import', 'watchfiles-node/register', 'register-main.mjs'], { cwd: app });
    const lines = () => (fs.existsSync(log) ? fs.readFileSync(log, 'utf8').split('\n').filter(Boolean) : []);
    await waitFor(() => `first run (output: ${run.output()})`, () => lines().length === 1);
    fs.writeFileSync(path.join(app, 'src/dep.mjs'), `export const value = 'two!';\n`);
    await waitFor(() => `restart (output: ${run.output()})`, () => lines().at(-1) === 'two!');
    run.child.kill('SIGINT');
    expect(await run.exited).toBe(0);
  });

  it('the alias package watchfiles-chokidar works from require and import', () => {
    const r = node(
      app,
      'alias-check.mjs',
      `import fs from 'node:fs';
      import { createRequire } from 'node:module';
      import chokidarEsm, { watch } from 'watchfiles-chokidar';
      const chokidarCjs = createRequire(import.meta.url)('watchfiles-chokidar');
      const dir = fs.mkdtempSync('src/c-');
      const added = await new Promise((resolve, reject) => {
        const w = watch(dir, { ignoreInitial: true });
        const t = setTimeout(() => reject(new Error('no add event in 20 s')), 20_000);
        w.on('ready', () => fs.writeFileSync(dir + '/b.txt', 'x'));
        w.on('add', (p) => { clearTimeout(t); w.close().then(() => resolve(p)); });
      });
      fs.writeFileSync('alias-result.json', JSON.stringify({
        added, esmDefault: typeof chokidarEsm.watch, cjs: typeof chokidarCjs.watch, cjsDefault: typeof chokidarCjs.default.watch,
      }));`,
    );
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const result = JSON.parse(fs.readFileSync(path.join(app, 'alias-result.json'), 'utf8'));
    expect(result.added).toMatch(/b\.txt$/);
    expect(result).toMatchObject({ esmDefault: 'function', cjs: 'function', cjsDefault: 'function' });
  });

  it('types resolve and check under moduleResolution node, node16 and bundler', () => {
    const esm = `import { subscribe, watch, Change, type ChangeBatch } from 'watchfiles-node';
import chokidar, { FSWatcher } from 'watchfiles-node/chokidar';
import * as register from 'watchfiles-node/register';
import alias, { watch as aliasWatch } from 'watchfiles-chokidar';
void register;
const first = (b: ChangeBatch): Change | undefined => b[0]?.change;
void first;
void watch('src');
const a: FSWatcher = chokidar.watch('src');
const b: FSWatcher = alias.watch('src');
const c: FSWatcher = aliasWatch('src', { ignoreInitial: true });
void a; void b; void c;
// @ts-expect-error the callback is required and paths are strings
void subscribe(42);
`;
    const cjs = `import wf = require('watchfiles-node');
import chokidar = require('watchfiles-node/chokidar');
import alias = require('watchfiles-chokidar');
const w = alias.watch('src');
const v: typeof w = chokidar.default.watch('src');
void v;
void wf.subscribe('src', () => {});
// @ts-expect-error no such export
void alias.nope;
`;
    fs.writeFileSync(path.join(app, 'check.ts'), esm);
    fs.writeFileSync(path.join(app, 'check-cjs.cts'), cjs);
    const base = { strict: true, noEmit: true, esModuleInterop: true, types: ['node'], skipLibCheck: true, target: 'es2022' };
    const configs = {
      node: { compilerOptions: { ...base, module: 'commonjs', moduleResolution: 'node' }, files: ['check.ts'] },
      node16: { compilerOptions: { ...base, module: 'node16', moduleResolution: 'node16' }, files: ['check.ts', 'check-cjs.cts'] },
      bundler: { compilerOptions: { ...base, module: 'esnext', moduleResolution: 'bundler' }, files: ['check.ts'] },
    };
    const tsc = path.join(ROOT, 'node_modules/typescript/bin/tsc');
    for (const [name, config] of Object.entries(configs)) {
      fs.writeFileSync(path.join(app, `tsconfig.${name}.json`), JSON.stringify(config));
      const r = spawnSync(process.execPath, [tsc, '-p', `tsconfig.${name}.json`], { cwd: app, encoding: 'utf8', timeout: 60_000 });
      expect(`${name}: ${r.stdout}${r.stderr}`).toBe(`${name}: `);
      expect(r.status).toBe(0);
    }
  }, 120_000);
});

describe('the main tarball without its platform package', () => {
  it('polls and names the missing platform package and how to install it', () => {
    const r = node(
      bare,
      'fallback.mjs',
      `import { subscribe } from 'watchfiles-node';
      const sub = await subscribe('src', () => {});
      await sub.close();
      console.log(sub.backend);`,
    );
    expect(r.status).toBe(0);
    expect(r.stdout.trim()).toBe('js-poll');
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(`the platform package watchfiles-node-${hostPlatform} is not installed`);
    expect(lines[0]).toContain(`npm install watchfiles-node-${hostPlatform}`);
  });
});
