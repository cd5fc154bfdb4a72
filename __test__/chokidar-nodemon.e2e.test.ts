/**
 * End to end: real nodemon, installed by npm into a fresh project whose package.json overrides
 * chokidar with the alias package (packages/chokidar-compat, packed, depending on a packed
 * watchfiles-node). nodemon runs an HTTP server; an edit to its source must restart it, and the
 * real chokidar must be nowhere in node_modules, so the facade did the watching.
 *
 * Slow by nature (npm install, from the local npm cache when it can): one generous bounded timeout.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterEach, expect, it } from 'vitest';
import { makeTempDir, REPO_ROOT, stagePackage, waitUntil } from './chokidar-helpers.js';

const run = promisify(execFile);
const NPM = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const NPM_QUIET = ['--no-audit', '--no-fund', '--loglevel=error'];

let root: string | undefined;
let nodemon: ChildProcess | undefined;

afterEach(async () => {
  if (nodemon?.pid && nodemon.exitCode === null && nodemon.signalCode === null) {
    const exited = new Promise((r) => nodemon!.once('exit', r));
    // nodemon runs in its own process group: stop it and the server it started together.
    try {
      process.kill(-nodemon.pid, 'SIGTERM');
    } catch {
      // Already gone.
    }
    const killer = setTimeout(() => {
      try {
        process.kill(-nodemon!.pid!, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }, 3000);
    await exited;
    clearTimeout(killer);
  }
  nodemon = undefined;
  if (root) fs.rmSync(root, { recursive: true, force: true });
  root = undefined;
});

/** `npm pack` in `dir`: the absolute path of the tarball it wrote. */
async function pack(dir: string, dest: string): Promise<string> {
  const { stdout } = await run(NPM, ['pack', '--pack-destination', dest, ...NPM_QUIET], { cwd: dir, timeout: 60_000 });
  const name = stdout.trim().split('\n').pop()!.trim();
  return path.join(dest, name);
}

function get(port: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    const req = http.get({ host: '127.0.0.1', port, path: '/', agent: false, timeout: 2000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve(body));
    });
    req.on('error', () => resolve(undefined));
    req.on('timeout', () => req.destroy());
  });
}

/** Every package.json name under node_modules (nested ones too). */
function installedNames(nodeModules: string): string[] {
  const names: string[] = [];
  for (const entry of fs.readdirSync(nodeModules, { recursive: true, withFileTypes: true })) {
    if (entry.name !== 'package.json' || !entry.isFile()) continue;
    const file = path.join(entry.parentPath, entry.name);
    // Only package roots: node_modules/<name>/package.json or node_modules/@scope/<name>/package.json.
    const rel = path.relative(nodeModules, path.dirname(file)).split(path.sep);
    const last = rel.lastIndexOf('node_modules');
    const depth = rel.length - (last + 1);
    const scoped = rel[last + 1]?.startsWith('@');
    if (depth !== (scoped ? 2 : 1)) continue;
    try {
      names.push(JSON.parse(fs.readFileSync(file, 'utf8')).name);
    } catch {
      // Not a manifest.
    }
  }
  return names;
}

