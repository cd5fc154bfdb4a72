/**
 * watchfiles-node/vite against the real Vite 6, 7 and 8 from npm, each with Vite's own watcher
 * (chokidar) as the control on the same project: a CSS edit is hot-updated, a JS edit full-reloads,
 * a file added with addWatchFile outside the root and a config file's dependency are watched (the
 * latter restarts the server), and node_modules costs no inotify watch.
 */
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { watchfiles } from '../src/vite/index.js';
import { startDriver, type Driver, type DriverEvent } from './helpers/driver.js';
import { removeDir, tempDir, write } from './helpers/fs.js';

const { inotifyWatches } = await import('../bench/lib/inotify.mjs');
const DRIVER = path.join(__dirname, '..', 'bench', 'lib', 'dropins', 'vite-driver.mjs');
const PLUGIN_URL = pathToFileURL(path.join(__dirname, '..', 'dist', 'vite.js')).href;
const VITES = ['vite6', 'vite7', 'vite8'] as const;
const MODES = ['ours', 'theirs'] as const;

let dir = '';
let outside = '';
let drivers: Driver[] = [];
beforeEach(() => {
  dir = tempDir('wf-vite-');
  outside = tempDir('wf-vite-outside-');
});
afterEach(async () => {
  await Promise.all(drivers.map((d) => d.stop()));
  drivers = [];
  removeDir(dir);
  removeDir(outside);
});

/**
 * index.html -> main.js -> style.css; vite.config.mjs imports config-dep.mjs, adds our plugin when
 * WATCHFILES_VITE_PLUGIN names it, and a plugin that calls addWatchFile() on a file outside the root.
 */
