/**
 * Finding and opening the watchman server: WATCHMAN_SOCK when set (as fb-watchman, pywatchman and the
 * Rust watchman_client do), else `watchman get-sockname`, which starts a server when none runs. The
 * server must have every capability we use; an older one is refused with the version it reports.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { WatchError } from '../watch/types.js';
import { WatchmanClient } from './client.js';

/** The capabilities the backend relies on (all in watchman 4.9, the oldest server we test against). */
export const REQUIRED_CAPABILITIES = [
  'cmd-watch-project',
  'cmd-subscribe',
  'cmd-clock',
  'clock-sync-timeout',
  'relative_root',
  'field-new',
  'field-exists',
  'field-type',
  'term-match',
  'wildmatch',
] as const;

export const MIN_VERSION = '4.9.0';

export interface Connected {
  client: WatchmanClient;
  version: string;
}

export async function connectWatchman(env: NodeJS.ProcessEnv = process.env): Promise<Connected> {
  const sockname = env.WATCHMAN_SOCK || (await askSockname(env));
  const client = await WatchmanClient.connect(sockname);
  try {
    const version = await checkVersion(client);
    return { client, version };
  } catch (error) {
    client.close();
    throw error;
  }
}

async function checkVersion(client: WatchmanClient): Promise<string> {
  let reply;
  try {
    reply = await client.command(['version', { required: [...REQUIRED_CAPABILITIES] }]);
  } catch (error) {
    const e = error as WatchError;
    if (e.code !== 'EWATCHMAN' || /lost the watchman server/.test(e.message)) throw e;
    throw tooOld(client.sockname, `it lacks a capability we use (${e.message.replace(/^watchman version failed: /, '')})`);
  }
  const version = String(reply.version ?? '');
  // Servers before 3.8 ignore "required" and list no capabilities: judge those by their version number.
  if (!reply.capabilities && compareVersions(version, MIN_VERSION) < 0) {
    throw tooOld(client.sockname, `it reports version ${version || 'unknown'}`);
  }
  return version;
}

function tooOld(sockname: string, why: string): WatchError {
  return new WatchError(
    'EWATCHMAN',
    `the watchman server at ${sockname} is too old: ${why}; watchfiles-node needs watchman ${MIN_VERSION} or newer ` +
      '(upgrade watchman and restart its server with `watchman shutdown-server`), or use the native backend',
  );
}

/** -1, 0 or 1 as `a` is older than, the same as or newer than `b` ("4.9.0", "2024.01.01.00"). */
export function compareVersions(a: string, b: string): number {
  const pa = a.split(/[.-]/).map((x) => Number.parseInt(x, 10) || 0);
  const pb = b.split(/[.-]/).map((x) => Number.parseInt(x, 10) || 0);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d) return Math.sign(d);
  }
  return 0;
}

/** Runs `watchman get-sockname`: the server's socket, starting a server when none runs. */
function askSockname(env: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('watchman', ['--no-pretty', 'get-sockname'], { env, timeout: 30_000, encoding: 'utf8' }, (error, stdout, stderr) => {
      if (error && (error as NodeJS.ErrnoException).code === 'ENOENT') {
        return reject(
          new WatchError(
            'EWATCHMAN',
            'the watchman binary is not on PATH and WATCHMAN_SOCK is not set: install watchman (apt install watchman, ' +
              'brew install watchman), point WATCHMAN_SOCK at a running server, or use the native backend',
          ),
        );
      }
      let sockname: unknown;
      try {
        sockname = (JSON.parse(stdout) as { sockname?: unknown }).sockname;
      } catch {
        sockname = undefined;
      }
      if (typeof sockname === 'string' && sockname) return resolve(sockname);
      const detail = (stderr || stdout || String(error?.message ?? '')).trim().split('\n').slice(-3).join(' ');
      reject(
        new WatchError(
          'EWATCHMAN',
          `no watchman server is reachable and none could be started (\`watchman get-sockname\` failed: ${detail || 'no output'}): ` +
            'check `watchman --foreground --logfile=/dev/stderr` for why the server does not start, point WATCHMAN_SOCK at a ' +
            'running server, or use the native backend',
        ),
      );
    });
  });
}

/** True when a watchman server can be looked for without running anything: WATCHMAN_SOCK, or the CLI on PATH. */
export function watchmanInstalled(env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.WATCHMAN_SOCK) return true;
  for (const dir of (env.PATH ?? '').split(path.delimiter).filter(Boolean)) {
    for (const name of process.platform === 'win32' ? ['watchman.exe'] : ['watchman']) {
      try {
        fs.accessSync(path.join(dir, name), fs.constants.X_OK);
        return true;
      } catch {
        // not here
      }
    }
  }
  return false;
}

/** The nearest .watchmanconfig in `dir` or above it: where a project says it is meant for watchman. */
export function findWatchmanConfig(dir: string): string | undefined {
  for (let d = path.resolve(dir); ; d = path.dirname(d)) {
    const file = path.join(d, '.watchmanconfig');
    if (fs.existsSync(file)) return file;
    if (path.dirname(d) === d) return undefined;
  }
}
