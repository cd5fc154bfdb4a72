/**
 * Finds a command the way spawn() will (PATH, and PATHEXT on Windows), so a typo exits at once with
 * "command not found" instead of a restart loop that never starts anything.
 */
import fs from 'node:fs';
import path from 'node:path';

export function findExecutable(command: string, cwd: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const exts = process.platform === 'win32' ? ['', ...(env.PATHEXT ?? '.EXE;.CMD;.BAT;.COM').split(';')] : [''];
  const candidates = command.includes('/') || (process.platform === 'win32' && command.includes('\\'))
    ? [path.resolve(cwd, command)]
    : (env.PATH ?? '').split(path.delimiter).filter(Boolean).map((dir) => path.join(dir, command));
  for (const base of candidates) {
    for (const ext of exts) {
      const file = base + ext;
      try {
        const st = fs.statSync(file);
        if (!st.isFile()) continue;
        if (process.platform !== 'win32') fs.accessSync(file, fs.constants.X_OK);
        return file;
      } catch {
        // not here, or not executable
      }
    }
  }
  return undefined;
}
