/** watchfiles-node with backend: 'watchman' (the server found through WATCHMAN_SOCK). */
import { start as startOurs } from './watchfiles.mjs';

export const start = (root, onEvents) => startOurs(root, onEvents, { backend: 'watchman' });
