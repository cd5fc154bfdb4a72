/**
 * Preloaded into the runner's Node children with --livereload (dist/livereload-inject.cjs, through
 * NODE_OPTIONS): adds `<script src=".../livereload.js">` to every text/html response the program sends
 * through node:http (Express, Fastify, Koa and plain servers all do), so pages reload without a browser
 * extension or a change to the templates. The tag goes before `</body>` when the body comes in one piece,
 * else at the end; Content-Length is corrected, or dropped for a streamed body.
 */
import http from 'node:http';

const INSTALLED = Symbol.for('watchfiles-node.livereload-inject');
const URL_ENV = 'WATCHFILES_LIVERELOAD_SCRIPT';

export function installLiveReloadInjection(env: NodeJS.ProcessEnv = process.env): void {
  const g = globalThis as Record<symbol, unknown>;
  const src = env[URL_ENV];
  if (g[INSTALLED] || !src || !/^https?:\/\/[^"<>\s]+$/.test(src)) return;
  g[INSTALLED] = true;
  const tag = `<script src="${src}"></script>`;
  const proto = http.ServerResponse.prototype as http.ServerResponse & Record<symbol, unknown>;
  const state = Symbol('livereload');
  const write = proto.write;
  const end = proto.end;
  const writeHead = proto.writeHead;

  // writeHead(status, headers) would fix Content-Length before the body is seen: for an HTML response
  // its headers are set one by one instead, and the status line waits for the body (write/end).
  proto.writeHead = function (this: http.ServerResponse & Record<symbol, unknown>, status: number, ...rest: unknown[]) {
    if (this[state] !== undefined || this.headersSent) return (writeHead as (...a: unknown[]) => http.ServerResponse).call(this, status, ...rest);
    const message = typeof rest[0] === 'string' ? rest[0] : undefined;
    const headers = rest[message === undefined ? 0 : 1];
    if (headers !== undefined && (headers === null || typeof headers !== 'object' || Array.isArray(headers))) {
      return (writeHead as (...a: unknown[]) => http.ServerResponse).call(this, status, ...rest);
    }
    for (const [name, value] of Object.entries((headers ?? {}) as Record<string, string | number | string[]>)) {
      if (value !== undefined) this.setHeader(name, value);
    }
    this.statusCode = status;
    if (message !== undefined) this.statusMessage = message;
    if (isHtml(this)) return this;
    return (writeHead as (...a: unknown[]) => http.ServerResponse).call(this, status, ...(message === undefined ? [] : [message]));
  } as typeof proto.writeHead;

  const isHtml = (res: http.ServerResponse) => {
    if (res.headersSent) return false;
    const type = res.getHeader('content-type');
    const encoding = res.getHeader('content-encoding');
    return typeof type === 'string' && /^text\/html/i.test(type) && (encoding === undefined || encoding === 'identity');
  };

  proto.write = function (this: http.ServerResponse & Record<symbol, unknown>, chunk: unknown, ...rest: unknown[]) {
    if (this[state] === undefined) {
      this[state] = isHtml(this) ? 'streaming' : 'no';
      if (this[state] === 'streaming') this.removeHeader('content-length');
    }
    return (write as (...a: unknown[]) => boolean).call(this, chunk, ...rest);
  } as typeof proto.write;

  proto.end = function (this: http.ServerResponse & Record<symbol, unknown>, ...args: unknown[]) {
    const first = args[0];
    const hasChunk = typeof first === 'string' || Buffer.isBuffer(first);
    if (this[state] === undefined && hasChunk && isHtml(this)) {
      // The whole body at once: the tag before </body> (or at the end), Content-Length corrected.
      const text = typeof first === 'string' ? first : (first as Buffer).toString('utf8');
      const at = text.toLowerCase().lastIndexOf('</body>');
      const body = at >= 0 ? text.slice(0, at) + tag + text.slice(at) : text + tag;
      if (this.getHeader('content-length') !== undefined) this.setHeader('content-length', Buffer.byteLength(body));
      this[state] = 'done';
      const rest = args.slice(typeof args[1] === 'string' ? 2 : 1);
      return (end as (...a: unknown[]) => http.ServerResponse).call(this, body, 'utf8', ...rest);
    }
    if (this[state] === 'streaming') {
      this[state] = 'done';
      if (hasChunk) (write as (...a: unknown[]) => boolean).call(this, first, typeof args[1] === 'string' ? args[1] : 'utf8');
      (write as (...a: unknown[]) => boolean).call(this, tag);
      const callback = args.find((a) => typeof a === 'function');
      return (end as (...a: unknown[]) => http.ServerResponse).call(this, ...(callback ? [callback] : []));
    }
    if (this[state] === undefined) this[state] = 'no'; // an empty body, or not HTML: as it was
    return (end as (...a: unknown[]) => http.ServerResponse).apply(this, args);
  } as typeof proto.end;
}
