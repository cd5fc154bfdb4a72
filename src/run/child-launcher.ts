/**
 * Starts each child of the runner and of the register hook: the warm spare when one is waiting (see
 * warm-spare.ts), else a fresh process; then readies the spare for the next restart.
 */
import type { ChildProcess, StdioOptions } from 'node:child_process';
import { spareBlocker, spareHoldFile, WarmSpare } from './warm-spare.js';

export interface ChildLauncherOptions {
  /** What is spawned, to decide whether a warm spare can serve it. */
  file: string;
  args: readonly string[];
  shell: boolean;
  /** The environment every child gets; each launch adds its own variables on top. */
  env: NodeJS.ProcessEnv;
  stdio: StdioOptions;
  /** Spawns a child with this environment and stdio. */
  start: (env: NodeJS.ProcessEnv, stdio: StdioOptions) => ChildProcess;
  /** Keep a warm spare when the command allows one. */
  warmSpare: boolean;
  /** A warm spare has booted and is waiting. */
  onSpareReady?: (pid: number) => void;
}

export class ChildLauncher {
  private readonly spare: WarmSpare | undefined;

  constructor(private readonly o: ChildLauncherOptions) {
    const holdFile = o.warmSpare ? spareHoldFile() : undefined;
    this.spare =
      holdFile && !spareBlocker(o.file, o.args, o.env, o.shell)
        ? new WarmSpare({ holdFile, env: o.env, stdio: o.stdio, start: o.start, ...(o.onSpareReady ? { onReady: o.onSpareReady } : {}) })
        : undefined;
  }

  /** Starts the next child with `env` added to its environment. */
  launch(env: Record<string, string>): ChildProcess {
    const child = this.spare?.take(env) ?? this.o.start({ ...this.o.env, ...env }, this.o.stdio);
    this.spare?.after(child);
    return child;
  }

  /** Kills a waiting spare; none is started again. */
  dispose(): void {
    this.spare?.dispose();
  }
}
