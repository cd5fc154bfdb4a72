/** chokidar 5 (ESM only, the newest that runs on Node 20). */
import { watch } from 'chokidar';
import { startChokidar } from './chokidar-shared.mjs';

export function start(root, onEvents) {
  return startChokidar(watch, root, onEvents);
}
