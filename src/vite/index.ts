/**
 * watchfiles-node/vite: Vite's dev server watches through watchfiles-node.
 *
 *     import { watchfiles } from 'watchfiles-node/vite';
 *     export default defineConfig({ plugins: [watchfiles()] });
 *
 * See docs/vite.md.
 */
import { watchfiles } from './plugin.js';

export { watchfiles } from './plugin.js';
export type { WatchfilesViteOptions, WatchfilesVitePlugin } from './plugin.js';
export { ViteWatchBridge, VITE_DEBOUNCE_MS, VITE_STEP_MS } from './bridge.js';
export type { BridgeOptions, ViteWatchEvent } from './bridge.js';

export default watchfiles;
