/**
 * The supervised child's side of the register hook: report every file the process resolves, CommonJS
 * (Module._resolveFilename) and ES modules (a resolve hook registered with node:module register()), to the
 * supervisor over IPC. Files are reported when resolved, before they are compiled, so a file with a
 * syntax error is watched too and fixing it restarts the server.
 */
import { createRequire, type register as registerFn } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { MessageChannel, receiveMessageOnPort, type MessagePort } from 'node:worker_threads';
import type { ModulesMessage } from './protocol.js';

const INSTALLED = Symbol.for('watchfiles-node.register.reporter');

// Runs on the loader thread (off-thread on Node 20+): it cannot reach process.send, so it posts each
// resolved file URL, with when it was resolved, to the main thread over the port it was given in `data`.
// The main thread reads the port only after the module graph has run, so the time must be taken here.
const RESOLVE_HOOK = `
let port;
export function initialize(data) { port = data.port; }
export async function resolve(specifier, context, next) {
  const result = await next(specifier, context);
  if (port && result.url.startsWith('file:') && !result.url.includes('/node_modules/')) port.postMessage([result.url, Date.now()]);
  return result;
}
`;

export function installModuleReporter(): void {
  const g = globalThis as Record<symbol, unknown>;
  if (g[INSTALLED] || typeof process.send !== 'function') return;
  g[INSTALLED] = true;

  const known = new Set<string>();
  let pending: string[] = [];
  let firstResolved = Infinity;
  let scheduled = false;
  const flush = () => {
    scheduled = false;
    if (!pending.length || !process.connected) return;
    const message: ModulesMessage = { type: 'watchfiles:modules', files: pending, resolvedAt: firstResolved };
    pending = [];
    firstResolved = Infinity;
    try {
      process.send!(message);
    } catch {
      // The supervisor is gone; 'disconnect' below deals with that.
    }
  };
  const report = (file: string, resolvedAt: number) => {
    if (known.has(file) || !path.isAbsolute(file) || file.includes(`${path.sep}node_modules${path.sep}`)) return;
    known.add(file);
    pending.push(file);
    firstResolved = Math.min(firstResolved, resolvedAt);
    if (!scheduled) {
      scheduled = true;
      setImmediate(flush).unref();
    }
  };

  hookCommonJs(report);
  const port = hookEsm(report);

  process.on('exit', () => {
    // A crash at start-up (a syntax error) exits before the loop turns: collect what the loader thread
    // posted and send it now. IPC writes to a pipe go out synchronously when the pipe is free.
    if (port) for (let m = receiveMessageOnPort(port); m; m = receiveMessageOnPort(port)) reportUrl(m.message, report);
    flush();
  });

  // If the supervisor dies without stopping us (SIGKILL), take our process group down rather than run on unsupervised.
  process.on('disconnect', () => {
    try {
      process.kill(-process.pid, 'SIGTERM');
    } catch {
      process.exit(1);
    }
  });
  // Neither the channel nor our listeners may keep a finished script alive.
  process.channel?.unref();
}

type Report = (file: string, resolvedAt: number) => void;

function hookCommonJs(report: Report): void {
  const Module = createRequire(import.meta.url)('node:module') as {
    _resolveFilename: (this: unknown, request: string, ...rest: unknown[]) => string;
  };
  const original = Module._resolveFilename;
  Module._resolveFilename = function (this: unknown, request: string, ...rest: unknown[]) {
    const filename = original.call(this, request, ...rest);
    report(filename, Date.now());
    return filename;
  };
}

interface ResolveResult {
  url: string;
}
type SyncResolve = (specifier: string, context: unknown, next: (s: string, c: unknown) => ResolveResult) => ResolveResult;

function hookEsm(report: Report): MessagePort | undefined {
  const nodeModule = createRequire(import.meta.url)('node:module') as {
    register?: typeof registerFn;
    registerHooks?: (hooks: { resolve: SyncResolve }) => unknown;
  };
  if (typeof nodeModule.registerHooks === 'function') {
    // Node >= 22.15: in-thread hooks, no loader thread to start (that costs ~40 ms per server start).
    nodeModule.registerHooks({
      resolve(specifier, context, next) {
        const result = next(specifier, context);
        if (!result.url.includes('/node_modules/')) reportUrl([result.url, Date.now()], report);
        return result;
      },
    });
    return undefined;
  }
  const register = nodeModule.register;
  if (typeof register !== 'function') return undefined; // Node < 20.6: CommonJS only
  const { port1, port2 } = new MessageChannel();
  port1.on('message', (posted: unknown) => reportUrl(posted, report));
  port1.unref();
  register(`data:text/javascript,${encodeURIComponent(RESOLVE_HOOK)}`, {
    data: { port: port2 },
    transferList: [port2],
  });
  return port1;
}

/** `posted`: [file URL, when it was resolved] from a resolve hook. */
function reportUrl(posted: unknown, report: Report): void {
  if (!Array.isArray(posted)) return;
  const [url, resolvedAt] = posted as [unknown, unknown];
  if (typeof url !== 'string' || !url.startsWith('file:') || typeof resolvedAt !== 'number') return;
  try {
    report(fileURLToPath(url), resolvedAt);
  } catch {
    // not a local file URL
  }
}
