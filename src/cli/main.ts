/**
 * The `watchfiles` command: parse, print one line at start (what is watched, with which backend) and one
 * per restart (which files changed), run until Ctrl-C/SIGTERM, exit 0 after a clean stop and 1 on bad
 * usage. Messages go to stderr, so the child owns stdout.
 */
import { colorEnabled, makeColors } from '../run/colors.js';
import type { RunEvent } from '../run/events.js';
import { formatEvent, type Level } from '../run/format-event.js';
import { runProcess } from '../run/run-process.js';
import { helpText } from './help.js';
import { parseCli, type Verbosity } from './parse.js';
import { UsageError } from './usage-error.js';
import { packageVersion } from './version.js';

const SHOWN: Record<Verbosity, readonly Level[]> = {
  warning: ['warn'],
  info: ['info', 'warn'],
  debug: ['debug', 'info', 'warn'],
};

export async function main(argv: string[], cwd: string = process.cwd()): Promise<number> {
  const version = packageVersion();
  const colors = makeColors(colorEnabled(process.stderr));
  const prefix = colors.dim('[watchfiles]');
  let command;
  try {
    command = await parseCli(argv, cwd);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`watchfiles: ${error.message}\nRun "watchfiles --help" to see the options.\n`);
    return 1;
  }
  if (command.kind === 'help') {
    process.stdout.write(helpText(version));
    return 0;
  }
  if (command.kind === 'version') {
    process.stdout.write(`watchfiles v${version}\n`);
    return 0;
  }

  const cmd = command;
  const log = (level: Level, text: string) => {
    if (SHOWN[cmd.verbosity].includes(level)) process.stderr.write(`${prefix} ${text}\n`);
  };
  for (const warning of cmd.warnings) log('warn', colors.yellow(warning));

  const onEvent = (event: RunEvent) => {
    if (cmd.clear && event.type === 'restart' && process.stdout.isTTY) process.stdout.write('\x1b[2J\x1b[3J\x1b[H');
    const line = formatEvent(event, { cwd, colors });
    if (!line) return;
    const text =
      event.type === 'watching'
        ? `v${version} ${line.text} (${cmd.targetType}, filter: ${cmd.filterDescription})`
        : line.text;
    log(line.level, text);
  };

  try {
    await runProcess(cmd.paths, cmd.target, { ...cmd.options, onEvent });
    return 0;
  } catch (error) {
    process.stderr.write(`watchfiles: ${(error as Error).message}\n`);
    return 1;
  }
}
