/**
 * The watchman backend: a running watchman server watches (one crawl and one set of inotify watches shared
 * by every tool that asks), and this process holds one socket and no OS watch. Per root: watch-project, a
 * synced clock (so "ready" means the server has crawled), then a subscription since that clock. Results are
 * turned into changes with our own ignore rules and batched by `step`/`debounce` like the native core's.
 * VCS settling is the server's (`defer_vcs`: nothing is sent while .git/index.lock and friends exist).
 * A lost server is reported to onError once; we reconnect every second and report a rescan batch when back.
 */
import fs from 'node:fs';
import path from 'node:path';
import { makeBatch, mergeBatches } from '../batch.js';
import type { ResolvedOptions } from '../options.js';
import { Change, WatchError, type ChangeBatch, type FileChange } from '../types.js';
import type { WatchmanClient, SubscriptionPdu } from '../../watchman/client.js';
import { connectWatchman } from '../../watchman/connect.js';
import { excludeDirsExpression, recrawlCount, toChanges, type RootView } from '../../watchman/changes.js';
import { compileFilter, type IgnorePredicate } from '../filters.js';
import { checkRoot } from './check-root.js';
import type { BackendHandle, BackendSinks } from './types.js';

const RECONNECT_MS = 1000;
const ROOT_RETURN_POLL_MS = 250;
const SYNC_TIMEOUT_MS = 60_000;
const FIELDS = ['name', 'exists', 'new', 'type'];
let subscriptionSeq = 0;

interface RootSub extends RootView {
  /** The watch root watchman chose (a parent with .watchmanconfig, or `dir`), and our path below it. */
  watch: string;
  relative?: string;
  name: string;
  clock: string;
  recrawls: number;
}

export async function startWatchman(options: ResolvedOptions, sinks: BackendSinks): Promise<BackendHandle> {
  if (options.gitignore) {
    throw new WatchError('EINVAL', `option "gitignore" is not supported with backend 'watchman' yet: use "ignore" globs, or the native backend`);
  }
  const views: RootView[] = options.roots.map((root) => viewOf(root, checkRoot(root), options.recursive));
  const session = new Session(options, sinks, views);
  await session.open();
  return {
    backend: 'watchman',
    pollReason: '',
    watchCount: 0,
    close: () => session.close(),
    clock: () => session.clock(),
    addRoot: (root, recursive) => session.addRoot(root, recursive),
    removeRoot: (root) => session.removeRoot(root),
  };
}

function viewOf(root: string, st: fs.Stats, recursive: boolean): RootView {
  return st.isDirectory()
    ? { dir: root, root, recursive }
    : { dir: path.dirname(root), root: path.dirname(root), only: path.basename(root), recursive: false };
}

/** The path a view was asked for: its directory, or its one file. */
function rootOf(view: RootView): string {
  return view.only === undefined ? view.dir : path.join(view.dir, view.only);
}

