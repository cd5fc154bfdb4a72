/**
 * How many inotify watches a process holds (Linux only): one "inotify wd:" line per watch in
 * /proc/<pid>/fdinfo/<fd>. Read by the parent, outside the child's CPU window. It shows what each watcher
 * costs against fs.inotify.max_user_watches, and exposes a watcher that silently stopped placing watches.
 */
import fs from 'node:fs';

export function inotifyWatches(pid) {
  if (process.platform !== 'linux') return undefined;
  let total = 0;
  let fds;
  try {
    fds = fs.readdirSync(`/proc/${pid}/fdinfo`);
  } catch {
    return undefined;
  }
  for (const fd of fds) {
    let text;
    try {
      text = fs.readFileSync(`/proc/${pid}/fdinfo/${fd}`, 'latin1');
    } catch {
      continue; // closed meanwhile
    }
    if (!text.includes('inotify wd:')) continue;
    let i = -1;
    while ((i = text.indexOf('inotify wd:', i + 1)) !== -1) total++;
  }
  return total;
}
