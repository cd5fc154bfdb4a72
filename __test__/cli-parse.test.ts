/**
 * The CLI's argument parsing on bad input, called directly (the spawned CLI is covered in cli.test.ts):
 * every flag that takes a value, given the command instead of its value, is named in the error.
 */
import { describe, expect, it } from 'vitest';
import { parseCli } from '../src/cli/parse.js';
import { CLI_OPTIONS } from '../src/cli/options.js';
import { UsageError } from '../src/cli/usage-error.js';
import { tempDir } from './helpers/fs.js';

const takesValue = CLI_OPTIONS.filter((o) => o.type === 'string').map((o) => o.name);

describe('a flag given the command instead of its value', () => {
  it.each(takesValue)('--%s given "node server.js" is named, with or without paths after it', async (name) => {
    const dir = tempDir();
    for (const args of [[`--${name}`, 'node server.js'], [`--${name}`, 'node server.js', '.']]) {
      const parsed = parseCli(args, dir);
      await expect(parsed).rejects.toThrow(UsageError);
      await expect(parseCli(args, dir)).rejects.toThrow(`--${name} took "node server.js" as its value, which looks like the command`);
    }
  });

  it.each(takesValue)('--%s as the last argument says it needs a value', async (name) => {
    await expect(parseCli(['node server.js', `--${name}`], tempDir())).rejects.toThrow(`--${name} needs a value`);
  });

  it('a function target swallowed by a flag is named too', async () => {
    await expect(parseCli(['--ext', './server.mjs:main'], tempDir())).rejects.toThrow('--ext took "./server.mjs:main"');
  });

  it('values that are not commands still get the usual checks', async () => {
    await expect(parseCli([], tempDir())).rejects.toThrow('missing <target>');
    await expect(parseCli(['--ext', 'js,ts'], tempDir())).rejects.toThrow('missing <target>');
  });
});

describe('unknown options', () => {
  it('the message quotes the option once, with balanced quotes, and shows how to pass it as a positional', async () => {
    const err = await parseCli(['--bogus', 'node a.js'], tempDir()).catch((e: unknown) => e as Error);
    expect(err).toBeInstanceOf(UsageError);
    expect(err!.message).toBe('unknown option "--bogus"; to pass a target or path that starts with "-", put it after "--", as in: watchfiles -- "--bogus"');
    expect(err!.message.split('"').length % 2).toBe(1);
    expect(err!.message.split("'").length % 2).toBe(1);
  });
});

describe('--change-source, and its old name --reloader', () => {
  it('--change-source sets the runner option changeSource; --backend watchman sets the watcher backend', async () => {
    const dir = tempDir();
    const parsed = await parseCli(['--change-source', 'stat', 'node -e 0', dir], dir);
    expect(parsed.kind === 'run' && parsed.options.changeSource).toBe('stat');
    expect(parsed.kind === 'run' && parsed.warnings).toEqual([]);
    const watchman = await parseCli(['--backend', 'watchman', 'node -e 0', dir], dir);
    expect(watchman.kind === 'run' && watchman.options.backend).toBe('watchman');
    await expect(parseCli(['--backend', 'watchman', '--change-source', 'stat', 'node -e 0', dir], dir)).rejects.toThrow(
      '--backend watchman cannot be combined with --change-source stat',
    );
  });

  it.each([
    ['watchfiles', 'native'],
    ['stat', 'stat'],
    ['watchman', 'watchman'],
  ])('--reloader %s still works as --change-source %s, with one warning naming the new flag', async (old, now) => {
    const dir = tempDir();
    const parsed = await parseCli(['--reloader', old, 'node -e 0', dir], dir);
    expect(parsed.kind === 'run' && parsed.options.changeSource).toBe(now);
    expect(parsed.kind === 'run' && parsed.warnings).toEqual([`--reloader is deprecated: write --change-source ${now}`]);
  });
});
