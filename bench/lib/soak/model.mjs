/**
 * A consumer's picture of the tree: the starting listing with every reported change applied, exactly as
 * a user of the API would keep it. Anything a batch says that cannot be true of the model is an anomaly.
 *
 * - added:    insert the path with its isDir (over an existing entry is allowed: a rename over a file);
 *             at the end of the batch its parent directory must be in the model;
 * - modified: the path must already be in the model;
 * - deleted:  the path must be in the model; only that exact path is removed, so a directory deleted
 *             while the model still holds entries below it is an anomaly (the watcher must report each).
 */
import path from 'node:path';

const EXAMPLES = 5;

export class TreeModel {
  /** @param {Map<string, boolean>} start relative path -> isDir */
  constructor(start) {
    this.entries = new Map(start);
    /** directory -> number of entries directly below it in the model */
    this.children = new Map();
    for (const p of this.entries.keys()) this.#bump(p, 1);
    this.anomalies = {};
    this.anomalyExamples = {};
    this.batches = 0;
    this.changes = 0;
    this.rescanBatches = 0;
  }

  #bump(p, by) {
    const parent = path.dirname(p);
    if (parent === '.') return;
    this.children.set(parent, (this.children.get(parent) ?? 0) + by);
  }

  #set(p, isDir) {
    if (!this.entries.has(p)) this.#bump(p, 1);
    this.entries.set(p, isDir);
  }

  #remove(p) {
    if (this.entries.delete(p)) this.#bump(p, -1);
  }

  #anomaly(kind, p, detail) {
    this.anomalies[kind] = (this.anomalies[kind] ?? 0) + 1;
    const list = (this.anomalyExamples[kind] ??= []);
    if (list.length < EXAMPLES) list.push(detail ? `${p} (${detail})` : p);
  }

  has(p) {
    return this.entries.has(p);
  }

  /** Applies one batch of `{ change, path (relative), isDir }`; change: 1 added, 2 modified, 3 deleted. */
  apply(batch, rescan = false) {
    this.batches++;
    this.changes += batch.length;
    if (rescan) this.rescanBatches++;
    const added = [];
    const deletedDirs = [];
    for (const c of batch) {
      const isDir = c.isDir === true;
      if (c.change === 1) {
        this.#set(c.path, isDir);
        added.push(c.path);
      } else if (c.change === 2) {
        if (!this.entries.has(c.path)) {
          this.#anomaly('modifiedUnknown', c.path);
          this.#set(c.path, isDir);
        }
      } else if (c.change === 3) {
        if (!this.entries.has(c.path)) this.#anomaly('deletedUnknown', c.path);
        else {
          if (this.entries.get(c.path)) deletedDirs.push(c.path);
          this.#remove(c.path);
        }
      } else {
        this.#anomaly('unknownChangeKind', c.path, String(c.change));
      }
    }
    for (const p of added) {
      const parent = path.dirname(p);
      if (parent !== '.' && this.entries.get(parent) !== true) this.#anomaly('addedWithoutParent', p);
    }
    for (const d of deletedDirs) {
      const left = this.children.get(d) ?? 0;
      if (!this.entries.has(d) && left > 0) this.#anomaly('deletedDirWithEntriesLeft', d, `${left} left`);
    }
  }

  /** The model against the disk: what is missing from the model, what it holds that is gone. */
  compare(disk) {
    const out = { missingFiles: 0, missingDirs: 0, extraFiles: 0, extraDirs: 0, wrongType: 0, examples: { missing: [], extra: [], wrongType: [] } };
    for (const [p, isDir] of disk) {
      const known = this.entries.get(p);
      if (known === undefined) {
        if (isDir) out.missingDirs++;
        else out.missingFiles++;
        if (out.examples.missing.length < EXAMPLES) out.examples.missing.push(isDir ? `${p}/` : p);
      } else if (known !== isDir) {
        out.wrongType++;
        if (out.examples.wrongType.length < EXAMPLES) out.examples.wrongType.push(p);
      }
    }
    for (const [p, isDir] of this.entries) {
      if (disk.has(p)) continue;
      if (isDir) out.extraDirs++;
      else out.extraFiles++;
      if (out.examples.extra.length < EXAMPLES) out.examples.extra.push(isDir ? `${p}/` : p);
    }
    return out;
  }

  stats() {
    const anomalyCount = Object.values(this.anomalies).reduce((a, b) => a + b, 0);
    return {
      batches: this.batches,
      changes: this.changes,
      rescanBatches: this.rescanBatches,
      anomalyCount,
      anomalies: this.anomalies,
      anomalyExamples: this.anomalyExamples,
    };
  }
}
