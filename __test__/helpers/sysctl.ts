/** Lowers an inotify limit for the length of `fn` and always restores it (tests in __test__/serial only). */
import fs from 'node:fs';
import path from 'node:path';

export async function withInotifyLimit<T>(
  name: 'max_user_watches' | 'max_queued_events' | 'max_user_instances',
  value: number,
  fn: () => Promise<T>,
): Promise<T> {
  const file = `/proc/sys/fs/inotify/${name}`;
  const saved = fs.readFileSync(file, 'utf8').trim();
  fs.writeFileSync(file, String(value));
  try {
    return await fn();
  } finally {
    fs.writeFileSync(file, saved);
  }
}

/** inotify watches this user's processes hold now (the kernel's limit counts them all). */
export function watchesInUse(): number {
  const uid = process.getuid?.() ?? 0;
  let used = 0;
  for (const pid of fs.readdirSync('/proc').filter((n) => /^\d+$/.test(n))) {
    try {
      if (fs.statSync(`/proc/${pid}`).uid !== uid) continue;
      for (const fd of fs.readdirSync(`/proc/${pid}/fd`)) {
        if (fs.readlinkSync(path.join(`/proc/${pid}/fd`, fd)) !== 'anon_inode:inotify') continue;
        used += fs.readFileSync(`/proc/${pid}/fdinfo/${fd}`, 'utf8').split('\n').filter((l) => l.startsWith('inotify wd:')).length;
      }
    } catch {
      // The process ended while we looked.
    }
  }
  return used;
}

/** The inotify instances this process holds (one per OS watcher). */
export function inotifyInstances(): number {
  return fs.readdirSync('/proc/self/fd').filter((fd) => {
    try {
      return fs.readlinkSync(`/proc/self/fd/${fd}`) === 'anon_inode:inotify';
    } catch {
      return false; // closed while we looked
    }
  }).length;
}
