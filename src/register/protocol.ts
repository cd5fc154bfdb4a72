/**
 * What the register hook's two processes share: the environment marker that tells a child it is
 * supervised, and the one IPC message the child sends (the files it loaded).
 */

/** Set in the child's environment to the supervisor's pid: "you are supervised, report, don't supervise". */
export const CHILD_MARKER = 'WATCHFILES_REGISTER_PARENT';

/** Extra paths to watch besides the module graph: comma-separated files or directories. */
export const EXTRA_WATCH_ENV = 'WATCHFILES_WATCH';

export interface ModulesMessage {
  type: 'watchfiles:modules';
  /** Absolute paths of files the child resolved (loaded, or tried to load). */
  files: string[];
  /**
   * When the first of them was resolved (ms since the epoch): an edit after it may be one the child did not
   * load, even if it happened before this message reached the supervisor.
   */
  resolvedAt: number;
}

export function isModulesMessage(m: unknown): m is ModulesMessage {
  return (
    !!m &&
    typeof m === 'object' &&
    (m as ModulesMessage).type === 'watchfiles:modules' &&
    Array.isArray((m as ModulesMessage).files) &&
    typeof (m as ModulesMessage).resolvedAt === 'number'
  );
}

/**
 * True in the process the supervisor started (its parent is the supervisor). A grandchild inherits the
 * marker too (a worker the server forks) but has another parent: it neither reports nor supervises.
 */
export function markerState(env: NodeJS.ProcessEnv = process.env): 'none' | 'child' | 'descendant' {
  const marker = env[CHILD_MARKER];
  if (!marker) return 'none';
  return Number(marker) === process.ppid ? 'child' : 'descendant';
}
