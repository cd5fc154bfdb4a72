/** @parcel/watcher's event shape, and the translation of one of our batches into it. */
import { Change, type ChangeBatch } from '../watch/types.js';

export type EventType = 'create' | 'update' | 'delete';
export interface Event {
  path: string;
  type: EventType;
}

const TYPE = { [Change.added]: 'create', [Change.modified]: 'update', [Change.deleted]: 'delete' } as const;

/** A batch as parcel events: a rename is the old path's delete and the new path's create. */
export function toEvents(batch: ChangeBatch, isIgnored: (abs: string) => boolean): Event[] {
  const out: Event[] = [];
  const seen = new Set<string>();
  const push = (type: EventType, p: string) => {
    // The core may list a renamed path both as its own `deleted` entry and as the `oldPath` of the new one.
    const key = `${type}\u0000${p}`;
    if (seen.has(key) || isIgnored(p)) return;
    seen.add(key);
    out.push({ type, path: p });
  };
  for (const c of batch) {
    if (c.oldPath) push('delete', c.oldPath);
    push(TYPE[c.change], c.path);
  }
  return out;
}
