/**
 * The bench harness (bench/): its pieces are checked here on small trees so `npm run bench` cannot rot
 * between full runs. The figures themselves are proven by the bench, not by timed tests.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const benchDir = fs.mkdtempSync(path.join(os.tmpdir(), 'wf-bench-test-'));
process.env.WATCHFILES_BENCH_DIR = benchDir;

// Imported after WATCHFILES_BENCH_DIR is set: tree.mjs reads it at load time.
const tree = await import('../bench/lib/tree.mjs');
const { WatcherProcess } = await import('../bench/lib/driver.mjs');
const { median, percentile } = await import('../bench/lib/stats.mjs');
const { parseConfig } = await import('../bench/lib/config.mjs');
const { renderReport } = await import('../bench/lib/report.mjs');
const { inotifyWatches } = await import('../bench/lib/inotify.mjs');

const spec = { files: 200, dirs: 20 };
let root: string;

beforeAll(() => {
  root = tree.ensureTree(spec);
});

afterAll(() => {
  fs.rmSync(benchDir, { recursive: true, force: true });
});

describe('tree', () => {
  it('makes the files and dirs asked for, under WATCHFILES_BENCH_DIR, and reuses a finished tree', () => {
    expect(root.startsWith(benchDir)).toBe(true);
    const files = fs.readdirSync(path.join(root, 'src'), { recursive: true, withFileTypes: true }).filter((e) => e.isFile());
    expect(files).toHaveLength(200);
    const marker = fs.readdirSync(root).find((f) => f.startsWith('.bench-tree'));
    const before = fs.statSync(path.join(root, marker!)).mtimeMs;
    expect(tree.ensureTree(spec)).toBe(root);
    expect(fs.statSync(path.join(root, marker!)).mtimeMs).toBe(before);
  });

  it('spreads edit targets over distinct existing files', () => {
    const picked = tree.spreadFiles(root, spec, 50);
    expect(new Set(picked).size).toBe(50);
    for (const f of picked) expect(fs.existsSync(f)).toBe(true);
  });
});

describe('stats', () => {
  it('takes medians and nearest-rank percentiles', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 2, 3])).toBe(2.5);
    expect(median([])).toBeUndefined();
    const hundred = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentile(hundred, 50)).toBe(50);
    expect(percentile(hundred, 95)).toBe(95);
  });
});

describe('config', () => {
  it('quick runs one round on the 10k tree; filters make a partial run', () => {
    const quick = parseConfig(['--quick']);
    expect(quick.repeats).toBe(1);
    expect(quick.trees).toHaveLength(1);
    expect(quick.out).toBe('RESULTS-quick');
    const partial = parseConfig(['--only', 'parcel,chokidar', '--scenario', 'burst', '--tree', '100k+nm']);
    expect(partial.watchers.map((w: { id: string }) => w.id)).toEqual(['parcel', 'chokidar']);
    expect(partial.scenarios).toEqual(['burst']);
    expect(partial.trees).toEqual([{ files: 100_000, dirs: 10_000, nodeModulesFiles: 30_000 }]);
    expect(partial.out).toBe('RESULTS-partial');
    expect(parseConfig([]).out).toBe('RESULTS');
  });

  it('names the bad option', () => {
    expect(() => parseConfig(['--only', 'nope'])).toThrow(/--only: unknown watcher "nope"/);
    expect(() => parseConfig(['--scenario', 'x'])).toThrow(/--scenario: unknown scenario "x"/);
    expect(() => parseConfig(['--repeats', '0'])).toThrow(/--repeats must be a positive integer/);
    expect(() => parseConfig(['--bogus'])).toThrow(/Usage/);
  });
});

describe('child process', () => {
  for (const watcher of ['watchfiles', 'stat-poll', 'chokidar']) {
    it(`${watcher}: ready, sees an edit with a timestamp after it, idles, closes and exits`, async () => {
      const proc = new WatcherProcess();
      try {
        const ready = await proc.request('start', { watcher, root }, 20_000);
        expect(ready.readyMs).toBeGreaterThan(0);
        const file = path.join(root, 'src', tree.filePaths(spec.files, spec.dirs)[7]);
        const t0 = process.hrtime.bigint();
        fs.writeFileSync(file, `// edited ${t0}\n`);
        const hit = await proc.waitForBatch((b: { t: bigint; paths: string[] }) => b.t >= t0 && b.paths.includes(file), 0, 10_000);
        expect(hit).toBeDefined();
        const idle = await proc.request('idle', { settleMs: 0, windowMs: 200 });
        expect(idle.cpuPct).toBeGreaterThanOrEqual(0);
        expect(idle.rssMb).toBeGreaterThan(10);
        if (process.platform === 'linux' && watcher !== 'stat-poll') expect(inotifyWatches(proc.pid)).toBeGreaterThan(0);
        const closed = await proc.close();
        expect(closed.closeMs).toBeGreaterThanOrEqual(0);
        await proc.exited;
      } finally {
        await proc.kill();
      }
    });
  }

  it('reports an unknown watcher as an error instead of hanging', async () => {
    const proc = new WatcherProcess();
    try {
      await expect(proc.request('start', { watcher: 'nope', root }, 10_000)).rejects.toThrow(/unknown watcher "nope"/);
    } finally {
      await proc.kill();
    }
  });
});

describe('report', () => {
  it('gives each figure with its ratio to the best anchor, and the targets', () => {
    const machine = {
      date: '2025-01-01T00:00:00Z', os: 'Linux', cpu: 'x', memoryGb: 1, loadAvg: [0, 0, 0], node: 'v20',
      filesystem: 'ext4', treesDir: '/tmp', inotifyMaxUserWatches: '1', commit: 'abc', nativeAddon: 'none',
      versions: { 'watchfiles-node': '0.1.0' },
    };
    const row = (watcher: string, readyMs: number, cpuPct: number, rssMb: number) => ({
      tree: '100k-files-10k-dirs', watcher, backend: 'b', failed: [], readyMs, cpuPct, rssMb, maxRssMb: rssMb, closeMs: 1, watches: 5,
    });
    const md = renderReport({
      meta: {
        command: 'npm run bench', mode: 'full', machine, ourStepMs: 50, durationS: 60,
        config: { repeats: 3, idleMs: 5000, settleMs: 1000, latency: { gapMs: 100 }, burst: { dirs: 50 } },
      },
      ready: [row('watchfiles', 100, 0, 50), row('parcel', 200, 0, 60), row('chokidar', 2000, 0.5, 300)],
    });
    expect(md).toContain('| **watchfiles-node** | b | 100 ms (0.50x) | 50.0 MB (0.83x)');
    expect(md).toContain('| chokidar 5 | b | 2.00 s (10x)');
    expect(md).toMatch(/ready, 100k-files-10k-dirs .* \| met \|/);
    expect(md).toContain('## How to rerun');
  });

  it("renders bench/restart.mjs's rows with ratios to the best of node --watch and nodemon", () => {
    const machine = {
      date: '2025-01-01T00:00:00Z', os: 'Linux', cpu: 'x', memoryGb: 1, loadAvg: [0, 0, 0], node: 'v20',
      filesystem: 'ext4', treesDir: '/tmp', inotifyMaxUserWatches: '1', commit: 'abc', nativeAddon: 'none', versions: {},
    };
    const runner = (id: string, tool: string, median: number) => ({
      id, tool, median_ms: median, p95_ms: median * 2, min_ms: median / 2, max_ms: median * 3, failures: 0,
    });
    const md = renderReport({
      meta: { command: 'npm run bench', mode: 'full', machine, ourStepMs: 50, durationS: 60, config: { repeats: 1 } },
      restart: {
        edits: 5,
        rows: [runner('cli', 'watchfiles CLI', 100), runner('node-watch', 'node --watch', 200), runner('nodemon', 'nodemon', 400),
          { id: 'register', tool: 'register hook', error: 'dist/register.js is missing' }],
        markdown: 'their table',
      },
    });
    expect(md).toContain('| **watchfiles CLI** | 100 ms (0.50x) | 200 ms (0.50x)');
    expect(md).toContain('| nodemon | 400 ms (2.0x)');
    expect(md).toContain('| **register hook** | error: dist/register.js is missing');
    expect(md).toMatch(/restart, watchfiles CLI .* \| met \|/);
  });
});
