/**
 * getReloader() when the native binary cannot load (forced with WATCHFILES_NO_NATIVE, which src/watch/addon.ts reads
 * on first use: this file runs in its own worker, so the setting cannot leak into other suites).
 */
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { getReloader, nativeLoadError, StatReloader } from '../src/index.js';

describe('getReloader without the native binary', () => {
  beforeAll(() => {
    process.env.WATCHFILES_NO_NATIVE = '1';
    delete process.env.WATCHFILES_RELOADER;
  });
  afterEach(() => {
    vi.restoreAllMocks();
    delete process.env.WATCHFILES_RELOADER;
  });

  const captureStderr = () => {
    const lines: string[] = [];
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      lines.push(String(chunk));
      return true;
    });
    return lines;
  };

  it('falls back to StatReloader with one stderr line that says why and how to choose it', () => {
    const lines = captureStderr();
    const first = getReloader({ interval: 250 });
    const second = getReloader();
    expect(first).toBeInstanceOf(StatReloader);
    expect((first as StatReloader).interval).toBe(250);
    expect(second).toBeInstanceOf(StatReloader);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('using StatReloader');
    expect(lines[0]).toContain('WATCHFILES_NO_NATIVE is set');
    expect(lines[0]).toContain("reloader: 'stat'");
  });

  it('throws with the real cause when the watchfiles reloader is forced', () => {
    expect(nativeLoadError()).toBeTruthy();
    expect(() => getReloader({ reloader: 'watchfiles' })).toThrow(
      `the watchfiles reloader cannot start: ${nativeLoadError()}`,
    );
    process.env.WATCHFILES_RELOADER = 'watchfiles';
    expect(() => getReloader()).toThrow(/cannot start: WATCHFILES_NO_NATIVE is set/);
  });

  it('gives the stat reloader when forced, silently, and the option beats the environment', () => {
    const lines = captureStderr();
    process.env.WATCHFILES_RELOADER = 'watchfiles';
    expect(getReloader({ reloader: 'stat' })).toBeInstanceOf(StatReloader);
    expect(lines).toEqual([]);
  });

  it('rejects bad choices by name', () => {
    expect(() => getReloader({ reloader: 'inotify' as 'stat' })).toThrow(/option "reloader" must be one of 'stat', 'watchfiles', 'watchman', got "inotify"/);
    process.env.WATCHFILES_RELOADER = 'poll';
    expect(() => getReloader()).toThrow(/environment variable WATCHFILES_RELOADER must be one of/);
    delete process.env.WATCHFILES_RELOADER;
    expect(() => getReloader({ delay: 5 } as object)).toThrow(/unknown option "delay"/);
  });
});
