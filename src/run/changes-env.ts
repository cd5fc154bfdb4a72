/**
 * WATCHFILES_CHANGES: the changes that caused a start, in the child's environment, in the format of
 * Python's watchfiles: a JSON list of [kind, absolute path] pairs, `[]` at the first start.
 */
import { Change, type FileChange } from '../watch/types.js';

export const CHANGES_ENV = 'WATCHFILES_CHANGES';

export function serializeChanges(changes: readonly FileChange[]): string {
  return JSON.stringify(changes.map((c) => [Change[c.change] ?? 'modified', c.path]));
}
