/**
 * One option table (src/watch/option-table.ts), validated once per path: every entry point derives its
 * names from the table, the README's tables are the table's, and runProcess -> change source -> watcher,
 * getReloader -> WatchfilesReloader -> its subscriptions, and watch()/subscribe() each validate the user's
 * options exactly once (counted by resolveOptions itself), on real watchers and real child processes.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseCli } from '../src/cli/parse.js';
import { CLI_OPTIONS } from '../src/cli/options.js';
import { helpText } from '../src/cli/help.js';
import { getReloader, runProcess, StatReloader, subscribe, watch, WatchfilesReloader } from '../src/index.js';
import {
  optionsMarkdown,
  RELOADER_OPTIONS,
  supportMarkdown,
  WATCH_OPTION_NAMES,
  WATCH_OPTIONS,
} from '../src/watch/option-table.js';
import { deriveResolved, isResolved, resolveOptions, validationCount } from '../src/watch/options.js';
import type { RunEvent } from '../src/run/events.js';
import { removeDir, tempDir, waitFor, write } from './helpers/fs.js';

let dir: string;
beforeEach(() => {
  dir = tempDir();
});
afterEach(() => removeDir(dir));

const README = fs.readFileSync(path.join(__dirname, '..', 'README.md'), 'utf8');

describe('the table is the one source', () => {
  it("README's option table and backend table are the ones the table generates", () => {
    expect(README).toContain(optionsMarkdown());
    expect(README).toContain(supportMarkdown());
  });

  it('every option with a CLI flag is in --help and parsed back into the same option', async () => {
    const help = helpText('0.0.0');
    for (const name of WATCH_OPTION_NAMES) {
      const cli = (WATCH_OPTIONS[name] as { cli?: { flag: string } }).cli;
      if (!cli) continue;
      expect(help).toContain(`--${cli.flag}`);
      expect(CLI_OPTIONS.find((o) => o.name === cli.flag)?.watchOption).toBe(name);
    }
    const parsed = await parseCli(
      ['--debounce', '900', '--step', '30', '--poll-delay', '70', '--force-polling', '--gitignore', '--no-vcs-settle',
        '--non-recursive', '--ignore-permission-denied', '--ignore', '*.log', '--ignore', 'dist', '--backend', 'native',
        'node -e 0', dir],
      dir,
    );
    expect(parsed.kind === 'run' && parsed.options).toMatchObject({
      debounce: 900, step: 30, pollDelay: 70, forcePolling: true, gitignore: true, vcsSettle: false,
      recursive: false, ignorePermissionDenied: true, ignore: ['*.log', 'dist'], backend: 'native',
    });
  });

  it('reloaders take exactly the options the table marks, and name any other', () => {
    for (const name of RELOADER_OPTIONS) expect(() => new WatchfilesReloader({ [name]: undefined })).not.toThrow();
    expect(() => new WatchfilesReloader({ gitignore: true } as never)).toThrow('WatchfilesReloader: unknown option "gitignore"');
    expect(() => getReloader({ persistent: false } as never)).toThrow('getReloader: unknown option "persistent"');
  });

  it('a resolved object is branded; copies a user makes of it are not, and derived ones are', () => {
    const resolved = resolveOptions(dir, { step: 10 });
    expect(isResolved(resolved)).toBe(true);
    expect(isResolved({ ...resolved })).toBe(false);
    expect(isResolved(deriveResolved(resolved, { recursive: false }))).toBe(true);
    expect(() => deriveResolved({ ...resolved }, {})).toThrow(TypeError);
  });
});

describe('validated once per path', () => {
  const quiet = { warmSpare: false, restartOnInput: false, handleSignals: false } as const;

  async function countWhileRunning(changeSource: 'native' | 'stat' | undefined): Promise<number> {
    const before = validationCount();
    const events: RunEvent[] = [];
    const run = runProcess(dir, 'node -e "setInterval(() => {}, 1000)"', {
      ...quiet,
      ...(changeSource ? { changeSource } : {}),
      step: 25,
      debounce: 400,
      followSymlinks: true,
      vcsSettle: true,
      onEvent: (e) => void events.push(e),
    });
    try {
      await waitFor(() => events.some((e) => e.type === 'watching') && run.pid, 'the runner to watch and start its child', 15_000);
      // A change goes through the whole chain (watcher -> supervisor -> restart) without validating again.
      write(path.join(dir, 'edit.js'));
      await waitFor(() => events.some((e) => e.type === 'restart'), 'the restart', 15_000);
      return validationCount() - before;
    } finally {
      await run.stop();
    }
  }

  it('runProcess -> native change source -> watcher: once', async () => {
    expect(await countWhileRunning('native')).toBe(1);
  });

  it('runProcess with the default change source: once', async () => {
    expect(await countWhileRunning(undefined)).toBe(1);
  });

  it('runProcess -> stat change source -> StatReloader: once', async () => {
    expect(await countWhileRunning('stat')).toBe(1);
  });

  it('getReloader -> WatchfilesReloader -> one subscription per root group added later: once', async () => {
    const before = validationCount();
    const reloader = getReloader({ reloader: 'watchfiles', step: 20, timeout: 50 });
    const seen: string[] = [];
    reloader.on('reload', (b) => void seen.push(...b.map((c) => c.path)));
    const ticks = reloader.tick();
    try {
      for (const sub of ['a', 'b', 'c']) {
        const subdir = path.join(dir, sub);
        fs.mkdirSync(subdir);
        reloader.watchDir(subdir, '*.js');
        await ticks.next(); // places the new root's subscription
        write(path.join(subdir, 'x.js'));
        while (!seen.includes(path.join(subdir, 'x.js'))) await ticks.next();
      }
      expect((reloader as WatchfilesReloader).subscriptionCount).toBeGreaterThanOrEqual(1);
      expect(validationCount() - before).toBe(1);
    } finally {
      await reloader.stop();
    }
  });

  it('a StatReloader validates its options once, however many passes it makes', async () => {
    const before = validationCount();
    const reloader = new StatReloader({ interval: 10, step: 10 });
    reloader.watchDir(dir);
    const ticks = reloader.tick();
    for (let i = 0; i < 5; i++) await ticks.next();
    await reloader.stop();
    expect(validationCount() - before).toBe(1);
  });

  it('watch() and subscribe(): once each', async () => {
    let before = validationCount();
    const sub = await subscribe(dir, () => {}, { step: 20 });
    await sub.close();
    expect(validationCount() - before).toBe(1);
    before = validationCount();
    const ac = new AbortController();
    const it = watch(dir, { step: 20, signal: ac.signal, timeout: 20, yieldOnTimeout: true });
    await it.next();
    ac.abort();
    await it.return?.();
    expect(validationCount() - before).toBe(1);
  });
});

describe("the runner's changeSource (formerly reloader)", () => {
  it('the old name still works, after one line on stderr naming the new one', async () => {
    const lines: string[] = [];
    const write = process.stderr.write;
    process.stderr.write = ((chunk: string | Uint8Array) => {
      lines.push(String(chunk));
      return true;
    }) as typeof process.stderr.write;
    const events: RunEvent[] = [];
    let run: ReturnType<typeof runProcess> | undefined;
    try {
      run = runProcess(dir, 'node -e "setInterval(() => {}, 1000)"', {
        reloader: 'stat',
        pollDelay: 50,
        warmSpare: false,
        restartOnInput: false,
        handleSignals: false,
        onEvent: (e) => void events.push(e),
      });
      runProcess(dir, 'node -e 0', { reloader: 'watchfiles', handleSignals: false, onEvent: () => {} }).stop();
    } finally {
      process.stderr.write = write;
    }
    try {
      const watching = await waitFor(() => events.find((e) => e.type === 'watching'), 'the watching event');
      expect(watching.type === 'watching' && watching.backend).toBe('stat');
      expect(lines.filter((l) => l.includes('deprecated'))).toEqual([
        `watchfiles-node: runProcess option "reloader" is deprecated: write changeSource: 'stat'\n`,
      ]);
    } finally {
      await run?.stop();
    }
  });
});
