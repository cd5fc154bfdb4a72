/** Bad input gets a clear error with a stable code and the path it concerns; never a crash or a hang. */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { subscribe, watch, WatchError } from '../src/index.js';
import { removeDir, tempDir } from './helpers/fs.js';
import { packageCopyForOtherUsers } from './helpers/package-copy.js';

let dir: string;
beforeEach(() => {
  dir = tempDir();
});
afterEach(() => removeDir(dir));

async function startError(paths: string | string[], options = {}): Promise<WatchError> {
  try {
    const sub = await subscribe(paths, () => {}, options);
    await sub.close();
  } catch (e) {
    return e as WatchError;
  }
  throw new Error('expected subscribe() to fail');
}

describe('bad paths', () => {
  it('ENOENT names the missing path', async () => {
    const missing = path.join(dir, 'nope');
    const err = await startError(missing);
    expect(err).toBeInstanceOf(WatchError);
    expect(err.code).toBe('ENOENT');
    expect(err.path).toBe(missing);
    expect(err.message).toContain(missing);
  });

  it('ENOTDIR when a file stands where a directory was expected', async () => {
    fs.writeFileSync(path.join(dir, 'file'), 'x');
    const err = await startError(path.join(dir, 'file', 'sub'));
    expect(err.code).toBe('ENOTDIR');
    expect(err.message).toContain(path.join(dir, 'file', 'sub'));
  });

  it('ELOOP for a root that is a symlink loop', async () => {
    fs.symlinkSync(path.join(dir, 'b'), path.join(dir, 'a'));
    fs.symlinkSync(path.join(dir, 'a'), path.join(dir, 'b'));
    const err = await startError(path.join(dir, 'a'));
    expect(err.code).toBe('ELOOP');
  });

  it('EACCES for an unreadable directory (checked as the unprivileged user nobody), skipped with ignorePermissionDenied', () => {
    // Root reads everything, so the check runs in a child that drops to nobody, on a copy of the package
    // nobody can read wherever the clone lives.
    fs.chmodSync(dir, 0o755);
    const locked = path.join(dir, 'locked');
    fs.mkdirSync(locked, { mode: 0o700 });
    const script = `
      const { subscribe } = require(${JSON.stringify(path.join(packageCopyForOtherUsers(), 'dist/index.cjs'))});
      (async () => {
        const out = {};
        try { await subscribe(${JSON.stringify(dir)}, () => {}); out.strict = 'ok'; }
        catch (e) { out.strict = e.code; out.message = e.message; }
        const sub = await subscribe(${JSON.stringify(dir)}, () => {}, { ignorePermissionDenied: true });
        out.lenient = 'ok';
        await sub.close();
        console.log(JSON.stringify(out));
      })();`;
    const out = JSON.parse(
      execFileSync(process.execPath, ['-e', script], { uid: 65534, gid: 65534, encoding: 'utf8', timeout: 20_000 }),
    );
    expect(out.strict).toBe('EACCES');
    expect(out.message).toContain(locked);
    expect(out.message).toContain('ignorePermissionDenied');
    expect(out.lenient).toBe('ok');
  });
});

describe('bad options', () => {
  it('EINVAL for an invalid glob, naming it', async () => {
    const err = await startError(dir, { ignore: ['src/[a'] });
    expect(err.code).toBe('EINVAL');
    expect(err.message).toContain('src/[a');
  });

  it.each([
    [{ debounce: -1 }, 'debounce'],
    [{ step: 'fast' }, 'step'],
    [{ recursive: 'yes' }, 'recursive'],
    [{ ignore: [1] }, 'ignore'],
    [{ filter: 'x' }, 'filter'],
    [{ signal: {} }, 'signal'],
    [{ onLimit: 'panic' }, 'onLimit'],
    [{ bogus: true }, 'bogus'],
    [{ debounce: 10, step: 50 }, 'debounce'],
  ])('TypeError naming the option for %j', (options, name) => {
    expect(() => watch(dir, options as never)).toThrow(TypeError);
    expect(() => watch(dir, options as never)).toThrow(name);
  });

  it('TypeError for missing or empty paths', () => {
    expect(() => watch([] as string[])).toThrow(TypeError);
    expect(() => watch('' as string)).toThrow(TypeError);
    expect(() => watch(42 as never)).toThrow(TypeError);
  });

  it('a bad WATCHFILES_POLL_DELAY_MS is a TypeError naming the variable; an explicit option wins over it', async () => {
    const saved = process.env.WATCHFILES_POLL_DELAY_MS;
    process.env.WATCHFILES_POLL_DELAY_MS = 'soon';
    try {
      expect(() => watch(dir)).toThrow('WATCHFILES_POLL_DELAY_MS');
      expect(() => watch(dir, { pollDelay: 100 })).not.toThrow();
    } finally {
      if (saved === undefined) delete process.env.WATCHFILES_POLL_DELAY_MS;
      else process.env.WATCHFILES_POLL_DELAY_MS = saved;
    }
  });
});
