/**
 * Durations out of range are TypeErrors naming the option and its range, wherever options enter: values
 * of 2^32 ms and more used to wrap to 0 in the binding (unbatched events, a polling busy loop), and a
 * `timeout` of 2^31 or more turned into a 1 ms timer. Checked on the public entry points, then on the
 * binding itself (the last line of defence), then end to end: the largest accepted value really waits.
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { watch as chokidarWatch } from '../src/chokidar/index.js';
import { parseCli } from '../src/cli/parse.js';
import { UsageError } from '../src/cli/usage-error.js';
import { getReloader, runProcess, StatReloader, subscribe, watch, WatchfilesReloader } from '../src/index.js';
import { MAX_MS } from '../src/watch/options.js';
import { removeDir, tempDir, waitFor } from './helpers/fs.js';

let dir: string;
beforeEach(() => {
  dir = tempDir();
});
afterEach(() => removeDir(dir));

const TOO_BIG = [2 ** 31, 2 ** 32, 2 ** 32 + 50, Number.MAX_SAFE_INTEGER, Infinity];
const NOT_A_DURATION = [-1, NaN, '100', null];

describe('watch() and subscribe()', () => {
  const keys = ['debounce', 'step', 'pollDelay', 'vcsSettleTimeout', 'timeout'] as const;

  it.each(keys)('%s: 2^31 ms and more, negatives, NaN and strings are TypeErrors naming it and its range', async (key) => {
    for (const value of [...TOO_BIG, ...NOT_A_DURATION]) {
      const options = { [key]: value, ...(key === 'step' ? { debounce: MAX_MS } : {}) };
      expect(() => watch(dir, options as never), `${key}: ${String(value)}`).toThrow(TypeError);
      expect(() => watch(dir, options as never)).toThrow(`option "${key}" must be a number of ms from`);
      expect(() => watch(dir, options as never)).toThrow(String(MAX_MS));
      await expect(subscribe(dir, () => {}, options as never)).rejects.toThrow(`option "${key}"`);
    }
  });

  it('the largest duration is accepted, and fractions are rounded to whole ms', () => {
    expect(() => watch(dir, { debounce: MAX_MS, step: MAX_MS, pollDelay: MAX_MS, vcsSettleTimeout: MAX_MS, timeout: MAX_MS })).not.toThrow();
    expect(() => watch(dir, { step: 1.4 })).not.toThrow();
    expect(() => watch(dir, { step: 0.4 })).toThrow('option "step" must be a number of ms from 1');
  });

  it('WATCHFILES_POLL_DELAY_MS above the range is a TypeError naming the variable', () => {
    const saved = process.env.WATCHFILES_POLL_DELAY_MS;
    process.env.WATCHFILES_POLL_DELAY_MS = String(2 ** 32);
    try {
      expect(() => watch(dir)).toThrow(`WATCHFILES_POLL_DELAY_MS must be a number of ms from 1 to ${MAX_MS}`);
    } finally {
      if (saved === undefined) delete process.env.WATCHFILES_POLL_DELAY_MS;
      else process.env.WATCHFILES_POLL_DELAY_MS = saved;
    }
  });

  it('a debounce just under 2^32 (which used to wrap to a few ms) is refused rather than batching nothing', async () => {
    await expect(subscribe(dir, () => {}, { debounce: 2 ** 32 + 50, step: 20 })).rejects.toThrow(TypeError);
  });
});

describe('reloaders and runProcess', () => {
  it.each([
    ['StatReloader interval', () => new StatReloader({ interval: 2 ** 32 }), 'StatReloader: option "interval"'],
    ['WatchfilesReloader timeout', () => new WatchfilesReloader({ timeout: 2 ** 31 }), 'WatchfilesReloader: option "timeout"'],
    ['WatchfilesReloader debounce', () => new WatchfilesReloader({ debounce: 2 ** 32 }), 'option "debounce"'],
    ['getReloader step', () => getReloader({ step: -5 }), 'option "step"'],
    ['getReloader pollDelay', () => getReloader({ reloader: 'watchfiles', pollDelay: 2 ** 40 }), 'option "pollDelay"'],
  ])('%s out of range is a TypeError naming it', (_name, make, message) => {
    expect(make).toThrow(TypeError);
    expect(make).toThrow(message);
  });

  it.each(['sigintTimeout', 'sigkillTimeout', 'gracePeriod'])('runProcess %s of 2^31 ms (a 1 ms timer in Node) is a TypeError', (key) => {
    const run = () => runProcess(dir, 'node -e 0', { [key]: 2 ** 31 });
    expect(run).toThrow(TypeError);
    expect(run).toThrow(`runProcess: option "${key}" must be a number of ms from 0 to ${MAX_MS}`);
  });

  it.each(['debounce', 'step', 'pollDelay', 'vcsSettleTimeout'])('runProcess passes %s through the same check', (key) => {
    const options = { [key]: 2 ** 32, ...(key === 'step' ? { debounce: MAX_MS } : {}) };
    expect(() => runProcess(dir, 'node -e 0', options)).toThrow(`option "${key}"`);
  });
});

describe('the CLI', () => {
  it.each([
    ['--debounce', String(2 ** 32), `--debounce must be a number of ms from 1 to ${MAX_MS}`],
    ['--step', '1e12', '--step must be a number of ms from 1'],
    ['--poll-delay', 'Infinity', '--poll-delay must be a number of ms from 1'],
    ['--sigint-timeout', String(2 ** 31), `--sigint-timeout must be a number of seconds from 0 to ${Math.floor(MAX_MS / 1000)}`],
    ['--sigkill-timeout', '-1', '--sigkill-timeout must be a number of seconds'],
    ['--grace-period', 'NaN', '--grace-period must be a number of seconds'],
  ])('%s %s is a usage error naming the flag and its range', async (flag, value, message) => {
    // A value starting with a dash must be attached (--flag=-1), or parseArgs takes it for a flag.
    const args = [...(value.startsWith('-') ? [`${flag}=${value}`] : [flag, value]), 'node -e 0', dir];
    await expect(parseCli(args, dir)).rejects.toThrow(UsageError);
    await expect(parseCli(args, dir)).rejects.toThrow(message);
  });
});

describe('the chokidar facade', () => {
  it.each([
    [{ interval: 2 ** 32 }, 'chokidar option "interval"'],
    [{ binaryInterval: 2 ** 31 }, 'chokidar option "binaryInterval"'],
    [{ awaitWriteFinish: { stabilityThreshold: 2 ** 31 } }, 'awaitWriteFinish.stabilityThreshold'],
    [{ atomic: 2 ** 40 }, 'chokidar option "atomic"'],
  ])('%j is a TypeError naming the option', (options, message) => {
    expect(() => chokidarWatch(dir, options as never)).toThrow(message);
  });

  it('CHOKIDAR_INTERVAL above the range is a TypeError naming the variable', () => {
    const saved = process.env.CHOKIDAR_INTERVAL;
    process.env.CHOKIDAR_INTERVAL = String(2 ** 32);
    try {
      expect(() => chokidarWatch(dir, { usePolling: true })).toThrow('CHOKIDAR_INTERVAL');
    } finally {
      if (saved === undefined) delete process.env.CHOKIDAR_INTERVAL;
      else process.env.CHOKIDAR_INTERVAL = saved;
    }
  });
});

describe('the binding', () => {
  const binding = createRequire(import.meta.url)('../index.cjs') as {
    NativeWatcher: { start(roots: string[], options: object, cb: () => void): Promise<{ close(): Promise<void> }> };
  };

  it.each(['debounceMs', 'stepMs', 'pollDelayMs', 'vcsSettleTimeoutMs'])(
    'refuses %s of 2^32 (which napi would wrap to 0) with a structured EINVAL naming it',
    async (key) => {
      for (const value of [2 ** 32, 2 ** 31, -1, 0.5, NaN]) {
        const err = await binding.NativeWatcher.start([dir], { [key]: value }, () => {}).then(
          async (w) => {
            await w.close();
            return undefined;
          },
          (e: Error & { code?: string }) => e,
        );
        expect(err, `${key}: ${value}`).toBeInstanceOf(Error);
        expect(err!.code).toBe('EINVAL');
        expect(err!.message).toContain(key);
      }
    },
  );
});

describe('end to end', () => {
  it('the largest debounce is passed intact: changes still arrive one step after the last event', async () => {
    const seen: string[] = [];
    const sub = await subscribe(dir, (b) => void seen.push(...b.map((c) => c.path)), { debounce: MAX_MS, step: 30 });
    try {
      const file = path.join(dir, 'f');
      fs.writeFileSync(file, 'x');
      await waitFor(() => seen.includes(file), 'the file', 10_000);
    } finally {
      await sub.close();
    }
  });
});
