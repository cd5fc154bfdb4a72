/**
 * End to end: Tailwind v4's CLI (`@tailwindcss/cli --watch`, which watches through @parcel/watcher),
 * installed by npm into two fresh projects: one whose package.json overrides @parcel/watcher with the
 * alias package (packages/parcel-watcher-compat, packed, on a packed watchfiles-node), and the control
 * without it. In both, adding a class to a source file must rebuild the CSS with that class; in ours the
 * real @parcel/watcher (and its native binary) must be installed nowhere.
 *
 * Slow by nature (npm install, from the local npm cache when it can): generous bounded timeouts.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTempDir, waitUntil } from './chokidar-helpers.js';
import { npmInstall, packAlias } from './helpers/pack.js';

/** The Tailwind version this was tried with; the README of the alias package quotes it. */
export const TAILWIND_VERSION = '4.3.5';

let root: string;
const children: ChildProcess[] = [];

beforeAll(() => {
  root = makeTempDir('wf-tailwind-e2e-');
});

afterAll(async () => {
  for (const child of children) {
    if (!child.pid || child.exitCode !== null || child.signalCode !== null) continue;
    const exited = new Promise((r) => child.once('exit', r));
    try {
      process.kill(-child.pid, 'SIGTERM');
    } catch {
      continue;
    }
    const killer = setTimeout(() => {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // gone
      }
    }, 3000);
    await exited;
    clearTimeout(killer);
  }
  fs.rmSync(root, { recursive: true, force: true });
});

async function tailwindProject(name: string, overrides?: Record<string, string>): Promise<string> {
  const app = path.join(root, name);
  fs.mkdirSync(path.join(app, 'src'), { recursive: true });
  const manifest: Record<string, unknown> = {
    name: `tailwind-${name}`,
    private: true,
    dependencies: { '@tailwindcss/cli': TAILWIND_VERSION, tailwindcss: TAILWIND_VERSION },
  };
  if (overrides) manifest.overrides = overrides;
  fs.writeFileSync(path.join(app, 'package.json'), JSON.stringify(manifest, null, 2));
  fs.writeFileSync(path.join(app, 'src', 'input.css'), '@import "tailwindcss";\n');
  fs.writeFileSync(path.join(app, 'src', 'index.html'), '<div class="text-red-500">hello</div>\n');
  await npmInstall(app);
  return app;
}

/** A directory holding a link to this node and nothing else, for a PATH on which no watchman is found. */
function nodeOnlyPath(app: string): string {
  const bin = path.join(app, '.node-only-bin');
  fs.mkdirSync(bin, { recursive: true });
  if (!fs.existsSync(path.join(bin, 'node'))) fs.symlinkSync(process.execPath, path.join(bin, 'node'));
  return bin;
}

/** Runs `tailwindcss --watch` and checks that an edit to a source file is rebuilt into the CSS. */
async function editRebuilds(app: string): Promise<string> {
  const out = path.join(app, 'out.css');
  let log = '';
  const child = spawn(
    process.execPath,
    [path.join(app, 'node_modules/@tailwindcss/cli/dist/index.mjs'), '-i', 'src/input.css', '-o', 'out.css', '--watch=always'],
    // PATH holds node alone: the real @parcel/watcher switches to a watchman daemon whenever a `watchman`
    // binary is on PATH (and starts one that outlives the test); both runs watch with inotify here.
    { cwd: app, detached: true, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, PATH: nodeOnlyPath(app) } },
  );
  children.push(child);
  child.stdout!.on('data', (d) => (log += d));
  child.stderr!.on('data', (d) => (log += d));
  const css = () => (fs.existsSync(out) ? fs.readFileSync(out, 'utf8') : '');
  await waitUntil(() => css().includes('.text-red-500'), 60_000, () => `no first build:\n${log}`);
  // The first build is written before the watcher subscribes: wait until it watches (a rebuild of input.css).
  await waitUntil(() => /Done in/.test(log), 30_000, () => log);
  let attempt = 0;
  await waitUntil(
    () => {
      if (css().includes('.underline')) return true;
      // Re-save now and then until the subscription is in place (it starts after the first build).
      if (attempt++ % 100 === 0) fs.writeFileSync(path.join(app, 'src', 'index.html'), `<div class="text-red-500 underline">v${attempt}</div>\n`);
      return false;
    },
    30_000,
    () => `the edit was not rebuilt:\n${log}`,
  );
  expect(child.exitCode).toBeNull();
  return log;
}

describe(`Tailwind v4 CLI ${TAILWIND_VERSION} --watch`, () => {
  it('with overrides { "@parcel/watcher": watchfiles-parcel-watcher }: an edit rebuilds the CSS, real @parcel/watcher absent', async () => {
    const { alias } = await packAlias(root, 'parcel-watcher-compat');
    const app = await tailwindProject('ours', { '@parcel/watcher': `file:${alias}` });
    const nm = path.join(app, 'node_modules');
    expect(JSON.parse(fs.readFileSync(path.join(nm, '@parcel/watcher/package.json'), 'utf8')).name).toBe('watchfiles-parcel-watcher');
    const parcelBinaries = fs.existsSync(path.join(nm, '@parcel')) ? fs.readdirSync(path.join(nm, '@parcel')).filter((n) => n !== 'watcher') : [];
    expect(parcelBinaries).toEqual([]);
    const log = await editRebuilds(app);
    expect(log).not.toMatch(/Failed to load the file watcher|JS fallback/);
  }, 420_000);

  it('control: the same edit rebuilds the CSS with the real @parcel/watcher', async () => {
    const app = await tailwindProject('control');
    expect(JSON.parse(fs.readFileSync(path.join(app, 'node_modules/@parcel/watcher/package.json'), 'utf8')).name).toBe('@parcel/watcher');
    await editRebuilds(app);
  }, 420_000);
});
