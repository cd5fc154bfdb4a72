/**
 * The StatReloader baseline (Django's default reloader, in a few lines): every 1000 ms, list the tree and
 * fs.statSync every file, comparing mtimes. Kinder than Django's, which never reports new or deleted files;
 * this one reports both. Ready = the first full sweep finished.
 */
import fs from 'node:fs';
import path from 'node:path';

export const intervalMs = 1000;

export async function start(root, onEvents) {
  let mtimes = sweep(root);
  const timer = setInterval(() => {
    const next = sweep(root);
    const changed = [];
    for (const [p, m] of next) if (mtimes.get(p) !== m) changed.push(p);
    for (const p of mtimes.keys()) if (!next.has(p)) changed.push(p);
    mtimes = next;
    if (changed.length) onEvents(changed);
  }, intervalMs);
  return { backend: `statSync every ${intervalMs} ms`, close: async () => clearInterval(timer) };
}

function sweep(root) {
  const out = new Map();
  const stack = [root];
  while (stack.length) {
    const dir = stack.pop();
    let entries;
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      continue; // removed while we looked
    }
    for (const e of entries) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) stack.push(p);
      else {
        try {
          out.set(p, fs.statSync(p).mtimeMs);
        } catch {
          // removed between readdir and stat
        }
      }
    }
  }
  return out;
}
