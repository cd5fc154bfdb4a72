/**
 * The process runner: runProcess() and what it reports. See docs/cli.md for the guide.
 */
export { runProcess } from './run-process.js';
export type { RunHandle } from './run-process.js';
export type { RunProcessOptions } from './run-options.js';
export type { RunEvent, RunEventHandler } from './events.js';
export { detectTargetType } from './target.js';
export type { TargetType } from './target.js';
export { splitCommand } from './split-command.js';
export type { SplitCommand } from './split-command.js';
