/**
 * watchfiles-node/webpack against the real webpack 5 and webpack-dev-server from npm, each case with
 * webpack's own watcher (watchpack) as the control on the same project: edit -> rebuild, a file that
 * appears later, the inotify cost of an ignored node_modules, watchOptions, and the watchpack-shaped
 * `.watcher` plugins listen to.
 */
import fs from 'node:fs';
import http from 'node:http';
import { createRequire } from 'node:module';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { WatchfilesWebpackPlugin } from '../src/webpack/index.js';
import { startDriver, type Driver, type DriverEvent } from './helpers/driver.js';
import { removeDir, tempDir, waitFor, write } from './helpers/fs.js';

const { inotifyWatches } = await import('../bench/lib/inotify.mjs');
const require = createRequire(import.meta.url);
const webpack = require('webpack') as (config: object) => any;
const DRIVER = path.join(__dirname, '..', 'bench', 'lib', 'dropins', 'webpack-driver.cjs');
const MODES = ['ours', 'theirs'] as const;

let dir = '';
let drivers: Driver[] = [];
beforeEach(() => {
  dir = tempDir('wf-webpack-');
});
afterEach(async () => {
  await Promise.all(drivers.map((d) => d.stop()));
  drivers = [];
  removeDir(dir);
});

/** src/index.js imports ./msg.js and the package "dep"; node_modules holds `packages` more packages. */
function makeProject(root: string, packages = 0): void {
  write(path.join(root, 'src', 'index.js'), 'import { msg } from "./msg.js";\nimport dep from "dep";\nconsole.log(msg, dep);\n');
  write(path.join(root, 'src', 'msg.js'), 'export const msg = "one";\n');
  write(path.join(root, 'node_modules', 'dep', 'package.json'), '{"name":"dep","version":"1.0.0","main":"lib/index.js"}');
  write(path.join(root, 'node_modules', 'dep', 'lib', 'index.js'), 'module.exports = "dep";\n');
  for (let i = 0; i < packages; i++) write(path.join(root, 'node_modules', `pkg${i}`, 'lib', 'deep', 'index.js'), 'module.exports = 1;\n');
}

function start(mode: string, how: 'watch' | 'serve', env: Record<string, string> = {}): Driver {
  const d = startDriver(DRIVER, [dir, mode, how], env);
  drivers.push(d);
  return d;
}

const isBuild = (n: number) => (e: DriverEvent) => e.event === 'build' && e.n === n;
const bundle = () => fs.readFileSync(path.join(dir, 'dist', 'main.js'), 'utf8');

describe.each(MODES)('webpack --watch, %s', (mode) => {
  it('rebuilds only the edited module, and picks up a file that did not exist yet', async () => {
    makeProject(dir);
    const d = start(mode, 'watch');
    await d.next((e) => e.event === 'ready', 'the first build');
    expect(bundle()).toContain('"one"');

    write(path.join(dir, 'src', 'msg.js'), 'export const msg = "two";\n');
    const second = await d.next(isBuild(2), 'a rebuild after the edit');
    expect(second.errors).toEqual([]);
    expect(second.modified).toContain(path.join(dir, 'src', 'msg.js'));
    expect(second.built).toBe(1); // the time-info entries let webpack keep every other module
    expect(bundle()).toContain('"two"');

    // Import a module that is not there: the build fails and webpack watches the missing path.
    write(path.join(dir, 'src', 'index.js'), 'import { later } from "./later/deep.js";\nconsole.log(later);\n');
    const third = await d.next(isBuild(3), 'the build with a missing import');
    expect((third.errors as string[]).join('\n')).toMatch(/later/);
    write(path.join(dir, 'src', 'later', 'deep.js'), 'export const later = "appeared";\n');
    const fourth = await d.next((e) => e.event === 'build' && (e.n as number) >= 4 && (e.errors as string[]).length === 0, 'a rebuild once the file exists');
    expect(fourth.errors).toEqual([]);
    expect(bundle()).toContain('"appeared"');

    // Closing the watch lets Node exit by itself.
    await d.stop();
    expect(d.exitCode()).toBe(0);
    expect(d.events.some((e) => e.event === 'closed')).toBe(true);
  });
});

describe.each(MODES)('webpack-dev-server on 127.0.0.1, %s', (mode) => {
  it('serves the rebuilt bundle after an edit', async () => {
    makeProject(dir);
    const d = start(mode, 'serve');
    const ready = await d.next((e) => e.event === 'ready', 'the server');
    const url = `http://127.0.0.1:${String(ready.port)}/main.js`;
    expect(await get(url)).toContain('"one"');
    const from = d.events.length;
    write(path.join(dir, 'src', 'msg.js'), 'export const msg = "two";\n');
    await d.next((e) => e.event === 'build', 'a rebuild after the edit', from);
    expect(await get(url)).toContain('"two"');
  });
});

