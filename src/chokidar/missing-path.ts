/**
 * A watched path that does not exist yet. chokidar watches its parent for it to appear; here the
 * nearest existing ancestor is watched (non-recursively), one level deeper each time a directory on
 * the way appears, so "logs/2024/app.log" is picked up even when "logs" is created later.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Subscription } from '../watch/types.js';
import type { Root } from './paths.js';

export class MissingPath {
  private handle?: Subscription;
  private dir?: string;
  private closed = false;

  constructor(
    readonly root: Root,
    private readonly start: (dir: string) => Promise<Subscription>,
    private readonly onError: (error: Error) => void,
  ) {}

  /** Moves the watch to the nearest existing ancestor; true once the path itself exists. */
  async refresh(): Promise<boolean> {
    if (this.closed) return false;
    if (fs.existsSync(this.root.abs)) {
      await this.close();
      return true;
    }
    const dir = nearestExistingDir(this.root.abs);
    if (dir !== this.dir) {
      const old = this.handle;
      this.handle = undefined;
      this.dir = dir;
      await old?.close().catch(() => {});
      try {
        const handle = await this.start(dir);
        if (this.closed) await handle.close();
        else this.handle = handle;
      } catch (error) {
        this.onError(error as Error);
      }
    }
    // It may have appeared while the watch was being placed.
    if (!this.closed && fs.existsSync(this.root.abs)) {
      await this.close();
      return true;
    }
    return false;
  }

  async close(): Promise<void> {
    this.closed = true;
    const h = this.handle;
    this.handle = undefined;
    await h?.close().catch(() => {});
  }
}

function nearestExistingDir(p: string): string {
  let dir = path.dirname(p);
  for (;;) {
    try {
      if (fs.statSync(dir).isDirectory()) return dir;
    } catch {
      // Keep climbing.
    }
    const up = path.dirname(dir);
    if (up === dir) return dir;
    dir = up;
  }
}
