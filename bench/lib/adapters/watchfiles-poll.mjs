/** watchfiles-node with forcePolling: true (the path taken on network and WSL mounts), default pollDelay. */
import { start as startWatchfiles } from './watchfiles.mjs';

export function start(root, onEvents) {
  return startWatchfiles(root, onEvents, { forcePolling: true });
}
