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
/** How long a keep-alive connection idle at the stop signal may still bring its next request (ms). */
const IDLE_GRACE_MS = 100;

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
    drainOnClose(this as HttpLike, gracefulMs);
    const callback = typeof args[args.length - 1] === 'function' ? args[args.length - 1] : undefined;
    return callback ? listen.call(this, { fd }, callback) : listen.call(this, { fd });
  } as typeof net.Server.prototype.listen;

  let closing = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (closing) return;
    closing = true;
    const ownHandlerOnly = process.listenerCount(signal) === 1;
    void closeAll([...servers]).then(() => {
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

/**
 * Makes `server.close()` drain without a race, for the program's own close() as for ours on the stop
 * signal: stop accepting (new connections wait in the backlog for the next child), let requests in flight
 * finish, and end keep-alive connections so that no client loses a request. Every response from then on
 * carries `Connection: close`, so a client does not send another request on that connection, and a
 * connection that is idle is closed only after IDLE_GRACE_MS: closing it at once, as http.Server.close()
 * does, races a client that is just sending its next request on it. After `ms`, all connections close.
 */
function drainOnClose(server: HttpLike, ms: number): void {
  let draining = false;
  server.close = function (this: HttpLike, callback?: (error?: Error) => void) {
    if (!draining && this.listening) {
      draining = true;
      if (typeof this.closeIdleConnections === 'function') {
        this.prependListener('request', (_req: unknown, res: { setHeader(n: string, v: string): void; headersSent?: boolean }) => {
          if (!res.headersSent) res.setHeader('connection', 'close');
        });
      }
      let idle: NodeJS.Timeout | undefined;
      const grace = setTimeout(() => {
        this.closeIdleConnections?.();
        idle = setInterval(() => this.closeIdleConnections?.(), 10);
      }, Math.min(IDLE_GRACE_MS, ms));
      const deadline = setTimeout(() => this.closeAllConnections?.(), ms);
      for (const t of [grace, deadline]) t.unref();
      this.once('close', () => {
        clearTimeout(grace);
        clearTimeout(deadline);
        if (idle) clearInterval(idle);
      });
    }
    // net.Server's close: stop accepting, without http.Server's closing of idle connections at once.
    return net.Server.prototype.close.call(this, callback);
  } as typeof server.close;
}

/** Closes the servers (draining, see drainOnClose); resolves once all are closed. */
function closeAll(servers: HttpLike[]): Promise<void> {
  const open = servers.filter((s) => s.listening);
  return Promise.all(open.map((s) => new Promise<void>((resolve) => s.close(() => resolve())))).then(() => undefined);
}

/** Removes our own `--require .../socket-handoff.cjs` from NODE_OPTIONS, so the program's children do not load it. */
function stripOwnPreload(env: NodeJS.ProcessEnv): void {
  if (!env.NODE_OPTIONS) return;
  const rest = env.NODE_OPTIONS.replace(/--require[= ](?:"[^"]*socket-handoff\.cjs"|\S*socket-handoff\.cjs)\s*/, '').trim();
  if (rest) env.NODE_OPTIONS = rest;
  else delete env.NODE_OPTIONS;
}
