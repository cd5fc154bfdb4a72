/**
 * Tells whether a version-control operation is under way in a repository that holds a root: the JS twin
 * of crates/core/src/vcs.rs (same files, same 1.5 s window), so the fallbacks hold a `git checkout` into
 * one batch as the native core does.
 */
import fs from 'node:fs';
import path from 'node:path';

/** A state directory touched this recently counts as an operation in progress (a rebase between picks). */
const ACTIVE_WINDOW_MS = 1500;

type Repo = { kind: 'git' | 'hg'; dir: string };

export class VcsProbe {
  private constructor(private readonly repos: readonly Repo[]) {}

  /** The repositories holding each root (the root or an ancestor), or undefined when there are none. */
  static forRoots(roots: readonly string[]): VcsProbe | undefined {
    const repos: Repo[] = [];
    for (const root of roots) {
      for (let dir = root; ; dir = path.dirname(dir)) {
        const git = gitDir(dir);
        const found: Repo | undefined = git
          ? { kind: 'git', dir: git }
          : isDir(path.join(dir, '.hg'))
            ? { kind: 'hg', dir: path.join(dir, '.hg') }
            : undefined;
        if (found) {
          if (!repos.some((r) => r.dir === found.dir)) repos.push(found);
          break;
        }
        if (path.dirname(dir) === dir) break;
      }
    }
    return repos.length ? new VcsProbe(repos) : undefined;
  }

  /** True while any repository is in the middle of an operation that rewrites the work tree. */
  busy(): boolean {
    return this.repos.some((r) =>
      r.kind === 'git'
        ? exists(path.join(r.dir, 'index.lock')) ||
          exists(path.join(r.dir, 'HEAD.lock')) ||
          ['rebase-merge', 'rebase-apply', 'sequencer'].some((s) => recentlyActive(path.join(r.dir, s)))
        : exists(path.join(r.dir, 'wlock')) || exists(path.join(r.dir, 'store', 'lock')),
    );
  }
}

/** The git directory of a work tree at `dir`: `.git` itself, or where a `.git` file (a worktree) points. */
function gitDir(dir: string): string | undefined {
  const dotGit = path.join(dir, '.git');
  const st = fs.statSync(dotGit, { throwIfNoEntry: false });
  if (!st) return undefined;
  if (st.isDirectory()) return dotGit;
  try {
    const target = /^gitdir:(.*)$/m.exec(fs.readFileSync(dotGit, 'utf8'))?.[1]?.trim();
    return target ? path.resolve(dir, target) : undefined;
  } catch {
    return undefined;
  }
}

function exists(p: string): boolean {
  return fs.existsSync(p);
}

function isDir(p: string): boolean {
  return fs.statSync(p, { throwIfNoEntry: false })?.isDirectory() ?? false;
}

function recentlyActive(state: string): boolean {
  const st = fs.statSync(state, { throwIfNoEntry: false });
  return st !== undefined && Date.now() - st.mtimeMs < ACTIVE_WINDOW_MS;
}
