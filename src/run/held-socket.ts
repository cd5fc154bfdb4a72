/**
 * Zero-downtime restarts: the runner binds the server's address once and keeps the socket across
 * restarts, the way systemd socket activation and listenfd do. Each child gets it as file descriptor 3
 * with LISTEN_FDS=1 and LISTEN_PID (its own pid, set by an `exec` wrapper, since the pid is not known
 * before spawn). The first child's listen() turns it into a listening socket; from then on it stays
 * listening while the runner holds it, so a connection made while one server stops and the next starts
 * waits in the kernel's backlog and is answered by the new server instead of being refused.
 *
 * A Node child does not need to know: socket-handoff.ts, preloaded through NODE_OPTIONS (and loaded by
 * the register hook's child), hands the socket to the first listen() on the held port, and closes the
 * servers gracefully on the stop signal. Any other program reads fd 3 as systemd's sd_listen_fds() does.
 *
 * The runner never listens or accepts on the socket itself; it only binds it, with Node's own
 * (undocumented, used by cluster) net._createServerHandle.
 */
import net from 'node:net';
import util from 'node:util';

/** Where the socket is: WATCHFILES_SOCKET=host:port. */
export const SOCKET_ENV = 'WATCHFILES_SOCKET';
/** The child's file descriptor of the socket (always 3, as in systemd's protocol). */
export const SOCKET_FD_ENV = 'WATCHFILES_SOCKET_FD';
/** How long the child's graceful close of its servers may take on the stop signal (ms). */
export const GRACEFUL_ENV = 'WATCHFILES_GRACEFUL_MS';
export const SOCKET_FD = 3;

export interface SocketAddress {
  host: string;
  port: number;
}

/** `3000`, `"3000"`, `"127.0.0.1:3000"`, `"[::1]:3000"`, `"0.0.0.0:8080"`. The host defaults to 127.0.0.1. */
export function parseSocketAddress(value: unknown, what: string): SocketAddress {
  const text = typeof value === 'number' ? String(value) : value;
  const bad = () =>
    new TypeError(`${what} must be a port or host:port, like 3000 or 127.0.0.1:3000, got ${JSON.stringify(value)}`);
  if (typeof text !== 'string') throw bad();
  const m = /^(?:(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]+)):)?(\d{1,5})$/.exec(text.trim());
  if (!m) throw bad();
  const port = Number(m[3]);
  if (port < 1 || port > 65535) throw new TypeError(`${what}: port must be 1-65535, got ${port}`);
  return { host: m[1] ?? m[2] ?? '127.0.0.1', port };
}

export function formatAddress(a: SocketAddress): string {
  return a.host.includes(':') ? `[${a.host}]:${a.port}` : `${a.host}:${a.port}`;
}

interface TcpHandle {
  fd: number;
  close(): void;
}

export class HeldSocket {
  private constructor(
    readonly address: SocketAddress,
    private readonly handle: TcpHandle,
    private readonly what: string,
  ) {}

  /** Binds the address. Throws an Error naming it and the fix when that fails (EADDRINUSE, EACCES...). */
  static bind(address: SocketAddress, what: string): HeldSocket {
    if (process.platform === 'win32') throw new Error(`${what} is not supported on Windows (no descriptor passing to a child)`);
    const create = (net as unknown as { _createServerHandle?: (host: string, port: number, family: number) => TcpHandle | number })
      ._createServerHandle;
    if (typeof create !== 'function') throw new Error(`${what} needs Node's net._createServerHandle, which this Node ${process.version} lacks`);
    const family = net.isIPv6(address.host) ? 6 : 4;
    const handle = create(address.host, address.port, family);
    if (typeof handle === 'number') throw bindError(address, util.getSystemErrorName(handle), what);
    return new HeldSocket(address, handle, what);
  }

  /**
   * Rejects when another program listens on the address. The bind itself cannot tell: the OS reports
   * EADDRINUSE only on listen(), which the child does. So listen on it once here, with a throwaway server.
   */
  checkFree(): Promise<void> {
    return new Promise((resolve, reject) => {
      const probe = net.createServer();
      probe.once('error', (error: NodeJS.ErrnoException) => reject(bindError(this.address, error.code ?? 'EIO', this.what)));
      probe.listen({ host: this.address.host, port: this.address.port, exclusive: true }, () => probe.close(() => resolve()));
    });
  }

  /** The runner's descriptor, to put at index SOCKET_FD of a child's stdio. */
  get fd(): number {
    return this.handle.fd;
  }

  /** Variables for every child: where the socket is and how long its graceful close may take. */
  childEnv(gracefulMs: number): Record<string, string> {
    return {
      [SOCKET_ENV]: formatAddress(this.address),
      [SOCKET_FD_ENV]: String(SOCKET_FD),
      [GRACEFUL_ENV]: String(gracefulMs),
      LISTEN_FDS: '1',
      LISTEN_FDNAMES: 'watchfiles',
    };
  }

  close(): void {
    this.handle.close();
  }
}

function bindError(address: SocketAddress, code: string, what: string): NodeJS.ErrnoException {
  const fix =
    code === 'EADDRINUSE'
      ? 'something already listens there; stop it or choose another port'
      : code === 'EACCES'
        ? 'ports below 1024 need privileges; choose a port above 1023'
        : code === 'EADDRNOTAVAIL'
          ? 'that host is not an address of this machine'
          : 'check the address';
  const error = new Error(`${what} ${formatAddress(address)}: cannot bind (${code}): ${fix}`) as NodeJS.ErrnoException;
  error.code = code;
  return error;
}

/**
 * What to spawn so that the child finds LISTEN_PID equal to its own pid: `sh -c 'LISTEN_PID=$$ ... exec'`
 * keeps the shell's pid for the program. With a shell command (`--shell`), the variable is the shell's
 * pid, so the program that listens should be started with `exec`.
 */
export function withListenPid(file: string, args: readonly string[], shell: boolean): { file: string; args: string[] } {
  const set = 'LISTEN_PID=$$; export LISTEN_PID;';
  if (shell) return { file: `${set} ${file}`, args: [...args] };
  return { file: '/bin/sh', args: ['-c', `${set} exec "$0" "$@"`, file, ...args] };
}

/** stdio with the socket at index 3 (entries missing before it are spawn's defaults). */
export function stdioWithSocket(stdio: readonly unknown[] | string, fd: number): unknown[] {
  const out: unknown[] = typeof stdio === 'string' ? [stdio, stdio, stdio] : [...stdio];
  while (out.length < SOCKET_FD) out.push(undefined);
  out.splice(SOCKET_FD, 0, fd);
  return out;
}

