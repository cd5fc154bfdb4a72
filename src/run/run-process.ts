/**
 * runProcess(): run a command or a function in a child process and restart it whenever the watched
 * paths change. The child leads its own process group, and a restart stops the whole group before the
 * next child starts. Returns a promise of the number of restarts, which is also the handle to stop it.
 */
import type { StdioOptions } from 'node:child_process';
import path from 'node:path';
import { rejectUnsupported } from '../watch/option-table.js';
import { isUnder } from '../watch/filters.js';
import { resolveOptions, resolvePaths } from '../watch/options.js';
import { startChangeSource, type ChangeSource } from './change-source.js';
import { CHANGES_ENV, serializeChanges } from './changes-env.js';
import { colorEnabled, makeColors } from './colors.js';
import type { RunEvent, RunEventHandler } from './events.js';
import { formatEvent } from './format-event.js';
import { spawnGroup } from './process-group.js';
import { resolveRunOptions, type RunProcessOptions } from './run-options.js';
import { listenForRestartCommand } from './stdin-restart.js';
import { Supervisor } from './supervisor.js';
import { buildSpawnSpec } from './target.js';
import { ChildLauncher } from './child-launcher.js';
import { formatAddress, HeldSocket, stdioWithSocket, withListenPid } from './held-socket.js';
import { withPreload } from './preload.js';
import { assetMatcher } from '../livereload/assets.js';
import { LIVERELOAD_PORT, LiveReloadServer } from '../livereload/server.js';
import type { FileChange } from '../watch/types.js';

/** The longest a child's graceful close of its servers may take before it exits anyway (ms; also at most sigintTimeout). */
const GRACEFUL_MAX_MS = 2000;

/** The promise of runProcess (resolves to the number of restarts once stopped), with controls. */
export interface RunHandle extends Promise<number> {
  /** Stop the child's group and the watcher; resolves to the number of restarts. */
  stop(): Promise<number>;
  /** Restart the child now, as if a file had changed. */
  restart(): void;
  /** The running child's pid (and process group id), or undefined while none runs. */
  readonly pid: number | undefined;
}

const STOP_SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

