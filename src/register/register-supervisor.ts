/**
 * The supervisor side of `node --import watchfiles-node/register server.js`: instead of running the
 * server, run the same command as a supervised child (its own process group, an IPC channel), watch the
 * files that child reports loading (plus WATCHFILES_WATCH), and restart it when one of them changes.
 */
import type { StdioOptions } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { getReloader } from '../reloaders/select.js';
import type { BaseReloader } from '../reloaders/base.js';
import { CHANGES_ENV, serializeChanges } from '../run/changes-env.js';
import { colorEnabled, makeColors } from '../run/colors.js';
import type { RunEvent } from '../run/events.js';
import { formatEvent } from '../run/format-event.js';
import { spawnGroup } from '../run/process-group.js';
import { RUN_DEFAULTS } from '../run/run-options.js';
import { listenForRestartCommand } from '../run/stdin-restart.js';
import { Supervisor } from '../run/supervisor.js';
import { ChildLauncher } from '../run/child-launcher.js';
import { WARM_SPARE_ENV } from '../run/warm-spare.js';
import { assetMatcher, DEFAULT_ASSET_EXTENSIONS } from '../livereload/assets.js';
import { LIVERELOAD_PORT, LiveReloadServer } from '../livereload/server.js';
import type { FileChange } from '../watch/types.js';
import { formatAddress, HeldSocket, parseSocketAddress, SOCKET_ENV, stdioWithSocket, withListenPid } from '../run/held-socket.js';
import { childExecArgv } from './exec-argv.js';
import { LateWatchGuard } from './late-watch-guard.js';
import { CHILD_MARKER, EXTRA_WATCH_ENV, isModulesMessage } from './protocol.js';

const LIVERELOAD_ENV = 'WATCHFILES_LIVERELOAD';

// StatReloader only (no native binary): it stats just the loaded files, so a short interval is cheap.
// WatchfilesReloader places a watch as soon as it is added (modules loaded lazily, a route required on
// first request), so it needs no short timeout of its own. Either way, an edit made before a reported file's
// watch is in place is the late-watch guard's to report.
const STAT_INTERVAL_MS = 300;

export interface RegisterOptions {
  /** This module's file (dist/register.js or .cjs). */
  selfFile: string;
  /** The child-side entry (dist/register-child.js or .cjs). */
  childFile: string;
  /** True when a wrapper (npm start...) passed the hook on through NODE_OPTIONS. */
  handedOn?: boolean;
}

