/**
 * Which changed files are static assets: swapped in the browser (stylesheets, images) or reloaded there,
 * never a reason to restart the server. The runner goes by extension; `assets` (CLI --assets) replaces
 * the list. Everything else is code: the server restarts, then the page reloads.
 */
import path from 'node:path';

export const DEFAULT_ASSET_EXTENSIONS: readonly string[] = ['.css', '.png', '.jpg', '.jpeg', '.gif', '.svg', '.webp', '.avif', '.ico'];

/** `['css', '.PNG']` -> `['.css', '.png']`. */
export function normalizeExtensions(list: readonly string[]): string[] {
  return list.map((e) => (e.startsWith('.') ? e : `.${e}`).toLowerCase());
}

export function assetMatcher(extensions: readonly string[]): (file: string) => boolean {
  const set = new Set(normalizeExtensions(extensions));
  return (file) => set.has(path.extname(file).toLowerCase());
}
