/**
 * A LiveReload protocol 7 server (the protocol of livereload.com's browser extensions and livereload.js):
 * HTTP on 127.0.0.1:35729 serving /livereload.js, and WebSocket upgrades at /livereload (any path, as the
 * extensions use /livereload). It serves nothing else. Safe by default: it listens on 127.0.0.1 unless
 * told otherwise, and refuses an upgrade whose Origin is not a local page (localhost, 127.0.0.0/8, ::1)
 * or one of `origins`, so a page on another site cannot connect, read which files change, or drive reloads.
 * Paths sent to the browser are relative to the watched root, never absolute file system paths.
 */
import type http from 'node:http';
import type { Duplex } from 'node:stream';
// Types only: node:http and `ws` (~8 MB of RSS together) load when a server starts, not with the library.
import type { WebSocket, WebSocketServer } from 'ws';
import { CLIENT_SCRIPT } from './client.js';

export const LIVERELOAD_PORT = 35729;
const PROTOCOL_7 = 'http://livereload.com/protocols/official-7';

export interface LiveReloadOptions {
  /** Default 35729. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Origins allowed besides local pages (`http://dev.example.test:8080`). */
  origins?: string[];
}

export class LiveReloadServer {
  private readonly http: http.Server;
  private readonly clients = new Set<WebSocket>();
  readonly port: number;
  readonly host: string;
  private readonly origins: Set<string>;

  private constructor(
    o: LiveReloadOptions,
    createServer: typeof http.createServer,
    private readonly wss: WebSocketServer,
  ) {
    this.port = o.port ?? LIVERELOAD_PORT;
    this.host = o.host ?? '127.0.0.1';
    this.origins = new Set(o.origins ?? []);
    this.http = createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://x');
      if ((req.method === 'GET' || req.method === 'HEAD') && url.pathname === '/livereload.js') {
        res.writeHead(200, { 'content-type': 'application/javascript; charset=utf-8', 'cache-control': 'no-store' });
        res.end(req.method === 'HEAD' ? undefined : CLIENT_SCRIPT);
        return;
      }
      res.writeHead(404, { 'content-type': 'text/plain' }).end('LiveReload: only /livereload.js and the WebSocket are served here\n');
    });
    this.http.on('upgrade', (req, socket, head) => this.upgrade(req, socket, head));
  }

  /** Starts listening; rejects with a message naming the port when it is taken. */
  static async start(o: LiveReloadOptions = {}): Promise<LiveReloadServer> {
    const [{ createServer }, { WebSocketServer }] = await Promise.all([import('node:http'), import('ws')]);
    const server = new LiveReloadServer(o, createServer, new WebSocketServer({ noServer: true }));
    await new Promise<void>((resolve, reject) => {
      server.http.once('error', (error: NodeJS.ErrnoException) =>
        reject(
          new Error(
            `livereload: cannot listen on ${server.host}:${server.port} (${error.code}): ` +
              (error.code === 'EADDRINUSE' ? 'another LiveReload server runs there; stop it or choose another port (--livereload-port)' : error.message),
          ),
        ),
      );
      server.http.listen(server.port, server.host, () => resolve());
    });
    return server;
  }

  /** The URL of the client script, for a <script> tag. */
  get scriptUrl(): string {
    const host = this.host.includes(':') ? `[${this.host}]` : this.host;
    return `http://${host}:${this.port}/livereload.js`;
  }

  get connected(): number {
    return this.clients.size;
  }

  /** Tells every browser that `path` (relative to the watched root) changed. */
  reload(path: string, live = true): void {
    this.send({ command: 'reload', path, liveCSS: live, liveImg: live });
  }

  alert(message: string): void {
    this.send({ command: 'alert', message });
  }

  async close(): Promise<void> {
    for (const ws of this.clients) ws.terminate();
    this.wss.close();
    this.http.closeAllConnections?.();
    await new Promise<void>((resolve) => this.http.close(() => resolve()));
  }

  private send(message: object): void {
    const text = JSON.stringify(message);
    for (const ws of this.clients) if (ws.readyState === ws.OPEN) ws.send(text);
  }

  private upgrade(req: http.IncomingMessage, socket: Duplex, head: Buffer): void {
    if (!this.allowed(req.headers.origin)) {
      socket.end('HTTP/1.1 403 Forbidden\r\nConnection: close\r\n\r\n');
      return;
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      let greeted = false;
      ws.on('message', (data) => {
        let msg: { command?: string; protocols?: unknown };
        try {
          msg = JSON.parse(String(data));
        } catch {
          return;
        }
        if (msg.command === 'hello' && !greeted) {
          if (!Array.isArray(msg.protocols) || !msg.protocols.includes(PROTOCOL_7)) {
            ws.close(1002, 'LiveReload protocol 7 is the only one served here');
            return;
          }
          greeted = true;
          this.clients.add(ws);
          ws.send(JSON.stringify({ command: 'hello', protocols: [PROTOCOL_7], serverName: 'watchfiles-node' }));
        }
        // 'info' and 'url' from clients need no answer.
      });
      ws.on('close', () => this.clients.delete(ws));
      ws.on('error', () => this.clients.delete(ws));
    });
  }

  private allowed(origin: string | undefined): boolean {
    // Browsers always send Origin on a WebSocket upgrade; a missing one is a non-browser client (a CLI
    // tool, a test), which a web page cannot pose as.
    if (origin === undefined) return true;
    if (this.origins.has(origin)) return true;
    try {
      const { hostname, protocol } = new URL(origin);
      if (protocol !== 'http:' && protocol !== 'https:') return false;
      return hostname === 'localhost' || hostname === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(hostname);
    } catch {
      return false;
    }
  }
}
