/**
 * The register hook through NODE_OPTIONS (`NODE_OPTIONS="--import watchfiles-node/register" npm start`):
 * every Node process below that shell loads the hook, starting with the package manager. A wrapper (npm,
 * npx, pnpm, yarn, corepack, or any tool run from node_modules) must not be supervised: it runs as usual
 * and NODE_OPTIONS carries the hook on to the processes it starts, down to the first one that runs a
 * script of the user's (a file outside node_modules), which supervises. The outermost wrapper says so
 * when no such process ever took the hook (the script runs no Node, or only tools from node_modules),
 * instead of staying silent while nothing is watched.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadsSelf } from './exec-argv.js';

/** A file the outermost wrapper owns; each supervisor below it appends "pid entry" to it. */
export const HANDOFF_ENV = 'WATCHFILES_REGISTER_HANDOFF';

/** How long the outermost wrapper waits for a supervisor before it says none has started (yet). */
const NOTICE_MS = 10_000;

const FILE_PREFIX = 'watchfiles-register-';

const MANAGER_FILES: Record<string, string> = {
  'npm-cli': 'npm',
  'npx-cli': 'npx',
  pnpm: 'pnpm',
  pnpx: 'pnpx',
  yarn: 'yarn',
  yarnpkg: 'yarn',
  corepack: 'corepack',
};

/**
 * The name of the wrapper this process is (for messages), or undefined when it runs a script of the
 * user's. Only when the hook came from NODE_OPTIONS: a flag on the command line means "supervise this".
 */
export function wrapperName(entry: string, execArgv: readonly string[], selfFile: string, cwd: string): string | undefined {
  if (loadsSelf(execArgv, selfFile, cwd)) return undefined;
  const real = realpath(path.resolve(cwd, entry));
  const base = path.basename(real).replace(/\.(c|m)?js$/, '');
  const parts = real.split(/[\\/]/);
  const nm = parts.lastIndexOf('node_modules');
  if (nm >= 0 && nm + 1 < parts.length) {
    const pkg = parts[nm + 1]!.startsWith('@') ? `${parts[nm + 1]}/${parts[nm + 2] ?? ''}` : parts[nm + 1]!;
    return MANAGER_FILES[base] ?? pkg;
  }
  // yarn 2+ checked in as .yarn/releases/yarn-4.x.cjs, corepack's and standalone package managers' shims.
  if (parts.includes('.yarn') && parts.includes('releases')) return 'yarn';
  return MANAGER_FILES[base];
}

/**
 * In a wrapper: let it run, unsupervised. The outermost wrapper creates the hand-off file and, when no
 * supervisor has claimed it within NOTICE_MS or by the time the wrapper exits, says that nothing is watched.
 */
export function passOn(name: string, log: (text: string) => void): void {
  if (process.env[HANDOFF_ENV]) return; // an outer wrapper already waits for the hand-off
  sweepStaleFiles();
  const file = path.join(os.tmpdir(), `${FILE_PREFIX}${process.pid}-${Date.now().toString(36)}`);
  process.env[HANDOFF_ENV] = file;
  const command = [name, ...process.argv.slice(2)].join(' ');
  const claimed = () => fs.existsSync(file);
  const advice =
    'The hook restarts a Node.js script of yours (a file outside node_modules) that this command runs with `node`; ' +
    'put `--import watchfiles-node/register` on that node command, or use `watchfiles "<command>" <paths>`.';
  log(`register: \`${command}\` is a wrapper; passing the hook on to the Node.js script it runs`);
  const timer = setTimeout(() => {
    if (!claimed()) log(`register: \`${command}\` has not started a Node.js script of yours after ${NOTICE_MS / 1000} s: nothing is watched yet. ${advice}`);
  }, NOTICE_MS);
  timer.unref();
  process.on('exit', () => {
    clearTimeout(timer);
    if (claimed()) fs.rmSync(file, { force: true });
    else log(`register: \`${command}\` ran no Node.js script of yours: nothing was watched or restarted. ${advice}`);
  });
}

/** In a supervisor below a wrapper: tell the wrapper the hook arrived. Returns the wrapper's file, if any. */
export function claimHandoff(entry: string): boolean {
  const file = process.env[HANDOFF_ENV];
  if (!file) return false;
  try {
    fs.appendFileSync(file, `${process.pid} ${entry}\n`);
    return true;
  } catch {
    return false; // the wrapper's temp dir is gone: nothing to tell
  }
}

/**
 * A wrapper killed by a signal (npm re-raises SIGTERM on itself) never runs its exit handler: remove
 * the hand-off files of wrappers that are gone.
 */
function sweepStaleFiles(): void {
  try {
    for (const name of fs.readdirSync(os.tmpdir())) {
      const m = name.startsWith(FILE_PREFIX) ? /^(\d+)-/.exec(name.slice(FILE_PREFIX.length)) : null;
      if (m && !alive(Number(m[1]))) fs.rmSync(path.join(os.tmpdir(), name), { force: true });
    }
  } catch {
    // an unreadable temp dir: nothing to tidy
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function realpath(p: string): string {
  try {
    return fs.realpathSync(p);
  } catch {
    return p;
  }
}
