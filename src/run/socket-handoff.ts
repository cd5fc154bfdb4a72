/**
 * The child's side of a held socket (see held-socket.ts). Preloaded through NODE_OPTIONS=--require into
 * a Node child of the runner (built on its own as dist/socket-handoff.cjs, with no imports of ours), and
 * called by the register hook's child. Only in the process the socket was meant for (LISTEN_PID is its
 * pid): the variables are removed, so a process it starts sees none of them.
 *
 * - The first listen() on the held port listens on descriptor 3 instead: same callback, same events, and
 *   server.address() names the held address. Other ports, and listen() calls after the first, are untouched.
 * - On SIGINT, SIGTERM or SIGHUP the servers stop accepting (new connections wait in the backlog for the
 *   next child), requests in flight finish, idle keep-alive connections are closed, and the process then
 *   dies of the same signal, as it would have without us; after WATCHFILES_GRACEFUL_MS it goes anyway. If
 *   the program handles the signal itself, it decides when to exit; we only close the servers.
 */
import net from 'node:net';

const INSTALLED = Symbol.for('watchfiles-node.socket-handoff');
const STOP_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

export function installSocketHandoff(env: NodeJS.ProcessEnv = process.env): void {
  const g = globalThis as Record<symbol, unknown>;
  const address = env.WATCHFILES_SOCKET;
  const fdText = env.WATCHFILES_SOCKET_FD;
  if (g[INSTALLED] || !address || !fdText || env.LISTEN_PID !== String(process.pid)) return;
  g[INSTALLED] = true;
  const gracefulMs = Number(env.WATCHFILES_GRACEFUL_MS ?? 2000);
  for (const name of ['WATCHFILES_SOCKET', 'WATCHFILES_SOCKET_FD', 'WATCHFILES_GRACEFUL_MS', 'LISTEN_PID', 'LISTEN_FDS', 'LISTEN_FDNAMES']) {
    delete env[name];
  }
  stripOwnPreload(env);

  const fd = Number(fdText);
  const port = Number(address.slice(address.lastIndexOf(':') + 1));
  const servers = new Set<net.Server>();
  let handedOut = false;
  const listen = net.Server.prototype.listen as (this: net.Server, ...args: unknown[]) => net.Server;
  net.Server.prototype.listen = function (this: net.Server, ...args: unknown[]) {
    if (handedOut || requestedPort(args) !== port) return listen.apply(this, args);
    handedOut = true;
    servers.add(this);
    const callback = typeof args[args.length - 1] === 'function' ? args[args.length - 1] : undefined;
    return callback ? listen.call(this, { fd }, callback) : listen.call(this, { fd });
  } as typeof net.Server.prototype.listen;

  let closing = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (closing) return;
    closing = true;
    const ownHandlerOnly = process.listenerCount(signal) === 1;
    void closeGracefully([...servers], gracefulMs).then(() => {
      if (!ownHandlerOnly) return; // the program handles the signal: it exits when it wants to
      for (const s of STOP_SIGNALS) process.off(s, onSignal);
      process.kill(process.pid, signal);
    });
  };
  for (const s of STOP_SIGNALS) process.on(s, onSignal);
}

/** The port a listen() call asks for, or undefined (a path, a handle, a descriptor). */
function requestedPort(args: unknown[]): number | undefined {
  const first = args[0];
  if (typeof first === 'number') return first;
  if (typeof first === 'string' && /^\d+$/.test(first)) return Number(first);
  if (first && typeof first === 'object' && 'port' in first) {
    const p = (first as { port?: unknown }).port;
    return typeof p === 'number' ? p : typeof p === 'string' && /^\d+$/.test(p) ? Number(p) : undefined;
  }
  return undefined;
}

interface HttpLike extends net.Server {
  closeIdleConnections?: () => void;
  closeAllConnections?: () => void;
}

function closeGracefully(servers: HttpLike[], ms: number): Promise<void> {
  const open = servers.filter((s) => s.listening);
  if (!open.length) return Promise.resolve();
  return new Promise((resolve) => {
    let left = open.length;
    const done = () => {
      if (--left === 0) finish();
    };
    // Keep-alive connections that go idle after their last response are closed as they do.
    const idle = setInterval(() => open.forEach((s) => s.closeIdleConnections?.()), 25);
    const deadline = setTimeout(() => {
      open.forEach((s) => s.closeAllConnections?.());
      finish();
    }, ms);
    let finished = false;
    function finish() {
      if (finished) return;
      finished = true;
      clearInterval(idle);
      clearTimeout(deadline);
      resolve();
    }
    for (const s of open) {
      s.close(done);
      s.closeIdleConnections?.();
    }
  });
}

/** Removes our own `--require .../socket-handoff.cjs` from NODE_OPTIONS, so the program's children do not load it. */
function stripOwnPreload(env: NodeJS.ProcessEnv): void {
  if (!env.NODE_OPTIONS) return;
  const rest = env.NODE_OPTIONS.replace(/--require[= ](?:"[^"]*socket-handoff\.cjs"|\S*socket-handoff\.cjs)\s*/, '').trim();
  if (rest) env.NODE_OPTIONS = rest;
  else delete env.NODE_OPTIONS;
}