it('nodemon with overrides { chokidar: watchfiles-chokidar } restarts the server on an edit, without chokidar installed', async () => {
  root = makeTempDir('wf-nodemon-e2e-');
  const tarballs = path.join(root, 'tarballs');
  fs.mkdirSync(tarballs);

  // 1. watchfiles-node, built and packed (with the native binary when there is one).
  const wf = await stagePackage(path.join(root, 'watchfiles-node'), false);
  const wfManifest = JSON.parse(fs.readFileSync(path.join(wf, 'package.json'), 'utf8'));
  wfManifest.files = [...wfManifest.files, '*.node'];
  delete wfManifest.scripts;
  fs.writeFileSync(path.join(wf, 'package.json'), JSON.stringify(wfManifest, null, 2));
  const wfTarball = await pack(wf, tarballs);

  // 2. The alias package, depending on that tarball, packed.
  const compat = path.join(root, 'chokidar-compat');
  fs.cpSync(path.join(REPO_ROOT, 'packages', 'chokidar-compat'), compat, { recursive: true });
  const compatManifest = JSON.parse(fs.readFileSync(path.join(compat, 'package.json'), 'utf8'));
  compatManifest.dependencies['watchfiles-node'] = `file:${wfTarball}`;
  fs.writeFileSync(path.join(compat, 'package.json'), JSON.stringify(compatManifest, null, 2));
  const compatTarball = await pack(compat, tarballs);

  // 3. A project using nodemon, with chokidar overridden, installed from scratch.
  const app = path.join(root, 'app');
  const nodemonVersion = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'node_modules/nodemon/package.json'), 'utf8')).version;
  fs.mkdirSync(path.join(app, 'src'), { recursive: true });
  fs.writeFileSync(
    path.join(app, 'package.json'),
    JSON.stringify(
      {
        name: 'nodemon-override-fixture',
        private: true,
        dependencies: { nodemon: nodemonVersion },
        overrides: { chokidar: `file:${compatTarball}` },
      },
      null,
      2,
    ),
  );
  const server = (version: number) => `
    const http = require('node:http');
    const VERSION = ${version};
    const server = http.createServer((req, res) => res.end('v' + VERSION));
    server.listen(0, '127.0.0.1', () => console.log('listening ' + server.address().port + ' v' + VERSION));
  `;
  fs.writeFileSync(path.join(app, 'src', 'server.js'), server(1));
  await run(NPM, ['install', '--prefer-offline', ...NPM_QUIET], { cwd: app, timeout: 150_000 });

  // 4. chokidar resolves to the alias, and the real chokidar is installed nowhere.
  const nodeModules = path.join(app, 'node_modules');
  const chokidarManifest = JSON.parse(fs.readFileSync(path.join(nodeModules, 'chokidar', 'package.json'), 'utf8'));
  expect(chokidarManifest.name).toBe('watchfiles-chokidar');
  const names = installedNames(nodeModules);
  expect(names).toContain('nodemon');
  expect(names).toContain('watchfiles-node');
  expect(names).not.toContain('chokidar');
  // chokidar 3's own dependencies are absent too.
  expect(names).not.toContain('readdirp');
  expect(names).not.toContain('anymatch');

  // 5. nodemon runs the server; an edit restarts it with the new code.
  let out = '';
  nodemon = spawn(process.execPath, [path.join(nodeModules, 'nodemon', 'bin', 'nodemon.js'), '--watch', 'src', 'src/server.js'], {
    cwd: app,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, NO_UPDATE_NOTIFIER: '1' },
  });
  nodemon.stdout!.on('data', (d) => (out += d));
  nodemon.stderr!.on('data', (d) => (out += d));
  const listening = (version: number) => {
    const m = [...out.matchAll(new RegExp(`listening (\\d+) v${version}`, 'g'))];
    return m.length ? Number(m.at(-1)![1]) : undefined;
  };
  await waitUntil(() => listening(1) !== undefined, 30_000, () => `no first start:\n${out}`);
  expect(await get(listening(1)!)).toBe('v1');
  // nodemon asks chokidar for the files it watches before it reports them: our scan answered.
  await waitUntil(() => /\[nodemon\] watching path\(s\): src/.test(out), 10_000, () => out);

  fs.writeFileSync(path.join(app, 'src', 'server.js'), server(2));
  await waitUntil(() => listening(2) !== undefined, 30_000, () => `no restart after the edit:\n${out}`);
  expect(out).toMatch(/restarting due to changes/);
  expect(await get(listening(2)!)).toBe('v2');
  // Which watchfiles-node backend watched: the packed native binary, or (none built, or disabled) the
  // JS fallback, which says so in one line, itself proof that watchfiles-node did the watching.
  const native = fs.readdirSync(wf).some((f) => f.endsWith('.node')) && !/^(1|true|yes)$/i.test(process.env.WATCHFILES_NO_NATIVE ?? '');
  if (native) expect(out).not.toMatch(/JS fallback/);
  else expect(out).toMatch(/watchfiles-node: polling with the JS fallback/);
}, 180_000);