describe('inotify watches with the project root as a context dependency (as Tailwind content globs make it)', () => {
  it.skipIf(process.platform !== 'linux')('node_modules costs nothing with the plugin, one watch per directory without it', async () => {
    const packages = 60;
    makeProject(dir, packages);
    const counts: Record<string, number> = {};
    for (const mode of MODES) {
      const d = start(mode, 'watch', { WEBPACK_CONTEXT_ROOT: '1' });
      await d.next((e) => e.event === 'ready', 'the first build');
      // A change is seen only once its watch is in place: an edit that rebuilds proves the watches are placed.
      const from = d.events.length;
      write(path.join(dir, 'src', 'msg.js'), `export const msg = "${mode}";\n`);
      await d.next((e) => e.event === 'build', 'a rebuild', from);
      counts[mode] = inotifyWatches(d.child.pid!) as number;
      await d.stop();
    }
    // watchpack: each of the 3 directories of every package; ours: the project's own few directories.
    expect(counts.theirs).toBeGreaterThanOrEqual(packages * 3);
    expect(counts.ours).toBeLessThanOrEqual(6);
  });
});

describe('watchOptions through the plugin', () => {
  it('ignored paths never rebuild; poll watches by polling; followSymlinks follows a linked file', async () => {
    makeProject(dir);
    const outside = tempDir('wf-webpack-real-');
    try {
      write(path.join(outside, 'real.js'), 'export const real = "r1";\n');
      fs.symlinkSync(path.join(outside, 'real.js'), path.join(dir, 'src', 'link.js'));
      write(path.join(dir, 'src', 'skip.js'), 'export const skip = "s1";\n');
      write(path.join(dir, 'src', 'index.js'), 'import { msg } from "./msg.js";\nimport { real } from "./link.js";\nimport { skip } from "./skip.js";\nconsole.log(msg, real, skip);\n');
      const d = start('ours', 'watch', {
        WEBPACK_WATCH_OPTIONS: JSON.stringify({ aggregateTimeout: 20, ignored: '**/skip.js', poll: 100, followSymlinks: true }),
      });
      await d.next((e) => e.event === 'ready', 'the first build');
      // The ignored file first, then a watched one: the rebuild that follows must not name the ignored file.
      write(path.join(dir, 'src', 'skip.js'), 'export const skip = "s2";\n');
      write(path.join(outside, 'real.js'), 'export const real = "r2";\n');
      const second = await d.next(isBuild(2), 'a rebuild after editing the link target');
      expect(second.modified).toContain(path.join(dir, 'src', 'link.js'));
      expect(second.modified).not.toContain(path.join(dir, 'src', 'skip.js'));
      expect(bundle()).toContain('"r2"');
    } finally {
      removeDir(outside);
    }
  });
});

describe('the plugin in-process', () => {
  it('replaces watchFileSystem; .watcher emits change and aggregated; invalidate() reads getInfo()', async () => {
    makeProject(dir);
    const compiler = webpack({
      mode: 'development',
      context: dir,
      entry: './src/index.js',
      output: { path: path.join(dir, 'dist') },
      devtool: false,
      infrastructureLogging: { level: 'error' },
      plugins: [new WatchfilesWebpackPlugin()],
    });
    expect(compiler.watchFileSystem.constructor.name).toBe('WatchfilesWatchFileSystem');
    const builds: number[] = [];
    const watching = compiler.watch({ aggregateTimeout: 10 }, (err: Error | null) => {
      expect(err).toBeNull();
      builds.push(Date.now());
    });
    try {
      await waitFor(() => builds.length === 1, 'the first build');
      const seen: Array<[string, unknown]> = [];
      compiler.watchFileSystem.watcher.on('change', (file: string, mtime: number) => seen.push(['change', file]));
      compiler.watchFileSystem.watcher.on('aggregated', (changes: Set<string>) => seen.push(['aggregated', [...changes]]));
      const msg = path.join(dir, 'src', 'msg.js');
      write(msg, 'export const msg = "two";\n');
      await waitFor(() => builds.length === 2, 'the rebuild');
      expect(seen).toContainEqual(['change', msg]);
      expect(seen).toContainEqual(['aggregated', [msg]]);
      const files = compiler.fileTimestamps as Map<string, { timestamp: number; safeTime: number } | null>;
      expect(files.get(msg)?.timestamp).toBe(Number(fs.statSync(msg).mtime));
      // A manual invalidate() with nothing changed rebuilds nothing.
      watching.invalidate();
      await waitFor(() => builds.length === 3, 'the invalidated build');
      expect([...(compiler.modifiedFiles ?? [])]).toEqual([]);
    } finally {
      await new Promise<void>((resolve) => watching.close(() => resolve()));
    }
  });

  it('rejects bad options with a message that says what to do', () => {
    expect(() => new WatchfilesWebpackPlugin({ aggregateTimeout: 5 } as never)).toThrow(/watchOptions .* go in the webpack config/);
    expect(() => new WatchfilesWebpackPlugin({ defaultIgnores: 'no' } as never)).toThrow(/"defaultIgnores" must be a boolean/);
    const compiler = webpack({ mode: 'development', context: dir, entry: './src/index.js', infrastructureLogging: { level: 'error' }, plugins: [new WatchfilesWebpackPlugin()] });
    expect(() =>
      compiler.watchFileSystem.watch([], [], [], 0, { ignored: 42 }, () => {}),
    ).toThrow(/watchOptions.ignored must be a glob string, a RegExp/);
    expect(() => compiler.watchFileSystem.watch([], [], [], 0, { poll: -1 }, () => {})).toThrow(/watchOptions.poll/);
  });
});

function get(url: string): Promise<string> {
  return new Promise((resolve, reject) => {
    http
      .get(url, (res) => {
        let body = '';
        res.setEncoding('utf8').on('data', (c: string) => (body += c)).on('end', () => resolve(body));
      })
      .on('error', reject);
  });
}
