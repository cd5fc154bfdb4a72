/** chokidar 3, the version most tools still pin (nodemon, older dev servers); installed as `chokidar3`. */
import { createRequire } from 'node:module';
import { startChokidar } from './chokidar-shared.mjs';

const chokidar3 = createRequire(import.meta.url)('chokidar3');

export function start(root, onEvents) {
  return startChokidar(chokidar3.watch, root, onEvents);
}
