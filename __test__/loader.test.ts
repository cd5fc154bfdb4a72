/** The native loader, its polling fallback, the generated typings, and the options that pick a backend. */
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_IGNORE_DIRS, DEFAULT_IGNORE_ENTRIES } from '../src/index.js';
import { loadNative } from '../src/watch/addon.js';
import { perTestDir, record } from './helpers/fs.js';

const root = path.resolve(__dirname, '..');
const t = perTestDir();

describe('native addon', () => {
  it('loads here, and its default ignore lists equal the TypeScript copies', () => {
    const native = loadNative();
    expect(native).toBeDefined();
    expect(native!.defaultIgnoreDirs()).toEqual([...DEFAULT_IGNORE_DIRS]);
    expect(native!.defaultIgnoreEntries()).toEqual([...DEFAULT_IGNORE_ENTRIES]);
  });

  it('index.d.ts is what the Rust source generates (commit it after changing the binding)', () => {
    // `npm test` rebuilds the addon first, which regenerates index.d.ts from crates/node/src.
    const committed = execFileSync('git', ['show', 'HEAD:index.d.ts'], { cwd: root, encoding: 'utf8' });
    expect(fs.readFileSync(path.join(root, 'index.d.ts'), 'utf8')).toBe(committed);
  });

  it('the generated loader exports what src/watch/addon.ts expects', () => {
    const binding = createRequire(__filename)(path.join(root, 'index.cjs'));
    expect(typeof binding.NativeWatcher.start).toBe('function');
    expect(typeof binding.defaultIgnoreDirs).toBe('function');
  });
});

describe('fallback without a native binary', () => {
  const script = (d: string) => `
    import { subscribe } from ${JSON.stringify(path.join(root, 'dist/index.js'))};
    import fs from 'node:fs';
    const seen = [];
    const sub = await subscribe(${JSON.stringify(d)}, (b) => seen.push(...b.map((c) => c.path)));
    fs.writeFileSync(${JSON.stringify(path.join(d, 'f.txt'))}, 'x');
    const deadline = Date.now() + 10000;
    while (!seen.length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    await sub.close();
    console.log(JSON.stringify({ backend: sub.backend, seen }));`;

  it('polls, and says once on stderr why and how to fix it', () => {
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script(t.dir)], {
      env: { ...process.env, NAPI_RS_NATIVE_LIBRARY_PATH: path.join(t.dir, 'missing.node') },
      encoding: 'utf8',
      timeout: 20_000,
    });
    expect(r.status).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.backend).toBe('js-poll');
    expect(out.seen).toEqual([path.join(t.dir, 'f.txt')]);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/no native binary .* could be loaded/);
    expect(lines[0]).toContain('npm install');
  });
});

describe('backend selection', () => {
  it('forcePolling polls natively and says why', async () => {
    t.rec = await record(t.dir, { forcePolling: true, pollDelay: 50 });
    expect(t.rec.sub.backend).toBe('poll');
    expect(t.rec.sub.pollReason).toContain('forcePolling');
    const f = path.join(t.dir, 'p.txt');
    fs.writeFileSync(f, '1');
    await t.rec.waitForPath(f, 1);
  });

  it('WATCHFILES_FORCE_POLLING applies only when the option is unset', async () => {
    const saved = process.env.WATCHFILES_FORCE_POLLING;
    process.env.WATCHFILES_FORCE_POLLING = '1';
    try {
      t.rec = await record(t.dir);
      expect(t.rec.sub.backend).toBe('poll');
      await t.rec.close();
      t.rec = await record(t.dir, { forcePolling: false });
      expect(t.rec.sub.backend).toBe('inotify');
    } finally {
      if (saved === undefined) delete process.env.WATCHFILES_FORCE_POLLING;
      else process.env.WATCHFILES_FORCE_POLLING = saved;
    }
  });
});
