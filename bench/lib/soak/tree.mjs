/**
 * The soak's starting tree and the one way everybody (writer, consumers, parent) lists a tree, so the
 * model and the disk are compared in the same terms: relative paths, '/'-separated, with isDir.
 */
import fs from 'node:fs';
import path from 'node:path';

/** Files per leaf directory; leaves spread over three levels (dN, eN, fN), ten to a level. */
const PER_LEAF = 10;

/** Writes `files` small files under `root` in nested directories; returns the number of directories. */
export function buildTree(root, files) {
  const dirs = new Set();
  for (let i = 0; i < files; i++) {
    const leaf = Math.floor(i / PER_LEAF);
    const dir = path.join(root, `d${leaf % 10}`, `e${Math.floor(leaf / 10) % 10}`, `f${Math.floor(leaf / 100)}`);
    if (!dirs.has(dir)) {
      fs.mkdirSync(dir, { recursive: true });
      dirs.add(dir);
    }
    fs.writeFileSync(path.join(dir, `file${i}.txt`), `v0 ${i}\n`);
  }
}

/** Map of every entry below `root` (relative path -> isDir), root itself excluded. */
export function listTree(root) {
  const out = new Map();
  for (const e of fs.readdirSync(root, { withFileTypes: true, recursive: true })) {
    const abs = path.join(e.parentPath ?? e.path, e.name);
    out.set(path.relative(root, abs), e.isDirectory());
  }
  return out;
}

/** Entries of `map` split into files and directories, as counts. */
export function countTree(map) {
  let dirs = 0;
  for (const isDir of map.values()) if (isDir) dirs++;
  return { files: map.size - dirs, dirs };
}
