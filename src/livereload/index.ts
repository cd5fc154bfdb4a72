/** Browser live reload: the LiveReload protocol 7 server, its client, and which files are static assets. */
export { LiveReloadServer, LIVERELOAD_PORT } from './server.js';
export type { LiveReloadOptions } from './server.js';
export { DEFAULT_ASSET_EXTENSIONS } from './assets.js';
