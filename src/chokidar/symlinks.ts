/**
 * Followed symlinks (followSymlinks: true): the watcher core reports changes under a link's real path,
 * or under a watched root's real path; events must name the path the way the caller reached it.
 */
import path from 'node:path';
import { isUnder } from '../watch/filters.js';

export interface LinkTarget {
  real: string;
  isDir: boolean;
  /** False for a watched root's own real path: the root's watch already covers it. */
  watch: boolean;
}

export class SymlinkRegistry {
  /** Real path -> the link-spelled paths that lead to it. */
  private readonly byReal = new Map<string, Set<string>>();
  private readonly byLink = new Map<string, LinkTarget>();

  set(link: string, real: string, isDir: boolean, watch = true): void {
    if (link === real) return;
    this.deleteLink(link);
    this.byLink.set(link, { real, isDir, watch });
    let set = this.byReal.get(real);
    if (!set) this.byReal.set(real, (set = new Set()));
    set.add(link);
  }

  /** Forgets the links at or below `abs` (a removed path). */
  deleteUnder(abs: string): void {
    for (const link of [...this.byLink.keys()]) if (isUnder(abs, link)) this.deleteLink(link);
  }

  /** The link-spelled equivalents of `abs` (not including `abs` itself). */
  aliases(abs: string): string[] {
    if (this.byReal.size === 0) return [];
    const out: string[] = [];
    // Look up each ancestor rather than scan every link: cost follows path depth, not link count.
    for (let real = abs; ; ) {
      const links = this.byReal.get(real);
      if (links) {
        const rest = abs.slice(real.length);
        for (const link of links) out.push(rest ? path.join(link, rest) : link);
      }
      const up = path.dirname(real);
      if (up === real) break;
      real = up;
    }
    return out;
  }

  /** Real paths that need watching so that changes behind the links are seen. */
  targets(): LinkTarget[] {
    const seen = new Map<string, LinkTarget>();
    for (const t of this.byLink.values()) if (t.watch) seen.set(t.real, t);
    return [...seen.values()];
  }

  clear(): void {
    this.byReal.clear();
    this.byLink.clear();
  }

  private deleteLink(link: string): void {
    const t = this.byLink.get(link);
    if (!t) return;
    this.byLink.delete(link);
    const set = this.byReal.get(t.real);
    set?.delete(link);
    if (set && set.size === 0) this.byReal.delete(t.real);
  }
}
