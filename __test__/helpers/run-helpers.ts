/**
 * Helpers for the process-runner, CLI and register tests: temp projects with a real HTTP server, free
 * ports, polling with deadlines, process liveness that ignores zombies, and a guarded dist/ build.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

export const ROOT = path.resolve(__dirname, '..', '..');
/**
 * The built files the tests run, from a private snapshot of dist/ made by ensureBuilt(): other test runs
 * rebuild dist/ (tsup cleans it first) while ours are running, and a half-written cli.js runs as nothing.
 */
export const built = { cli: '', registerEsm: '', registerCjs: '' };

/** Polls `probe` until it returns something truthy; fails with `what` after `timeout` ms. */
export async function waitFor<T>(what: string | (() => string), probe: () => T | Promise<T>, timeout = 15_000, interval = 25): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeout;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value) return value as NonNullable<T>;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeout} ms waiting for ${typeof what === 'function' ? what() : what}${last ? ` (last error: ${String(last)})` : ''}`);
    await sleep(interval);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** A port nobody listens on right now (the OS picks it; we close and hand it to the child via PORT). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as net.AddressInfo).port;
      server.close(() => resolve(port));
    });
  });
}

/** GET http://127.0.0.1:port/path: the body, or undefined when nothing answers. */
export function get(port: number, urlPath = '/'): Promise<string | undefined> {
  return new Promise((resolve) => {
    const req = http.get({ host: '127.0.0.1', port, path: urlPath, agent: false, timeout: 2000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve(body));
      res.on('error', () => resolve(undefined));
    });
    req.on('error', () => resolve(undefined));
    req.on('timeout', () => {
      req.destroy();
      resolve(undefined);
    });
  });
}

/** Waits until the server on `port` answers `expected` (trimmed). */
export function waitForBody(port: number, expected: string, timeout = 15_000): Promise<string> {
  return waitFor(`the server on port ${port} to answer "${expected}"`, async () => {
    const body = await get(port);
    return body?.trim() === expected ? body : undefined;
  }, timeout);
}

/** True while `pid` is a running process (zombies, which a reaper-less PID 1 leaves around, count as gone). */
export function running(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0];
    return state !== 'Z' && state !== 'X';
  } catch {
    return process.platform !== 'linux';
  }
}

const tempList: string[] = [];

/** A fresh temp directory, removed by cleanupTemps(). realpath'd so paths compare equal to the watcher's. */
export function tempDir(prefix = 'wf-run-'): string {
  const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), prefix)));
  tempList.push(dir);
  return dir;
}

/** The temp dirs made so far (not yet cleaned up). */
export function temps(): string[] {
  return [...tempList];
}

export function cleanupTemps(): void {
  for (const dir of tempList.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
}

/**
 * A project with server.mjs (answers GET / with message.mjs's text, GET /pids with its pid and its
 * worker's) and message.mjs. Options: fork a worker grandchild, ignore SIGINT, write the pid to a file.
 */
export function writeServerProject(dir: string, message: string, opts: { worker?: boolean; ignoreSigint?: boolean } = {}): void {
  fs.writeFileSync(path.join(dir, 'message.mjs'), messageModule(message));
  fs.writeFileSync(
    path.join(dir, 'worker.mjs'),
    `// A grandchild of the runner: it must die with its parent's group.\nsetInterval(() => {}, 1000);\n`,
  );
  fs.writeFileSync(
    path.join(dir, 'server.mjs'),
    `import http from 'node:http';
import { execFileSync, fork } from 'node:child_process';
import { message } from './message.mjs';
const envOf = (env) => ({ NODE_OPTIONS: env.NODE_OPTIONS ?? null, WATCHFILES_SPARE_FD: env.WATCHFILES_SPARE_FD ?? null });
${opts.ignoreSigint ? "process.on('SIGINT', () => {}); process.on('SIGTERM', () => {});" : "for (const s of ['SIGINT', 'SIGTERM']) process.on(s, () => process.exit(0));"}
const worker = ${opts.worker ? "fork(new URL('./worker.mjs', import.meta.url).pathname, { stdio: 'ignore' })" : 'undefined'};
const server = http.createServer((req, res) => {
  res.setHeader('connection', 'close');
  if (req.url === '/pids') return res.end(JSON.stringify({ pid: process.pid, ppid: process.ppid, worker: worker?.pid }));
  if (req.url === '/changes') return res.end(process.env.WATCHFILES_CHANGES ?? 'unset');
  if (req.url === '/env') return res.end(JSON.stringify({ own: envOf(process.env), grandchild: JSON.parse(execFileSync(process.execPath, ['-e', 'console.log(JSON.stringify(process.env))'], { encoding: 'utf8' })), execArgv: process.execArgv }));
  res.end(message);
});
server.listen(Number(process.env.PORT), '127.0.0.1');
`,
  );
}