class Session {
  private client: WatchmanClient | undefined;
  /** One per view, same index; a view added while the server is away has none until it is back. */
  private subs: Array<RootSub | undefined> = [];
  /** Roots added before they existed: looked for every ROOT_RETURN_POLL_MS, reported once they appear. */
  private readonly waiting = new Map<string, { recursive: boolean; timer: NodeJS.Timeout }>();
  private closed = false;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private readonly rootTimers = new Set<NodeJS.Timeout>();
  private readonly ignored: IgnorePredicate;
  private readonly expression: unknown[] | undefined;
  private pending: ChangeBatch[] = [];
  private stepTimer: NodeJS.Timeout | undefined;
  private debounceTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly options: ResolvedOptions,
    private readonly sinks: BackendSinks,
    private views: RootView[],
  ) {
    this.ignored = compileFilter(options);
    this.expression = excludeDirsExpression(options.ignoreDirs);
  }

  /** Connects and subscribes every root; `since` clocks (after a reconnect) resume where we were. */
  async open(): Promise<void> {
    const { client } = await connectWatchman();
    if (this.closed) return client.close();
    client.unref();
    client.setSubscriptionHandler((pdu) => this.receive(pdu));
    try {
      // Each root's subscription takes its slot as soon as it exists: its results may arrive while the
      // next root subscribes, and are looked up there by name.
      for (const [i, view] of this.views.entries()) this.subs[i] = await this.subscribe(client, view, this.subs[i]?.clock);
    } catch (error) {
      client.close();
      throw error;
    }
    if (this.closed) return client.close();
    // Installed once subscribed: a loss during open() is open()'s failure, not a second report.
    client.setCloseHandler((error) => this.lost(error));
    this.client = client;
  }

  private async subscribe(client: WatchmanClient, view: RootView, since: string | undefined): Promise<RootSub> {
    const project = await client.command(['watch-project', view.dir]).catch((e: WatchError) => {
      throw new WatchError('EWATCHMAN', `${e.message} (root ${view.dir})`, view.dir);
    });
    const watch = String(project.watch);
    const relative = typeof project.relative_path === 'string' ? project.relative_path : undefined;
    // A synced clock: the server has crawled the root and seen every change made before this call.
    const clockReply = await client.command(['clock', watch, { sync_timeout: SYNC_TIMEOUT_MS }]);
    const name = `watchfiles-node-${process.pid}-${++subscriptionSeq}`;
    const query: Record<string, unknown> = {
      since: since ?? clockReply.clock,
      fields: FIELDS,
      empty_on_fresh_instance: true,
      defer_vcs: this.options.vcsSettle,
    };
    if (relative) query.relative_root = relative;
    if (this.expression) query.expression = this.expression;
    await client.command(['subscribe', watch, name, query]);
    return { ...view, watch, name, clock: String(clockReply.clock), recrawls: recrawlCount(clockReply.warning), ...(relative ? { relative } : {}) };
  }

  async clock(): Promise<string> {
    const sub = this.subs[0];
    if (!this.client || this.client.closed || !sub) {
      throw new WatchError('EWATCHMAN', 'no clock: the watchman server is not connected (it exited; the watcher is reconnecting)');
    }
    if (this.subs.length > 1) {
      throw new WatchError('EINVAL', 'clock() needs a subscription with one root: a watchman clock belongs to one watch root');
    }
    const reply = await this.client.command(['clock', sub.watch, { sync_timeout: SYNC_TIMEOUT_MS }]);
    return String(reply.clock);
  }

  private receive(pdu: SubscriptionPdu): void {
    if (this.closed) return;
    const sub = this.subs.find((s) => s?.name === pdu.subscription);
    if (!sub) return;
    if (pdu.canceled) return this.canceled(sub);
    if (pdu.clock) sub.clock = pdu.clock;
    const recrawls = recrawlCount(pdu.warning);
    const rescan = pdu.is_fresh_instance === true || recrawls > sub.recrawls;
    sub.recrawls = Math.max(sub.recrawls, recrawls);
    const changes = pdu.files ? toChanges(pdu.files, sub, this.ignored) : [];
    if (changes.length || rescan) this.queue(makeBatch(changes, rescan));
  }

  /**
   * The server dropped the watch: its root was deleted (report that, and watch again once it is back, like
   * the native core), or someone ran `watchman watch-del` (watch again now; a rescan batch covers the gap).
   */
  private canceled(sub: RootSub): void {
    if (fs.existsSync(sub.dir)) {
      void this.rewatch(sub, true);
      return;
    }
    const gone = sub.only === undefined ? sub.dir : path.join(sub.dir, sub.only);
    this.queue(makeBatch([{ change: Change.deleted, path: gone, isDir: sub.only === undefined }]));
    const timer = setInterval(() => {
      if (this.closed || !fs.existsSync(sub.dir)) return;
      clearInterval(timer);
      this.rootTimers.delete(timer);
      void this.rewatch(sub, false);
    }, ROOT_RETURN_POLL_MS);
    timer.unref();
    this.rootTimers.add(timer);
  }

  /** Subscribes `sub`'s root again; a root that came back reports what is in it now as added. */
  private async rewatch(sub: RootSub, rescan: boolean): Promise<void> {
    const client = this.client;
    const index = this.subs.indexOf(sub);
    if (!client || index < 0) return; // a reconnect subscribes every root anyway
    try {
      const next = await this.subscribe(client, sub, rescan ? sub.clock : undefined);
      if (this.closed || this.subs[index] !== sub) return;
      this.subs[index] = next;
      if (rescan) return this.queue(makeBatch([], true));
      const listed = await client.command(['query', next.watch, this.listQuery(next)]);
      const files = (listed.files ?? []) as Array<{ name: string; type?: string }>;
      const added: FileChange[] = toChanges(
        files.map((f) => ({ ...f, exists: true, new: true })),
        next,
        this.ignored,
      );
      if (added.length) this.queue(makeBatch(added));
    } catch (error) {
      if (!this.closed && client === this.client) this.sinks.onError(error as WatchError);
    }
  }

  private listQuery(sub: RootSub): Record<string, unknown> {
    const query: Record<string, unknown> = { fields: ['name', 'type'] };
    if (sub.relative) query.relative_root = sub.relative;
    if (this.expression) query.expression = this.expression;
    return query;
  }

  /** Batches like the native core: yield after `step` ms without results, or `debounce` ms after the first. */
  private queue(batch: ChangeBatch): void {
    this.pending.push(batch);
    if (this.stepTimer) clearTimeout(this.stepTimer);
    this.stepTimer = setTimeout(() => this.flush(), this.options.step);
    this.stepTimer.unref();
    if (!this.debounceTimer) {
      this.debounceTimer = setTimeout(() => this.flush(), this.options.debounce);
      this.debounceTimer.unref();
    }
  }

  private flush(): void {
    clearTimeout(this.stepTimer);
    clearTimeout(this.debounceTimer);
    this.stepTimer = this.debounceTimer = undefined;
    const batches = this.pending.splice(0);
    if (!batches.length || this.closed) return;
    const batch = mergeBatches(batches);
    if (batch.length || batch.rescan) this.sinks.onBatch(batch);
  }

  /** The connection broke: say so once, then try to come back every second until closed. */
  private lost(error: WatchError): void {
    if (this.closed) return;
    this.client = undefined;
    this.sinks.onError(error);
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    if (this.closed || this.reconnectTimer) return;
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      this.open().then(
        // We could not see what happened while the server was away: a rescan batch says so.
        () => !this.closed && this.queue(makeBatch([], true)),
        () => this.scheduleReconnect(),
      );
    }, RECONNECT_MS);
    this.reconnectTimer.unref();
  }

  /** Watches one more root on this connection; one that does not exist yet is reported once it appears. */
  async addRoot(root: string, recursive: boolean): Promise<void> {
    const i = this.views.findIndex((v) => rootOf(v) === root);
    if (i >= 0) {
      // Recursion is ours to apply to what the server sends (see toChanges), so it changes in place.
      if (this.views[i]!.only !== undefined) return;
      this.views[i] = { ...this.views[i]!, recursive };
      const sub = this.subs[i];
      if (sub) this.subs[i] = { ...sub, recursive };
      return;
    }
    const waiting = this.waiting.get(root);
    if (waiting) return void (waiting.recursive = recursive);
    let st: fs.Stats | undefined;
    try {
      st = fs.statSync(root, { throwIfNoEntry: false });
    } catch (error) {
      const e = error as NodeJS.ErrnoException;
      throw new WatchError(e.code === 'ENOTDIR' ? 'ENOTDIR' : 'EIO', `cannot watch ${root}: ${e.message}`, root);
    }
    if (st) return this.attach(viewOf(root, st, recursive), false);
    const timer = setInterval(() => {
      const now = fs.statSync(root, { throwIfNoEntry: false });
      const entry = this.waiting.get(root);
      if (this.closed || !now || !entry) return;
      clearInterval(timer);
      this.waiting.delete(root);
      this.attach(viewOf(root, now, entry.recursive), true).catch((e: WatchError) => !this.closed && this.sinks.onError(e));
    }, ROOT_RETURN_POLL_MS);
    timer.unref();
    this.waiting.set(root, { recursive, timer });
  }

  /** Subscribes one more view; `report`: what it holds now is reported as added (a root that appeared). */
  private async attach(view: RootView, report: boolean): Promise<void> {
    this.views.push(view);
    const client = this.client;
    // Away: the reconnect subscribes every view.
    if (!client) return;
    const sub = await this.subscribe(client, view, undefined);
    // Removed meanwhile (views shift as roots leave): let the server's subscription go.
    const index = this.views.indexOf(view);
    if (this.closed || index < 0) return void client.command(['unsubscribe', sub.watch, sub.name]).catch(() => {});
    this.subs[index] = sub;
    if (!report) return;
    const listed = await client.command(['query', sub.watch, this.listQuery(sub)]);
    const files = (listed.files ?? []) as Array<{ name: string; type?: string }>;
    const added = toChanges(files.map((f) => ({ ...f, exists: true, new: true })), sub, this.ignored);
    if (added.length) this.queue(makeBatch(added));
  }

  /** Stops watching a root; the watch itself stays on the server (other tools may share it). */
  async removeRoot(root: string): Promise<void> {
    const waiting = this.waiting.get(root);
    if (waiting) {
      clearInterval(waiting.timer);
      this.waiting.delete(root);
    }
    const i = this.views.findIndex((v) => rootOf(v) === root);
    if (i < 0) return;
    const [sub] = this.subs.splice(i, 1);
    this.views.splice(i, 1);
    if (sub && this.client) await this.client.command(['unsubscribe', sub.watch, sub.name]).catch(() => {});
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const { timer } of this.waiting.values()) clearInterval(timer);
    clearTimeout(this.reconnectTimer);
    for (const timer of this.rootTimers) clearInterval(timer);
    clearTimeout(this.stepTimer);
    clearTimeout(this.debounceTimer);
    // Subscriptions end with the connection; the watch itself stays: other tools may share it.
    this.client?.close();
    this.client = undefined;
  }
}
