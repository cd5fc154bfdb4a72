/**
 * Loading the library is cheap: the main entry (ESM and CommonJS, as built in dist/) loads the watch API and
 * nothing heavy. `ws` and node:http come with the first LiveReloadServer.start(), node:crypto with the
 * runner's first digest, and the chokidar facade and the CLI are entries of their own, never part of the main
 * bundle. Checked in a child process on the modules it really loaded (require.cache and Node's own
 * process.moduleLoadList); what that saves in RSS is measured in bench/idle.mjs, not here.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt } from './helpers/run-helpers.js';

const ROOT = path.resolve(__dirname, '..');
const DIST = path.join(ROOT, 'dist');

// The child runs a script file: `node -e` itself loads node:crypto, which would hide what the library loads.
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'wf-lazy-load-'));
beforeAll(ensureBuilt, 240_000);
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

/** What the child has loaded: `ws`, chokidar (ours or the real one), node:http and node:crypto. */
const PROBE = `
const probe = () => {
  const files = Object.keys(require.cache);
  const loaded = (name) => process.moduleLoadList.includes('NativeModule ' + name);
  return {
    ws: files.some((f) => /[\\\\/]node_modules[\\\\/]ws[\\\\/]/.test(f)),
    chokidar: files.some((f) => /[\\\\/]chokidar[\\\\/]|[\\\\/]dist[\\\\/](chokidar|cli)\\.c?js$/.test(f)),
    http: loaded('http'),
    crypto: loaded('crypto'),
  };
};`;

function runChild(type: 'module' | 'commonjs', load: string): { before: Record<string, boolean>; after: Record<string, boolean>; exports: string[] } {
  const source =
    (type === 'module' ? `import { createRequire } from 'node:module';\nconst require = createRequire(import.meta.url);\n` : '') +
    PROBE +
    `
(async () => {
  const lib = ${load};
  const before = probe();
  // Used: a LiveReload server on a free port loads ws and node:http.
  const server = await lib.LiveReloadServer.start({ port: 0 });
  await server.close();
  process.stdout.write(JSON.stringify({ before, after: probe(), exports: Object.keys(lib).sort() }));
})().catch((e) => { console.error(e); process.exit(1); });
`;
  const file = path.join(work, type === 'module' ? 'probe.mjs' : 'probe.cjs');
  fs.writeFileSync(file, source);
  const r = spawnSync(process.execPath, [file], { cwd: ROOT, encoding: 'utf8', timeout: 30_000 });
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  return JSON.parse(r.stdout);
}

describe('the main entry loads only the watch API', () => {
  const nothingHeavy = { ws: false, chokidar: false, http: false, crypto: false };

  it('ESM: import() loads no ws, http, crypto or chokidar facade until used', () => {
    const r = runChild('module', `await import(${JSON.stringify(path.join(DIST, 'index.js'))})`);
    expect(r.before).toEqual(nothingHeavy);
    expect(r.after).toMatchObject({ ws: true, http: true });
    expect(r.exports).toEqual(expect.arrayContaining(['watch', 'subscribe', 'runProcess', 'WatchfilesReloader', 'LiveReloadServer']));
  });

  it('CommonJS: require() loads no ws, http, crypto or chokidar facade until used', () => {
    const r = runChild('commonjs', `require(${JSON.stringify(path.join(DIST, 'index.cjs'))})`);
    expect(r.before).toEqual(nothingHeavy);
    expect(r.after).toMatchObject({ ws: true, http: true });
    expect(r.exports).toEqual(expect.arrayContaining(['watch', 'subscribe', 'runProcess', 'WatchfilesReloader', 'LiveReloadServer']));
  });

  it('ESM and CommonJS export the same names', () => {
    const esm = runChild('module', `await import(${JSON.stringify(path.join(DIST, 'index.js'))})`).exports.filter((n) => n !== 'default');
    const cjs = runChild('commonjs', `require(${JSON.stringify(path.join(DIST, 'index.cjs'))})`).exports;
    expect(esm).toEqual(cjs);
  });

  it('the bundles import ws and node:http only dynamically, and hold neither the chokidar facade nor the CLI', () => {
    for (const file of ['index.js', 'index.cjs']) {
      const text = fs.readFileSync(path.join(DIST, file), 'utf8');
      const staticImports = [...text.matchAll(/^import .* from "([^"]+)";$|\brequire\("([^"]+)"\)/gm)].map((m) => m[1] ?? m[2]);
      expect(staticImports, file).not.toContain('ws');
      expect(staticImports.filter((s) => /^(node:)?(http|https|crypto)$/.test(s!)), file).toEqual([]);
      expect(staticImports.filter((s) => /chokidar|cli/.test(s!)), file).toEqual([]);
      expect(text, file).not.toContain('class FSWatcher');
    }
  });
});
