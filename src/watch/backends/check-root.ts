/** The root check of the JS-side backends (the JS poller and watchman), with the native core's errors. */
import fs from 'node:fs';
import { WatchError } from '../types.js';

/** Throws the WatchError the native core gives for a root that cannot be watched. */
export function checkRoot(root: string): fs.Stats {
  try {
    return fs.statSync(root);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOTDIR') throw new WatchError('ENOTDIR', `a path component is not a directory: ${root}`, root);
    if (code === 'EACCES') throw new WatchError('EACCES', `permission denied: ${root}`, root);
    throw new WatchError('ENOENT', `path does not exist: ${root} (create it first, or fix the path)`, root);
  }
}
