/**
 * The runner's preloads for Node children (dist/<name>.cjs, built on their own, CommonJS), added in front
 * of the user's NODE_OPTIONS with --require.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { quoteNodeOption } from './warm-spare.js';

/** dist/<name>.cjs: beside this module once bundled into dist/, or the built one when it runs from src/run/. */
export function builtPreload(name: string): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const file = [path.join(here, `${name}.cjs`), path.join(here, '..', '..', 'dist', `${name}.cjs`)].find((f) => fs.existsSync(f));
  if (!file) throw new Error(`dist/${name}.cjs is missing; run npm run build`);
  return file;
}

/** `--require <dist/name.cjs>` in front of `nodeOptions`. */
export function withPreload(nodeOptions: string | undefined, name: string): string {
  const own = `--require ${quoteNodeOption(builtPreload(name))}`;
  return nodeOptions ? `${own} ${nodeOptions}` : own;
}
