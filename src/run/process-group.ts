/**
 * A child in its own process group, stopped as a group: the stop signal to every process in it, a wait,
 * then SIGKILL to every process in it, and a wait until none is left. This is what makes `sh -c`,
 * `npm run` and servers that fork workers restart without an orphan holding the port (EADDRINUSE).
 * On Windows a process tree takes the place of the group (taskkill /T).
 */
import { spawn, spawnSync, type ChildProcess, type StdioOptions } from 'node:child_process';
import fs from 'node:fs';

const isWindows = process.platform === 'win32';

export interface GroupSpawnOptions {
  file: string;
  args: string[];
  env: NodeJS.ProcessEnv;
  cwd: string;
  shell: boolean;
  stdio: StdioOptions;
}

/** Starts `file args` as the leader of a new process group (POSIX) or a hidden-window process (Windows). */
export function spawnGroup(options: GroupSpawnOptions): ChildProcess {
  const child = spawn(options.file, options.args, {
    cwd: options.cwd,
    env: options.env,
    stdio: options.stdio,
    shell: options.shell,
    // POSIX: setsid() so the child leads its own group; Windows: detached would open a new console.
    detached: !isWindows,
    windowsHide: true,
  });
  if (child.pid !== undefined) liveGroups.add(child.pid);
  return child;
}

/**
 * True while any process of the group led by `pgid` is running. Zombies do not count: in containers
 * whose PID 1 never reaps, an exited grandchild stays a zombie forever yet holds no port and no file.
 */
export function groupAlive(pgid: number): boolean {
  if (isWindows) return pidAlive(pgid);
  try {
    process.kill(-pgid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
  if (process.platform !== 'linux') return true;
  return linuxGroupMembers(pgid).some((m) => m.state !== 'Z' && m.state !== 'X');
}

/** True when `pid` is a running (non-zombie) process. */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
  if (process.platform !== 'linux') return true;
  const state = procState(pid);
  return state !== undefined && state !== 'Z' && state !== 'X';
}

interface ProcMember {
  pid: number;
  state: string;
}

function linuxGroupMembers(pgid: number): ProcMember[] {
  let entries: string[];
  try {
    entries = fs.readdirSync('/proc');
  } catch {
    // No /proc to read: trust kill(), which counted the group as present.
    return [{ pid: pgid, state: 'R' }];
  }
  const members: ProcMember[] = [];
  for (const name of entries) {
    if (!/^\d+$/.test(name)) continue;
    const stat = readStat(Number(name));
    if (stat && stat.pgrp === pgid) members.push({ pid: Number(name), state: stat.state });
  }
  return members;
}

function procState(pid: number): string | undefined {
  return readStat(pid)?.state;
}

function readStat(pid: number): { state: string; pgrp: number } | undefined {
  let text: string;
  try {
    text = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // "pid (comm) state ppid pgrp ...": comm may hold spaces and parentheses, so split after the last ')'.
  const rest = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return { state: rest[0] ?? '?', pgrp: Number(rest[2]) };
}

/** Sends `signal` to every process of the group. Returns false when the group is already gone. */
export function signalGroup(pgid: number, signal: NodeJS.Signals): boolean {
  if (isWindows) {
    // taskkill without /F asks politely (WM_CLOSE); with /F it terminates the whole tree.
    const force = signal === 'SIGKILL';
    const r = spawnSync('taskkill', ['/T', ...(force ? ['/F'] : []), '/PID', String(pgid)], {
      stdio: 'ignore',
      windowsHide: true,
    });
    return r.status === 0;
  }
  try {
    process.kill(-pgid, signal);
    return true;
  } catch {
    return false;
  }
}

export interface StopTimeouts {
  stopSignal: NodeJS.Signals;
  /** ms to wait after the stop signal before SIGKILL. */
  sigintTimeout: number;
  /** ms to wait after SIGKILL before giving up. */
  sigkillTimeout: number;
}

export interface StopResult {
  /** 'signal': gone after the stop signal; 'killed': needed SIGKILL; 'gone': nothing was running; 'stuck': survived SIGKILL. */
  outcome: 'signal' | 'killed' | 'gone' | 'stuck';
  ms: number;
}

/**
 * Stops the group led by `child`: stop signal, wait for the whole group (and the leader's exit event),
 * SIGKILL, wait again. Resolves once no process of the group is left, or with 'stuck'.
 */
export async function stopGroup(child: ChildProcess, t: StopTimeouts): Promise<StopResult> {
  const started = Date.now();
  const pgid = child.pid;
  const leaderExited = exitPromise(child);
  const done = (outcome: StopResult['outcome']): StopResult => {
    if (outcome !== 'stuck' && pgid !== undefined) liveGroups.delete(pgid);
    return { outcome, ms: Date.now() - started };
  };
  if (pgid === undefined) return done('gone');
  if (!groupAlive(pgid) && isExited(child)) return done('gone');

  signalGroup(pgid, t.stopSignal);
  if (await waitGroupGone(pgid, leaderExited, t.sigintTimeout)) return done('signal');

  signalGroup(pgid, 'SIGKILL');
  if (isWindows) signalGroup(pgid, 'SIGKILL');
  if (await waitGroupGone(pgid, leaderExited, t.sigkillTimeout)) return done('killed');
  return done('stuck');
}

function isExited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

function exitPromise(child: ChildProcess): Promise<void> {
  if (isExited(child) || child.pid === undefined) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    // A leader that failed to spawn never emits 'exit'.
    child.once('error', () => isExited(child) || child.pid === undefined ? resolve() : undefined);
  });
}

async function waitGroupGone(pgid: number, leaderExited: Promise<void>, timeout: number): Promise<boolean> {
  const deadline = Date.now() + timeout;
  let leaderDone = false;
  void leaderExited.then(() => (leaderDone = true));
  let delay = 5;
  for (;;) {
    if (leaderDone && !groupAlive(pgid)) return true;
    const left = deadline - Date.now();
    if (left <= 0) return false;
    // Usually the leader's exit is what we wait for: check again the moment it comes, not a poll later.
    await sleep(Math.min(delay, left), leaderDone ? undefined : leaderExited);
    delay = Math.min(delay * 2, 50);
  }
}

function sleep(ms: number, wake?: Promise<void>): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    void wake?.then(() => {
      clearTimeout(timer);
      resolve();
    });
  });
}

/** Stops tracking a group that is gone by other means (a warm spare that died or was discarded). */
export function forgetGroup(pgid: number): void {
  liveGroups.delete(pgid);
}

/**
 * Groups started and not yet stopped. If the runner exits without stopping them (an exception, or
 * process.exit() from user code), they are killed on the way out, so nothing is left behind.
 */
const liveGroups = new Set<number>();
process.once('exit', () => {
  for (const pgid of liveGroups) signalGroup(pgid, 'SIGKILL');
});
