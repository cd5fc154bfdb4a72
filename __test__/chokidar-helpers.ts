/**
 * Shared helpers for the chokidar facade tests: temp trees, an event recorder, and bounded waits.
 * Absence is never proven by sleeping: a test makes the change that must stay silent, then a sentinel
 * change that must be reported, and checks the first one did not show up by the time the second did
 * (batches are processed in order).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Stats } from 'node:fs';

export interface Recorded {
  event: string;
  path: string;
  stats?: Stats;
}

/** A fresh directory (real path, so events compare equal), removed by the returned cleanup. */
export function makeTempDir(prefix = 'wf-chokidar-'): string {
  return fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), prefix)));
}

/** Writes `files` (relative path -> content; a trailing "/" makes a directory) below `dir`. */
export function writeTree(dir: string, files: Record<string, string>): void {
  for (const [rel, content] of Object.entries(files)) {
    const p = path.join(dir, rel);
    if (rel.endsWith('/')) {
      fs.mkdirSync(p, { recursive: true });
    } else {
      fs.mkdirSync(path.dirname(p), { recursive: true });
      fs.writeFileSync(p, content);
    }
  }
}

interface Emitterish {
  on(event: 'all', fn: (event: string, path: string, stats?: Stats) => void): unknown;
  once(event: 'ready', fn: () => void): unknown;
}

export class Recorder {
  readonly events: Recorded[] = [];

  constructor(watcher: Emitterish) {
    watcher.on('all', (event, p, stats) => {
      const r: Recorded = { event, path: p };
      if (stats) r.stats = stats;
      this.events.push(r);
    });
  }

  has(event: string, p: string): boolean {
    return this.events.some((e) => e.event === event && e.path === p);
  }

  count(event: string, p: string): number {
    return this.events.filter((e) => e.event === event && e.path === p).length;
  }

  /** "event path" lines, for readable assertions. */
  lines(): string[] {
    return this.events.map((e) => `${e.event} ${e.path}`);
  }

  async waitFor(event: string, p: string, timeoutMs = 10_000): Promise<Recorded> {
    await waitUntil(() => this.has(event, p), timeoutMs, () => `no "${event} ${p}" in:\n${this.lines().join('\n')}`);
    return this.events.find((e) => e.event === event && e.path === p)!;
  }

  clear(): void {
    this.events.length = 0;
  }
}

/** Polls `cond` every 10 ms until it holds; throws with `describe()` after `timeoutMs`. */
export async function waitUntil(cond: () => boolean, timeoutMs: number, describe: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms: ${describe()}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Resolves on the watcher's 'ready', or fails after `timeoutMs`. */
export function whenReady(watcher: Emitterish, timeoutMs = 15_000): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no 'ready' within ${timeoutMs} ms`)), timeoutMs);
    watcher.once('ready', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

export const REPO_ROOT = path.resolve(__dirname, '..');

/**
 * A copy of the watchfiles-node package in `dir`, with the facade (and the main entry) built there by
 * tsup, so child processes can load it without touching the shared dist/ other tests rebuild. The
 * native loader and binary come along when they have been built; otherwise the JS fallback runs.
 * `linkNodeModules` makes it loadable in place (dependencies from the repo's node_modules).
 */
export async function stagePackage(dir: string, linkNodeModules: boolean): Promise<string> {
  const { build } = await import('tsup');
  fs.mkdirSync(dir, { recursive: true });
  await build({
    entry: {
      index: path.join(REPO_ROOT, 'src/index.ts'),
      chokidar: path.join(REPO_ROOT, 'src/chokidar/index.ts'),
      'parcel-watcher': path.join(REPO_ROOT, 'src/parcel-watcher/index.ts'),
    },
    format: ['esm', 'cjs'],
    outDir: path.join(dir, 'dist'),
    shims: true,
    dts: false,
    config: false,
    silent: true,
    target: 'node20',
    splitting: false,
  });
  fs.copyFileSync(path.join(REPO_ROOT, 'package.json'), path.join(dir, 'package.json'));
  for (const name of fs.readdirSync(REPO_ROOT)) {
    if (name === 'index.cjs' || name === 'index.d.ts' || name.endsWith('.node')) {
      fs.copyFileSync(path.join(REPO_ROOT, name), path.join(dir, name));
    }
  }
  if (linkNodeModules) fs.symlinkSync(path.join(REPO_ROOT, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
  return dir;
}