export function messageModule(message: string): string {
  return `export const message = ${JSON.stringify(message)};\n`;
}

/** Rewrites message.mjs (changing its size as well as its mtime, so every backend sees it). */
export function setMessage(dir: string, message: string): void {
  fs.writeFileSync(path.join(dir, 'message.mjs'), messageModule(message));
}

export interface Spawned {
  child: ChildProcess;
  /** Everything written to stdout and stderr so far. */
  output(): string;
  /** Waits until the output matches `pattern`; returns the match. */
  waitForOutput(pattern: RegExp, timeout?: number): Promise<RegExpMatchArray>;
  /** Resolves with the exit code (or signal name) once the process is gone. */
  exited: Promise<number | string>;
}

const spawned: ChildProcess[] = [];

export function spawnNode(args: string[], opts: { cwd: string; env?: NodeJS.ProcessEnv }): Spawned {
  return spawnProcess(process.execPath, args, opts);
}

/** Like spawnNode, for any executable; `stdin: 'pipe'` to write to it (child.stdin). */
export function spawnProcess(
  file: string,
  args: string[],
  opts: { cwd: string; env?: NodeJS.ProcessEnv; stdin?: 'pipe' | 'ignore' },
): Spawned {
  const child = spawn(file, args, {
    cwd: opts.cwd,
    env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: undefined, ...opts.env },
    stdio: [opts.stdin ?? 'ignore', 'pipe', 'pipe'],
  });
  spawned.push(child);
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<number | string>((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal ?? -1)));
  return {
    child,
    output: () => out,
    waitForOutput: (pattern, timeout) =>
      waitFor(() => `output matching ${pattern} (output so far:\n${out})`, () => out.match(pattern), timeout),
    exited,
  };
}

/**
 * Stops whatever spawnNode() started the way a user would (SIGINT, so a runner stops its child's group),
 * then SIGKILL after 5 s. Then checks that no process is left running in this test's temp dirs: a
 * leftover is killed and reported as a failure.
 */
