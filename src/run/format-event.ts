/**
 * One line per runner event, for people: what is watched and how, which file(s) caused a restart, how a
 * child ended. Shared by runProcess's default output, the CLI and the register hook.
 */
import path from 'node:path';
import { isUnder } from '../watch/filters.js';
import { Change, type FileChange } from '../watch/types.js';
import type { Colors } from './colors.js';
import type { RunEvent } from './events.js';
import { LOOP_THRESHOLD, LOOP_WINDOW_MS } from './loop-guard.js';

export type Level = 'debug' | 'info' | 'warn';

export interface FormatOptions {
  cwd: string;
  colors: Colors;
}

export interface FormattedEvent {
  level: Level;
  text: string;
}

const MAX_LISTED = 3;

export function formatEvent(event: RunEvent, o: FormatOptions): FormattedEvent | undefined {
  const c = o.colors;
  switch (event.type) {
    case 'watching': {
      const where = event.paths.map((p) => displayPath(p, o.cwd)).join(', ');
      const polling = event.pollReason ? ` (polling: ${event.pollReason})` : '';
      return {
        level: 'info',
        text: `watching ${c.bold(where)} with ${c.cyan(event.backend)}${polling}, running ${quote(event.label)}${event.socket ? `, holding ${event.socket} across restarts` : ''}${event.livereload ? `, live reload at ${event.livereload}` : ''}`,
      };
    }
    case 'start':
      if (event.pid === undefined) return undefined;
      return { level: 'debug', text: `started ${quote(event.label)} (pid ${event.pid}${event.warm ? ', warm spare' : ''})` };
    case 'spare':
      return { level: 'debug', text: `warm spare ready (pid ${event.pid})` };
    case 'restart':
      if (event.reason === 'manual') return { level: 'info', text: c.green('restarting (requested)') };
      if (event.changes.length === 0) {
        return { level: 'info', text: c.green('restarting: the watcher rescanned after the OS dropped events') };
      }
      return { level: 'info', text: `${c.green('restarting:')} ${describeChanges(event.changes, o.cwd)}` };
    case 'ignored':
      return {
        level: 'debug',
        text: `ignored ${describeChanges(event.changes, o.cwd)} (${event.reason === 'unchanged' ? 'same content as before' : 'within the grace period'})`,
      };
    case 'loop': {
      const files = event.files.map((f) => displayPath(f, o.cwd)).join(', ');
      return {
        level: 'warn',
        text: c.yellow(
          `restart loop: ${files} grew within ${LOOP_WINDOW_MS / 1000} s of each of the last ${LOOP_THRESHOLD} starts, so the program seems to write ${event.files.length === 1 ? 'it' : 'them'}; ` +
            `restarts for ${event.files.length === 1 ? 'it' : 'them'} are paused (rs restarts by hand)${event.hint ? `. Fix: ${event.hint}` : ''}`,
        ),
      };
    }
    case 'assets':
      return { level: 'info', text: `${c.green('live reload:')} ${describeChanges(event.changes, o.cwd)} (${event.clients} browser${event.clients === 1 ? '' : 's'}, no restart)` };
    case 'stopping':
      return { level: 'debug', text: `stopping process group ${event.pid} with ${event.signal}` };
    case 'stopped':
      if (event.outcome === 'killed') {
        return {
          level: 'warn',
          text: c.yellow(`process ${event.pid} did not stop within ${seconds(event.sigintTimeout)} of ${event.signal}: killed its process group`),
        };
      }
      if (event.outcome === 'stuck') {
        return { level: 'warn', text: c.red(`process group ${event.pid} is still running after SIGKILL; starting anyway`) };
      }
      return { level: 'debug', text: `process group ${event.pid} stopped in ${event.ms} ms` };
    case 'exit': {
      const how = event.signal ? `was killed by ${event.signal}` : `exited with code ${event.code}`;
      const text = `${how}; waiting for a change to restart`;
      return event.code === 0 ? { level: 'info', text } : { level: 'warn', text: c.red(text) };
    }
    case 'spawn-error':
      return { level: 'warn', text: c.red(`could not start ${quote(event.label)}: ${spawnErrorText(event.error)}; waiting for a change`) };
    case 'error':
      return { level: 'warn', text: c.red(event.error.message) };
    case 'end':
      return {
        level: 'info',
        text: `stopped${event.reason === 'stop' || event.reason === 'abort' ? '' : ` (${event.reason})`} after ${event.restarts} restart${event.restarts === 1 ? '' : 's'}`,
      };
  }
}

/** "modified src/a.js", "modified src/a.js, added src/b.js and 4 more". */
export function describeChanges(changes: readonly FileChange[], cwd: string): string {
  const listed = changes.slice(0, MAX_LISTED).map((ch) => `${Change[ch.change] ?? 'changed'} ${displayPath(ch.path, cwd)}`);
  const more = changes.length - listed.length;
  return more > 0 ? `${listed.join(', ')} and ${more} more` : listed.join(', ');
}

export function displayPath(p: string, cwd: string): string {
  if (!isUnder(cwd, p)) return p;
  return path.relative(cwd, p) || '.';
}

function quote(label: string): string {
  return `"${label}"`;
}

function seconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${ms} ms`;
}

function spawnErrorText(error: Error): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'command not found (ENOENT: is it installed and on PATH, and does cwd exist?)';
  if (code === 'EACCES') return 'permission denied (EACCES: is the file executable?)';
  return error.message;
}
