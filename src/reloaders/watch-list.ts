/**
 * What a reloader watches: single files, files that failed to load, and directories with a glob.
 * Each entry remembers when it was registered (a sequence number), so a reloader can tell a file that
 * newly appeared under an old watch (added) from a file it was only just asked to watch (a baseline).
 */
import fs from 'node:fs';
import path from 'node:path';
import picomatch from 'picomatch';
import { ignoredByDefault, isUnder } from '../watch/filters.js';

/** A directory watched through a glob, compiled once. */
export interface GlobWatch {
  /** The directory given to watchDir() (absolute). */
  readonly dir: string;
  /** The glob, relative to `dir`, with `/` separators. */
  readonly glob: string;
  /** The deepest directory every match lies under: `dir` plus the glob's literal prefix. */
  readonly walkDir: string;
  /** How many levels below `walkDir` a match can be (Infinity with `**`). */
  readonly maxDepth: number;
  /** Registration order, compared with a reloader's last pass. */
  readonly seq: number;
  /** Tests a path relative to `dir` (with `/` separators). */
  readonly match: (relative: string) => boolean;
}

export function compileGlob(dir: string, glob: string, seq: number): GlobWatch {
  const posixGlob = glob.split(path.sep).join('/').replace(/^\.\//, '');
  const scan = picomatch.scan(posixGlob);
  // A glob without wildcards names one file: walk its directory, one level deep.
  const base = scan.isGlob ? scan.base : path.posix.dirname(posixGlob) === '.' ? '' : path.posix.dirname(posixGlob);
  const rest = scan.isGlob ? scan.glob : path.posix.basename(posixGlob);
  const maxDepth = rest.includes('**') ? Infinity : rest.split('/').length;
  const isMatch = picomatch(posixGlob, { dot: true });
  return {
    dir,
    glob: posixGlob,
    walkDir: base ? path.join(dir, ...base.split('/')) : dir,
    maxDepth,
    seq,
    match: (relative) => isMatch(relative),
  };
}

export class WatchList {
  /** Explicit files -> registration seq. */
  readonly files = new Map<string, number>();
  /** Files that failed to load -> registration seq. They survive clearWatches(). */
  readonly errorFiles = new Map<string, number>();
  /** `dir\0glob` -> compiled glob. */
  readonly globs = new Map<string, GlobWatch>();
  /** Bumped on every change, so derived data (a reloader's roots) is recomputed only when needed. */
  version = 0;
  private seq = 0;

  /** The sequence number the next registration will get; everything registered so far is below it. */
  get nextSeq(): number {
    return this.seq;
  }

  addFile(file: string): void {
    if (this.files.has(file)) return;
    this.files.set(file, this.seq++);
    this.version++;
  }

  addErrorFile(file: string): void {
    if (this.errorFiles.has(file)) return;
    this.errorFiles.set(file, this.seq++);
    this.version++;
  }

  addGlob(dir: string, glob: string): void {
    const compiled = compileGlob(dir, glob, this.seq);
    const key = `${dir}\0${compiled.glob}`;
    if (this.globs.has(key)) return;
    this.seq++;
    this.globs.set(key, compiled);
    this.version++;
  }

  clear(): void {
    this.files.clear();
    this.globs.clear();
    this.version++;
  }

  clearErrorFiles(): void {
    this.errorFiles.clear();
    this.version++;
  }

  /** True when a change to the file at `file` concerns these watches. */
  isWatched(file: string): boolean {
    if (this.files.has(file) || this.errorFiles.has(file)) return true;
    for (const g of this.globs.values()) if (globMatches(g, file)) return true;
    return false;
  }

  /**
   * Every watched file that exists now (explicit files as given, globs expanded on disk), each with the
   * registration seq of the watch that named it (the oldest one, when several do).
   */
  entries(): Map<string, number> {
    const out = new Map<string, number>();
    const put = (file: string, seq: number) => {
      const had = out.get(file);
      if (had === undefined || seq < had) out.set(file, seq);
    };
    for (const [file, seq] of this.files) put(file, seq);
    for (const [file, seq] of this.errorFiles) put(file, seq);
    for (const g of this.globs.values()) for (const file of walkGlob(g)) put(file, g.seq);
    return out;
  }
}

/**
 * Watches ignore what the watcher itself ignores below a root (node_modules, .git, editor temp files), so
 * every reloader sees the same files.
 */
export function globMatches(g: GlobWatch, file: string): boolean {
  if (file === g.walkDir || !isUnder(g.walkDir, file) || ignoredByDefault(file, g.walkDir)) return false;
  return g.match(path.relative(g.dir, file).split(path.sep).join('/'));
}

/** The existing files a glob matches, skipping default-ignored directories and symlink loops. */
export function* walkGlob(g: GlobWatch): Generator<string> {
  const seen = new Set<string>();
  const stack: Array<[string, number]> = [[g.walkDir, 0]];
  while (stack.length) {
    const [dir, depth] = stack.pop()!;
    const id = dirId(dir);
    if (id === undefined || seen.has(id)) continue;
    seen.add(id);
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      continue; // gone or unreadable: it has no files to watch right now
    }
    for (const entry of entries) {
      const full = path.join(dir, entry.name);
      let isDir = entry.isDirectory();
      let isFile = entry.isFile();
      if (entry.isSymbolicLink()) {
        const st = fs.statSync(full, { throwIfNoEntry: false });
        isDir = !!st?.isDirectory();
        isFile = !!st?.isFile();
      }
      // Its directories passed on the way down, and the default rule has no globs with a slash: the name decides.
      if (ignoredByDefault(entry.name)) continue;
      if (isDir && depth + 1 < g.maxDepth) stack.push([full, depth + 1]);
      else if (isFile && g.match(path.relative(g.dir, full).split(path.sep).join('/'))) yield full;
    }
  }
}

function dirId(dir: string): string | undefined {
  const st = fs.statSync(dir, { bigint: true, throwIfNoEntry: false });
  return st?.isDirectory() ? `${st.dev}:${st.ino}` : undefined;
}