export function startRegisterSupervisor(o: RegisterOptions): void {
  const cwd = process.cwd();
  const colors = makeColors(colorEnabled(process.stderr));
  const log = (text: string) => process.stderr.write(`${colors.dim('[watchfiles]')} ${text}\n`);
  const mainFile = path.resolve(process.argv[1]!);
  const reloader = getReloader({ interval: STAT_INTERVAL_MS, onLimit: 'poll', step: RUN_DEFAULTS.step });
  reloader.watchFile(mainFile);
  for (const extra of extraWatches(process.env[EXTRA_WATCH_ENV], cwd, log)) {
    if (fs.statSync(extra, { throwIfNoEntry: false })?.isDirectory()) reloader.watchDir(extra, '**/*');
    else reloader.watchFile(extra);
  }

  // WATCHFILES_LIVERELOAD=1 (or a port): browser live reload, as the CLI's --livereload.
  const lrPort = liveReloadPort(process.env[LIVERELOAD_ENV], log);
  let liveReload: LiveReloadServer | undefined;
  const relative = (file: string) => path.relative(cwd, file).split(path.sep).join('/');
  const emit = (event: RunEvent) => {
    const line = formatEvent(event, { cwd, colors });
    if (line && line.level !== 'debug') log(line.text);
    // After a restart the page reloads; the client waits until the new server answers.
    if (liveReload && event.type === 'start' && event.restarts > 0 && event.pid !== undefined) {
      liveReload.reload(event.changes[0] ? relative(event.changes[0].path) : '', false);
    }
  };
  const label = ['node', ...process.argv.slice(1).map((a) => path.relative(cwd, a) || a)].join(' ');
  // Set before the first spawn (the supervisor needs it); declared here because spawn closes over it.
  let guard!: LateWatchGuard;
  const execArgv = childExecArgv(process.execArgv, o.selfFile, o.childFile, cwd);
  const args = [...execArgv, ...process.argv.slice(1)];
  let env: NodeJS.ProcessEnv = { ...process.env, [CHILD_MARKER]: String(process.pid) };
  let stdio: StdioOptions = [process.stdin.isTTY ? 'ignore' : 'inherit', 'inherit', 'inherit', 'ipc'];
  // WATCHFILES_SOCKET=[host:]port: hold that address across restarts (zero downtime, see run/held-socket.ts).
  const held = holdSocket(process.env[SOCKET_ENV], log);
  if (held) {
    stdio = stdioWithSocket(stdio as unknown[], held.fd) as StdioOptions;
    env = { ...env, ...held.childEnv(Math.min(2000, RUN_DEFAULTS.sigintTimeout)) };
  }
  if (lrPort !== undefined) env = { ...env, WATCHFILES_LIVERELOAD_SCRIPT: `http://127.0.0.1:${lrPort}/livereload.js` };
  const startChild = (childEnv: NodeJS.ProcessEnv, childStdio: StdioOptions) => {
    const { file, args: argv } = held ? withListenPid(process.execPath, args, false) : { file: process.execPath, args };
    return spawnGroup({ file, args: argv, cwd, shell: false, stdio: childStdio, env: childEnv });
  };
  const launcher = new ChildLauncher({
    file: process.execPath,
    args,
    shell: false,
    env,
    stdio,
    start: startChild,
    // The register hook has no options of its own: WATCHFILES_WARM_SPARE=0 turns the warm spare off.
    warmSpare: process.env[WARM_SPARE_ENV] !== '0',
  });
  const supervisor = new Supervisor({
    label,
    stopSignal: RUN_DEFAULTS.stopSignal,
    sigintTimeout: RUN_DEFAULTS.sigintTimeout,
    sigkillTimeout: RUN_DEFAULTS.sigkillTimeout,
    gracePeriod: 0,
    emit,
    loopHint: () => 'write it outside the files the server loads and WATCHFILES_WATCH',
    ...(lrPort !== undefined
      ? {
          isAsset: assetMatcher(DEFAULT_ASSET_EXTENSIONS),
          onAssets: (changes: FileChange[]) => {
            emit({ type: 'assets', changes, clients: liveReload?.connected ?? 0 });
            for (const c of changes) liveReload?.reload(relative(c.path));
          },
        }
      : {}),
    spawn: (changes) => {
      const child = launcher.launch({ [CHANGES_ENV]: serializeChanges(changes) });
      guard.reset();
      child.on('message', (message) => {
        if (!isModulesMessage(message)) return;
        // Files stay watched across restarts: one that failed to load this time is still the one to fix.
        for (const file of message.files) watchLoaded(reloader, file);
        supervisor.remember(message.files, message.resolvedAt);
        guard.track(message.files, message.resolvedAt);
      });
      return child;
    },
  });

  reloader.on('reload', (batch) => supervisor.changed(batch));
  guard = new LateWatchGuard(() => reloader.watchesInPlace(), (batch) => supervisor.changed(batch));
  reloader.on('error', (error) => emit({ type: 'error', error }));
  const via = o.handedOn ? ' (handed on through NODE_OPTIONS)' : '';
  log(
    `watching the files ${path.relative(cwd, mainFile) || mainFile} loads${via} (${reloader.name} reloader)` +
      `${held ? `, holding ${formatAddress(held.address)} across restarts` : ''}; rs + Enter restarts`,
  );

  let stopping = false;
  const stop = async (reason: string) => {
    if (stopping) return supervisor.kill(); // a second Ctrl-C: no more waiting
    stopping = true;
    stopListening();
    launcher.dispose();
    const restarts = await supervisor.stop();
    held?.close();
    await liveReload?.close();
    await reloader.stop();
    emit({ type: 'end', reason, restarts });
    process.exit(reason === 'error' ? 1 : 0);
  };
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, () => void stop(signal));
  const stopListening = listenForRestartCommand(() => supervisor.restartNow());
  reloader.run().catch((error: unknown) => {
    log(colors.red(`the reloader stopped: ${(error as Error)?.message ?? String(error)}`));
    void stop('error');
  });
  const ready = async () => {
    await held?.checkFree();
    if (lrPort !== undefined) liveReload = await LiveReloadServer.start({ port: lrPort });
  };
  ready().then(
    () => {
      if (liveReload) log(`live reload at ${liveReload.scriptUrl}`);
      supervisor.start();
    },
    (error: Error) => {
      log(colors.red(error.message));
      void stop('error');
    },
  );
}

/** WATCHFILES_LIVERELOAD: unset or 0 (off), 1 (on, port 35729), or a port. */
function liveReloadPort(value: string | undefined, log: (s: string) => void): number | undefined {
  if (value === undefined || value === '' || value === '0') return undefined;
  if (value === '1' || value === 'true') return LIVERELOAD_PORT;
  const port = Number(value);
  if (Number.isInteger(port) && port > 1 && port <= 65535) return port;
  log(`${LIVERELOAD_ENV} must be 1 or a port (1-65535), got "${value}"; live reload is off`);
  return undefined;
}

function holdSocket(value: string | undefined, log: (s: string) => void): HeldSocket | undefined {
  if (!value) return undefined;
  try {
    return HeldSocket.bind(parseSocketAddress(value, SOCKET_ENV), SOCKET_ENV);
  } catch (error) {
    log(`${(error as Error).message}; restarting without it (requests fail while the server restarts)`);
    return undefined;
  }
}

function watchLoaded(reloader: BaseReloader, file: string): void {
  try {
    if (fs.statSync(file, { throwIfNoEntry: false })?.isFile()) reloader.watchFile(file);
  } catch {
    // a path we cannot watch (gone already): nothing to restart for
  }
}

function extraWatches(value: string | undefined, cwd: string, log: (s: string) => void): string[] {
  if (!value) return [];
  const out: string[] = [];
  for (const item of value.split(',').map((s) => s.trim()).filter(Boolean)) {
    const abs = path.resolve(cwd, item);
    if (!fs.existsSync(abs)) log(`${EXTRA_WATCH_ENV}: "${item}" does not exist yet; watching for it`);
    out.push(abs);
  }
  return out;
}