function makeViteProject(root: string, outsideFile: string, packages = 0): void {
  write(path.join(root, 'index.html'), '<!doctype html><html><body><script type="module" src="/main.js"></script></body></html>\n');
  write(path.join(root, 'main.js'), 'import "./style.css";\nexport const msg = "one";\n');
  write(path.join(root, 'style.css'), 'body { color: red; }\n');
  write(path.join(root, 'config-dep.mjs'), 'export const dep = 1;\n');
  write(outsideFile, 'outside 1\n');
  write(
    path.join(root, 'vite.config.mjs'),
    `import { dep } from './config-dep.mjs';
const plugins = [];
if (process.env.WATCHFILES_VITE_PLUGIN) {
  const { watchfiles } = await import(process.env.WATCHFILES_VITE_PLUGIN);
  plugins.push(watchfiles());
}
plugins.push({
  name: 'report',
  configureServer(server) {
    const say = (o) => process.stdout.write(JSON.stringify(o) + '\\n');
    say({ event: 'configured', at: Date.now(), dep });
    for (const type of ['add', 'change', 'unlink']) server.watcher.on(type, (file) => say({ event: 'watch', type, file }));
  },
});
plugins.push({
  name: 'extra-watch',
  transform(code, id) {
    if (id.endsWith('/main.js')) this.addWatchFile(${JSON.stringify(outsideFile)});
  },
});
export default { plugins, clearScreen: false, server: { watch: { ignored: ['**/skipme/**'] } } };
`,
  );
  for (let i = 0; i < packages; i++) write(path.join(root, 'node_modules', `pkg${i}`, 'lib', 'deep', 'index.js'), 'module.exports = 1;\n');
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

async function startVite(vitePackage: string, mode: string): Promise<{ d: Driver; port: number }> {
  const port = await freePort();
  const env: Record<string, string> = mode === 'ours' ? { WATCHFILES_VITE_PLUGIN: PLUGIN_URL } : {};
  const d = startDriver(DRIVER, [dir, vitePackage, String(port)], env);
  drivers.push(d);
  const ready = await d.next((e) => e.event === 'ready', 'the Vite server', 0, 40_000);
  // With the plugin Vite runs no chokidar of its own: every event it gets comes from us.
  expect(ready.watcher).toBe(mode === 'ours' ? 'NoopWatcher' : 'FSWatcher');
  await d.next((e) => e.event === 'hmr' && (e.payload as { type: string }).type === 'connected', 'the HMR client');
  return { d, port };
}

const hmr = (e: DriverEvent) => (e.event === 'hmr' ? (e.payload as { type: string; updates?: Array<{ path: string }> }) : undefined);

describe.each(VITES)('%s', (vitePackage) => {
  it.each(MODES)('%s: CSS hot update, JS full reload, addWatchFile outside the root, config dependency restart', async (mode) => {
    const outsideFile = path.join(outside, 'extra.txt');
    makeViteProject(dir, outsideFile);
    const { d, port } = await startVite(vitePackage, mode);
    // Load the modules as the page would, so they are in Vite's module graph.
    expect(await get(port, '/main.js')).toContain('one');
    expect(await get(port, '/style.css')).toContain('red');

    let from = d.events.length;
    write(path.join(dir, 'style.css'), 'body { color: blue; }\n');
    await d.next((e) => !!hmr(e)?.updates?.some((u) => u.path === '/style.css'), 'a hot update of /style.css', from);

    from = d.events.length;
    write(path.join(dir, 'main.js'), 'import "./style.css";\nexport const msg = "two";\n');
    await d.next((e) => hmr(e)?.type === 'full-reload', 'a full reload after editing main.js', from);
    expect(await get(port, '/main.js')).toContain('two');

    from = d.events.length;
    write(outsideFile, 'outside 2\n');
    await d.next((e) => ['full-reload', 'update'].includes(hmr(e)?.type ?? ''), 'a reaction to the addWatchFile file', from);

    const configured = d.events.filter((e) => e.event === 'configured').length;
    write(path.join(dir, 'config-dep.mjs'), 'export const dep = 2;\n');
    const again = await d.next((e) => e.event === 'configured' && e.dep === 2, 'a restart after the config dependency changed', 0, 30_000);
    expect(d.events.filter((e) => e.event === 'configured').length).toBe(configured + 1);
    expect(again.dep).toBe(2);

    // The restarted server watches too (with the plugin: a new bridge, the old one closed).
    await d.next((e) => e.event === 'hmr' && (e.payload as { type: string }).type === 'connected' && (e.at as number) > (again.at as number), 'the HMR client reconnected');
    expect(await get(port, '/style.css')).toContain('blue');
    from = d.events.length;
    write(path.join(dir, 'style.css'), 'body { color: green; }\n');
    await d.next((e) => !!hmr(e)?.updates?.some((u) => u.path === '/style.css'), 'a hot update after the restart', from);
  }, 90_000);
});

describe.each(MODES)('vite8, %s: server.watch.ignored and .env files', (mode) => {
  it('an ignored directory reports nothing; a .env file created later restarts the server', async () => {
    makeViteProject(dir, path.join(outside, 'extra.txt'));
    const { d } = await startVite('vite8', mode);
    const from = d.events.length;
    write(path.join(dir, 'skipme', 'a.txt'), 'x');
    write(path.join(dir, 'seen.txt'), 'x');
    await d.next((e) => e.event === 'watch' && e.file === path.join(dir, 'seen.txt'), 'the event for seen.txt', from);
    expect(d.events.slice(from).filter((e) => e.event === 'watch' && String(e.file).includes('skipme'))).toEqual([]);

    const configured = d.events.filter((e) => e.event === 'configured').length;
    const before = d.events.length;
    write(path.join(dir, '.env'), 'VITE_X=1\n');
    await d.next((e) => e.event === 'configured', 'a restart after .env appeared', before, 30_000);
    expect(d.events.filter((e) => e.event === 'configured').length).toBe(configured + 1);
  }, 60_000);
});

describe('inotify watches of a Vite dev server', () => {
  it.skipIf(process.platform !== 'linux')('with the plugin only the project\'s directories cost a watch: not node_modules, not each file', async () => {
    makeViteProject(dir, path.join(outside, 'extra.txt'), 60);
    for (let i = 0; i < 5; i++) write(path.join(dir, 'src', `part${i}`, 'index.js'), 'export default 1;\n');
    const counts: Record<string, number> = {};
    for (const mode of MODES) {
      const { d, port } = await startVite('vite8', mode);
      await get(port, '/main.js');
      // An edit that reloads proves the watches are placed before they are counted.
      const from = d.events.length;
      write(path.join(dir, 'main.js'), `import "./style.css";\nexport const msg = "${mode}";\n`);
      await d.next((e) => hmr(e)?.type === 'full-reload', 'a full reload', from);
      counts[mode] = inotifyWatches(d.child.pid!) as number;
      await d.stop();
    }
    console.log(`vite8 inotify watches: ours ${counts.ours}, theirs ${counts.theirs}`);
    // The project's own directories (root, src, src/part0..4) and the outside file's directory.
    expect(counts.ours).toBeLessThanOrEqual(8);
    // chokidar places one per directory and one per file it saw.
    expect(counts.ours).toBeLessThan(counts.theirs!);
  }, 120_000);
});

describe('the plugin object', () => {
  it('sets server.watch to null (keeping the user options) and rejects unknown options', () => {
    const plugin = watchfiles();
    const config: { server?: { watch?: unknown } } = { server: { watch: { usePolling: true } } };
    plugin.config(config as never);
    expect(config.server!.watch).toBeNull();
    expect(plugin.enforce).toBe('pre');
    expect(() => watchfiles({ usePolling: true } as never)).toThrow(/unknown option "usePolling".*server\.watch/);
  });
});

function get(port: number, urlPath: string): Promise<string> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, path: urlPath }, (res) => {
        let body = '';
        res.setEncoding('utf8').on('data', (c: string) => (body += c)).on('end', () => resolve(body));
      })
      .on('error', reject);
  });
}