export async function stopSpawned(): Promise<void> {
  const children = spawned.splice(0).filter((c) => c.exitCode === null && c.signalCode === null);
  await Promise.all(
    children.map(async (child) => {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGINT');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    }),
  );
  const left = await leftoversIn(tempList);
  for (const p of left) {
    try {
      process.kill(p.pid, 'SIGKILL');
    } catch {
      // gone meanwhile
    }
  }
  if (left.length) throw new Error(`processes left running: ${left.map((p) => `${p.pid} ${p.cmd} (in ${p.cwd})`).join('; ')}`);
}

/** Running (non-zombie) processes whose working directory is inside one of `dirs` (Linux: from /proc). */
export function processesIn(dirs: readonly string[]): { pid: number; cwd: string; cmd: string }[] {
  if (process.platform !== 'linux' || dirs.length === 0) return [];
  const found: { pid: number; cwd: string; cmd: string }[] = [];
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    let cwd: string;
    try {
      cwd = fs.readlinkSync(`/proc/${name}/cwd`).replace(/ \(deleted\)$/, '');
    } catch {
      continue;
    }
    if (!dirs.some((d) => cwd === d || cwd.startsWith(d + path.sep)) || !running(Number(name))) continue;
    let cmd = '';
    try {
      cmd = fs.readFileSync(`/proc/${name}/cmdline`, 'utf8').split('\0').join(' ').trim();
    } catch {
      // gone
    }
    found.push({ pid: Number(name), cwd, cmd });
  }
  return found;
}

/** Processes still running in `dirs`, polled for up to 2 s, because a group that was just stopped may still be reaping. */
export async function leftoversIn(dirs: readonly string[]): Promise<{ pid: number; cwd: string; cmd: string }[]> {
  const deadline = Date.now() + 2000;
  let found = processesIn(dirs);
  while (found.length && Date.now() < deadline) {
    await sleep(50);
    found = processesIn(dirs);
  }
  return found;
}

export function killGroup(pgid: number | undefined): void {
  if (pgid === undefined) return;
  try {
    process.kill(-pgid, 'SIGKILL');
  } catch {
    // gone
  }
}

/**
 * Builds dist/ with `npx tsup` when the CLI or register entries are missing or older than src/. A lock
 * directory keeps parallel test files from building (and cleaning dist/) at the same time.
 */
export async function ensureBuilt(): Promise<void> {
  const outputs = ['cli.js', 'register.js', 'register.cjs', 'register-child.js', 'register-child.cjs', 'spare-hold.cjs'].map((f) =>
    path.join(ROOT, 'dist', f),
  );
  const fresh = () => {
    const newestSource = newestMtime(path.join(ROOT, 'src'));
    return outputs.every((f) => fs.existsSync(f) && fs.statSync(f).mtimeMs >= newestSource);
  };
  const lock = path.join(os.tmpdir(), 'watchfiles-node-tsup.lock');
  if (fresh() && built.cli) return;
  await waitFor('the dist/ build lock', () => {
    try {
      fs.mkdirSync(lock);
      return true;
    } catch {
      // Another build holds it; a lock older than two minutes is left over from a killed run.
      const age = Date.now() - (fs.statSync(lock, { throwIfNoEntry: false })?.mtimeMs ?? Date.now());
      if (age > 120_000) fs.rmSync(lock, { recursive: true, force: true });
      return false;
    }
  }, 180_000, 200);
  let snapshot: string;
  try {
    if (!fresh()) {
      try {
        execFileSync('npx', ['tsup'], { cwd: ROOT, stdio: 'pipe' });
      } catch (error) {
        // Someone else's half-written entry can break the full build: build just ours (no types, no clean).
        execFileSync(
          'npx',
          ['tsup', '--no-config', '--no-splitting', '--format', 'esm,cjs', '--target', 'node20', '--shims', '--out-dir', 'dist',
            '--entry.cli', 'src/cli/index.ts', '--entry.register', 'src/register/index.ts',
            '--entry.register-child', 'src/register/child.ts'],
          { cwd: ROOT, stdio: 'pipe' },
        );
        execFileSync(
          'npx',
          ['tsup', '--no-config', '--format', 'cjs', '--target', 'node20', '--out-dir', 'dist', '--entry.spare-hold', 'src/run/spare-hold.ts'],
          { cwd: ROOT, stdio: 'pipe' },
        );
        process.stderr.write(`full tsup build failed, built the CLI and register entries alone: ${String(error).slice(0, 500)}\n`);
      }
    }
    snapshot = snapshotDist(outputs);
  } finally {
    fs.rmSync(lock, { recursive: true, force: true });
  }
  // Removed when the test file's process ends (afterEach cleanups must not take it away between tests).
  process.once('exit', () => fs.rmSync(snapshot, { recursive: true, force: true }));
  built.cli = path.join(snapshot, 'dist', 'cli.js');
  built.registerEsm = path.join(snapshot, 'dist', 'register.js');
  built.registerCjs = path.join(snapshot, 'dist', 'register.cjs');
}

/** Copies the entries, package.json and the native loader + binary into a temp package of our own. */
function snapshotDist(outputs: string[]): string {
  const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'wf-dist-')));
  fs.mkdirSync(path.join(dir, 'dist'));
  for (const file of outputs) {
    const text = fs.readFileSync(file, 'utf8');
    if (text.length < 100) throw new Error(`${file} looks half-written (${text.length} bytes); rerun the tests`);
    const target = path.join(dir, 'dist', path.basename(file));
    fs.writeFileSync(target, text, { mode: fs.statSync(file).mode });
  }
  const extras = fs.readdirSync(ROOT).filter((f) => f === 'package.json' || f === 'index.cjs' || f.endsWith('.node'));
  for (const file of extras) fs.copyFileSync(path.join(ROOT, file), path.join(dir, file));
  // Runtime dependencies (picomatch) resolve from the real node_modules.
  fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
  return dir;
}

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) newest = Math.max(newest, fs.statSync(path.join(entry.parentPath, entry.name)).mtimeMs);
  }
  return newest;
}
