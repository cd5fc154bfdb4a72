/**
 * A client for the watchman server's JSON protocol over its unix socket: one JSON value per line each way.
 * Replies come back in request order; "unilateral" values (subscription results, logs) may arrive at any
 * time in between. Speaking the protocol directly costs ~100 lines and no dependency; fb-watchman would
 * add BSER and spawn the `watchman` CLI on every connect to find the socket, which we need only once.
 */
import net from 'node:net';
import { WatchError } from '../watch/types.js';

export type WatchmanResponse = Record<string, unknown> & { error?: string; version?: string; warning?: string };

export interface SubscriptionPdu {
  subscription: string;
  root: string;
  clock: string;
  is_fresh_instance?: boolean;
  files?: WatchmanFile[];
  warning?: string;
  'state-enter'?: string;
  'state-leave'?: string;
  canceled?: boolean;
}

export interface WatchmanFile {
  name: string;
  exists: boolean;
  new?: boolean;
  type?: string;
}

interface AwaitedReply {
  resolve(value: WatchmanResponse): void;
  reject(error: WatchError): void;
  command: string;
}

export class WatchmanClient {
  private readonly socket: net.Socket;
  private readonly awaiting: AwaitedReply[] = [];
  private buffer = '';
  private closedError: WatchError | undefined;
  private onSubscription: (pdu: SubscriptionPdu) => void = () => {};
  private onClose: (error: WatchError) => void = () => {};
  private weak = false;

  private constructor(socket: net.Socket, readonly sockname: string) {
    this.socket = socket;
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => this.receive(chunk));
    socket.on('error', (error) => this.fail(lostError(sockname, error.message)));
    socket.on('close', () => this.fail(lostError(sockname, 'the server closed the connection')));
  }

  /** Connects to the server listening on `sockname`; rejects with EWATCHMAN when nobody listens there. */
  static connect(sockname: string, timeoutMs = 10_000): Promise<WatchmanClient> {
    return new Promise((resolve, reject) => {
      const socket = net.connect(sockname);
      const timer = setTimeout(() => {
        socket.destroy();
        reject(unreachable(sockname, `no answer within ${timeoutMs} ms`));
      }, timeoutMs);
      socket.once('error', (error: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        reject(unreachable(sockname, error.code ?? error.message));
      });
      socket.once('connect', () => {
        clearTimeout(timer);
        socket.removeAllListeners('error');
        resolve(new WatchmanClient(socket, sockname));
      });
    });
  }

  /** Sends one command and resolves with its reply; a reply carrying `error` rejects with EWATCHMAN. */
  command(args: unknown[]): Promise<WatchmanResponse> {
    if (this.closedError) return Promise.reject(this.closedError);
    return new Promise((resolve, reject) => {
      this.awaiting.push({ resolve, reject, command: String(args[0]) });
      // A pending reply keeps Node alive even on a weak connection: someone awaits it.
      this.socket.ref();
      this.socket.write(`${JSON.stringify(args)}\n`);
    });
  }

  /** Where subscription results (and state-enter/leave notices) go. */
  setSubscriptionHandler(handler: (pdu: SubscriptionPdu) => void): void {
    this.onSubscription = handler;
  }

  /** Called once when the connection is lost (not after close()). */
  setCloseHandler(handler: (error: WatchError) => void): void {
    this.onClose = handler;
  }

  /** Lets Node exit while the connection idles (the caller keeps the process alive if it wants to). */
  unref(): void {
    this.weak = true;
    if (!this.awaiting.length) this.socket.unref();
  }

  get closed(): boolean {
    return this.closedError !== undefined;
  }

  close(): void {
    if (this.closedError) return;
    this.closedError = new WatchError('ECLOSED', 'the watchman connection was closed');
    this.socket.destroy();
    for (const p of this.awaiting.splice(0)) p.reject(this.closedError);
  }

  private receive(chunk: string): void {
    this.buffer += chunk;
    for (let nl = this.buffer.indexOf('\n'); nl >= 0; nl = this.buffer.indexOf('\n')) {
      const line = this.buffer.slice(0, nl);
      this.buffer = this.buffer.slice(nl + 1);
      if (!line.trim()) continue;
      let value: WatchmanResponse;
      try {
        value = JSON.parse(line) as WatchmanResponse;
      } catch {
        this.fail(new WatchError('EWATCHMAN', `the watchman server at ${this.sockname} sent a line that is not JSON: ${line.slice(0, 200)}`));
        this.socket.destroy();
        return;
      }
      this.dispatch(value);
    }
  }

  private dispatch(value: WatchmanResponse): void {
    if (value.unilateral || value.log !== undefined) {
      if (typeof value.subscription === 'string') this.onSubscription(value as unknown as SubscriptionPdu);
      return;
    }
    const p = this.awaiting.shift();
    if (!p) return;
    if (this.weak && !this.awaiting.length) this.socket.unref();
    if (typeof value.error === 'string') {
      p.reject(new WatchError('EWATCHMAN', `watchman ${p.command} failed: ${value.error}`));
    } else p.resolve(value);
  }

  private fail(error: WatchError): void {
    if (this.closedError) return;
    this.closedError = error;
    for (const p of this.awaiting.splice(0)) p.reject(error);
    this.onClose(error);
  }
}

function unreachable(sockname: string, cause: string): WatchError {
  return new WatchError(
    'EWATCHMAN',
    `cannot reach the watchman server at ${sockname} (${cause}): start it (\`watchman --sockname=${sockname} get-sockname\` ` +
      'starts one), fix WATCHMAN_SOCK, or use the native backend',
  );
}

function lostError(sockname: string, cause: string): WatchError {
  return new WatchError(
    'EWATCHMAN',
    `lost the watchman server at ${sockname} (${cause}): it exited or was killed; changes are not seen until it runs ` +
      'again (the watcher reconnects and reports a rescan batch), or use the native backend',
  );
}