export function runProcess(paths: string | string[], target: string, options: RunProcessOptions = {}): RunHandle {
  if (typeof target !== 'string' || target.trim() === '') {
    throw new TypeError(
      'runProcess: target must be a non-empty string: a command ("node server.js") or a function ("./app.js:main")',
    );
  }
  const roots = resolvePaths(paths);
  const o = resolveRunOptions(options);
  const spec = buildSpawnSpec(target, o);
  const abortSignal = o.watch.signal;
  delete o.watch.signal;
  // Validate the watcher's options now, once: a typo throws here rather than from the promise, and the
  // change source takes the result as it is.
  const watchOptions = resolveOptions(roots, o.changeSource === 'watchman' ? { ...o.watch, backend: 'watchman' } : o.watch);
  // What the stat change source cannot honour is refused here too, before anything starts.
  if (o.changeSource === 'stat') rejectUnsupported(watchOptions as unknown as Record<string, unknown>, 'stat');

  const emit = safeEmitter(o.onEvent ?? defaultReporter(o.cwd));
  let stdio: StdioOptions = o.stdio ?? [process.stdin.isTTY ? 'ignore' : 'inherit', 'inherit', 'inherit'];
  let env: NodeJS.ProcessEnv = { ...process.env, ...o.env, ...spec.env };
  // Bound last: every check that can throw has run, so a thrown error leaves no socket open.
  const held = o.socket ? HeldSocket.bind(o.socket, 'socket') : undefined;
  if (held) {
    stdio = stdioWithSocket(stdio as unknown[] | string, held.fd) as StdioOptions;
    env = { ...env, ...held.childEnv(Math.min(GRACEFUL_MAX_MS, o.sigintTimeout)), NODE_OPTIONS: withPreload(env.NODE_OPTIONS, 'socket-handoff') };
  }
  // --livereload: the server starts with the runner; its script URL is known now, for the children's injection.
  const lr = o.livereload;
  let liveReload: LiveReloadServer | undefined;
  if (lr) {
    const host = lr.host ?? '127.0.0.1';
    const script = `http://${host.includes(':') ? `[${host}]` : host}:${lr.port ?? LIVERELOAD_PORT}/livereload.js`;
    env = { ...env, WATCHFILES_LIVERELOAD_SCRIPT: script, NODE_OPTIONS: withPreload(env.NODE_OPTIONS, 'livereload-inject') };
  }
  const relative = (file: string) => {
    const root = roots.find((r) => file !== r && isUnder(r, file));
    return (root ? path.relative(root, file) : path.basename(file)).split(path.sep).join('/');
  };
  const startChild = (childEnv: NodeJS.ProcessEnv, childStdio: StdioOptions) => {
    const { file, args } = held ? withListenPid(spec.file, spec.args, spec.shell) : spec;
    return spawnGroup({ file, args, shell: spec.shell, cwd: o.cwd, stdio: childStdio, env: childEnv });
  };
  const launcher = new ChildLauncher({
    file: spec.file,
    args: spec.args,
    shell: spec.shell,
    env,
    stdio,
    start: startChild,
    warmSpare: o.warmSpare,
    onSpareReady: (pid) => emit({ type: 'spare', pid }),
  });
  const onEvent = (event: RunEvent) => {
    emit(event);
    // After a restart, the page reloads; the client waits until the new server answers.
    if (liveReload && event.type === 'start' && event.restarts > 0 && event.pid !== undefined) {
      liveReload.reload(event.changes[0] ? relative(event.changes[0].path) : '', false);
    }
  };
  const supervisor = new Supervisor({
    label: spec.label,
    stopSignal: o.stopSignal,
    sigintTimeout: o.sigintTimeout,
    sigkillTimeout: o.sigkillTimeout,
    gracePeriod: o.gracePeriod,
    ...(o.callback ? { callback: o.callback } : {}),
    emit: onEvent,
    spawn: (changes) => launcher.launch({ [CHANGES_ENV]: serializeChanges(changes) }),
    loopHint: (files) => ignoreHint(roots, files),
    ...(lr
      ? {
          isAsset: assetMatcher(o.assets),
          onAssets: (changes: FileChange[]) => {
            emit({ type: 'assets', changes, clients: liveReload?.connected ?? 0 });
            for (const c of changes) liveReload?.reload(relative(c.path));
          },
        }
      : {}),
  });

  let requestStop!: (reason: string) => void;
  const stopRequested = new Promise<string>((resolve) => (requestStop = resolve));
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals) => {
    // A second Ctrl-C while the child is given its sigintTimeout: kill it now.
    if (stopping) supervisor.kill();
    stopping = true;
    requestStop(signal);
  };
  const onAbort = () => requestStop('abort');

  const run = (async (): Promise<number> => {
    if (abortSignal?.aborted) return 0;
    abortSignal?.addEventListener('abort', onAbort, { once: true });
    if (o.handleSignals) for (const s of STOP_SIGNALS) process.on(s, onSignal);
    let subscription: ChangeSource | undefined;
    let stopListening = () => {};
    try {
      await held?.checkFree();
      if (lr) liveReload = await LiveReloadServer.start(lr);
      // Watch first: a change made while the child starts up is not missed, and a bad path fails before any spawn.
      subscription = await startChangeSource(
        o.changeSource,
        watchOptions,
        (batch) => supervisor.changed(batch),
        (error) => emit({ type: 'error', error }),
      );
      emit({
        type: 'watching',
        paths: roots,
        backend: subscription.backend,
        pollReason: subscription.pollReason,
        label: spec.label,
        ...(held ? { socket: formatAddress(held.address) } : {}),
        ...(liveReload ? { livereload: liveReload.scriptUrl } : {}),
      });
      supervisor.start();
      if (o.restartOnInput) stopListening = listenForRestartCommand(() => supervisor.restartNow());
      const reason = await stopRequested;
      stopping = true;
      stopListening();
      launcher.dispose();
      const restarts = await supervisor.stop();
      emit({ type: 'end', reason, restarts });
      return restarts;
    } finally {
      stopListening();
      abortSignal?.removeEventListener('abort', onAbort);
      if (o.handleSignals) for (const s of STOP_SIGNALS) process.off(s, onSignal);
      launcher.dispose();
      await supervisor.stop();
      held?.close();
      await liveReload?.close();
      await subscription?.close();
    }
  })();

  return Object.defineProperties(run, {
    stop: {
      value: () => {
        requestStop('stop');
        return run;
      },
    },
    restart: { value: () => supervisor.restartNow() },
    pid: { get: () => supervisor.pid },
  }) as RunHandle;
}

/** The --ignore (and `ignore` option) that stops these files from restarting: each path from its watched root. */
function ignoreHint(roots: string[], files: string[]): string {
  const globs = files.map((file) => {
    const root = roots.find((r) => file !== r && isUnder(r, file));
    return (root ? path.relative(root, file) : path.basename(file)).split(path.sep).join('/');
  });
  return `${globs.map((g) => `--ignore ${JSON.stringify(g)}`).join(' ')} (runProcess: ignore: ${JSON.stringify(globs)})`;
}

function safeEmitter(handler: RunEventHandler): RunEventHandler {
  return (event: RunEvent) => {
    try {
      handler(event);
    } catch (error) {
      process.stderr.write(`watchfiles: onEvent threw: ${String((error as Error)?.stack ?? error)}\n`);
    }
  };
}

/** Without onEvent: info and warnings, one line each, on stderr. */
function defaultReporter(cwd: string): RunEventHandler {
  const colors = makeColors(colorEnabled(process.stderr));
  return (event) => {
    const line = formatEvent(event, { cwd, colors });
    if (line && line.level !== 'debug') process.stderr.write(`${colors.dim('[watchfiles]')} ${line.text}\n`);
  };
}
