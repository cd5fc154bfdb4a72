/**
 * bench/lib/python.mjs: the one place the benches get Python's watchfiles from. A venv that already imports
 * it is reused without pip; one that cannot be made is an error naming the step. (The install itself goes
 * to PyPI, so it is left to the benches.)
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { removeDir, tempDir } from './helpers/fs.js';

const { pythonWithWatchfiles, DEFAULT_VENV } = await import('../bench/lib/python.mjs');

let dir: string | undefined;
afterEach(() => {
  if (dir) removeDir(dir);
});

describe('pythonWithWatchfiles', () => {
  it('the venv of every bench is .cache/pyvenv at the top of the repository', () => {
    expect(DEFAULT_VENV).toBe(path.resolve(__dirname, '..', '.cache', 'pyvenv'));
  });

  it('returns the python of a venv that already imports watchfiles, and installs nothing', () => {
    dir = tempDir();
    const python = path.join(dir, 'venv', 'bin', 'python');
    fs.mkdirSync(path.dirname(python), { recursive: true });
    // Stands for a venv's python: it "imports" anything, and leaves a trace of each call.
    fs.writeFileSync(python, `#!/bin/sh\necho "$*" >> ${JSON.stringify(path.join(dir, 'calls'))}\n`, { mode: 0o755 });
    const logged: string[] = [];
    expect(pythonWithWatchfiles({ venv: path.join(dir, 'venv'), log: (line: string) => logged.push(line) })).toBe(python);
    expect(logged).toEqual([]);
    expect(fs.readFileSync(path.join(dir, 'calls'), 'utf8')).toBe('-c import watchfiles\n');
  });

  it('says it installs, then throws naming the step when the venv cannot be made', () => {
    dir = tempDir();
    fs.writeFileSync(path.join(dir, 'file'), '');
    const venv = path.join(dir, 'file', 'venv'); // below a regular file: no directory can be made there
    const logged: string[] = [];
    expect(() => pythonWithWatchfiles({ venv, log: (line: string) => logged.push(line) })).toThrow(`python3 -m venv ${venv}`);
    expect(logged).toEqual([`installing Python's watchfiles from PyPI into ${venv}`]);
  });
});
