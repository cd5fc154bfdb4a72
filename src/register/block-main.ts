/**
 * Keeps the supervisor process from running the server itself: it only supervises the child that does.
 * Loaded by --require (CommonJS build), we replace Module.runMain before Node calls it (a documented
 * monkey-patch point). Loaded by --import (ES build), the entry point is imported after us through the
 * loader, so a resolve hook hands it an empty module instead.
 */
import { createRequire, type register as registerFn } from 'node:module';

// The entry point is the one import without a parent; --import preloads carry the cwd as parent.
const EMPTY_MAIN_HOOK = `
export async function resolve(specifier, context, next) {
  if (context.parentURL === undefined) return { url: 'data:text/javascript,', shortCircuit: true };
  return next(specifier, context);
}
`;

export function blockMainModule(loadedAs: 'commonjs' | 'module'): void {
  const nodeModule = createRequire(import.meta.url)('node:module') as {
    Module: { runMain: (...args: unknown[]) => unknown };
    register?: typeof registerFn;
  };
  if (loadedAs === 'commonjs') {
    nodeModule.Module.runMain = () => undefined;
    return;
  }
  if (typeof nodeModule.register !== 'function') {
    throw new Error('watchfiles-node/register needs Node.js >= 20.6 with --import (module.register); use --require on older versions');
  }
  nodeModule.register(`data:text/javascript,${encodeURIComponent(EMPTY_MAIN_HOOK)}`);
}
