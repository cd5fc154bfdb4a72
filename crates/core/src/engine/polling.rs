//! Polling: roots the OS sends no events for (and roots that are gone) are compared with the disk every
//! `poll_delay`; after an overflow every natively watched root is compared the same way (a rescan).

use super::*;

impl Engine {
    pub(super) fn schedule_poll(&mut self, now: Instant) {
        if self.next_poll.is_none() {
            self.next_poll = Some(now + self.cfg.poll_delay);
        }
    }

    pub(super) fn needs_polling(&self) -> bool {
        self.roots.iter().any(|r| !r.present || matches!(r.mode, Mode::Poll(_)))
    }

    /// Compares root `ri` as it is on disk with what is known, and touches every difference.
    pub(super) fn diff_root(&mut self, ri: usize, now: Instant) {
        let root = self.roots[ri].path.clone();
        let mut seen: HashMap<PathBuf, Meta> = HashMap::new();
        if let Some(m) = self.read(&root) {
            seen.insert(root.clone(), m);
        }
        if !self.roots[ri].is_file && seen.get(&root).is_some_and(Meta::is_dir) {
            let mut visited = Visited::default();
            // Every file's metadata is read. A natively watched root's walk stops at the mounts polled as roots of
            // their own (a network mount is not crawled twice); their paths are taken out below either way.
            let native = self.roots[ri].mode == Mode::Native;
            let rules = ScanRules { stop_at_poll_mounts: native, recursive: self.roots[ri].recursive, ..ScanRules::new(&root, &self.cfg) };
            let mut noop = |_: &Path| Ok(());
            let mut found = |p: &Path, m: Meta| {
                seen.insert(p.to_path_buf(), m);
            };
            let _ = scan(&root, &rules, &mut self.filter, &mut visited, &mut noop, &mut found);
        }
        // What lies in a recursive root nested inside this one (a polled mount) is that root's business.
        let nested: Vec<PathBuf> = self
            .roots
            .iter()
            .filter(|r| !r.is_file && r.recursive && r.path != root && r.path.starts_with(&root))
            .map(|r| r.path.clone())
            .collect();
        let outside_nested = |p: &Path| !nested.iter().any(|n| p.starts_with(n));
        if !nested.is_empty() {
            seen.retain(|p, _| outside_nested(p));
        }
        let mut differ: Vec<PathBuf> = Vec::new();
        for (p, m) in self.tree.subtree(&root) {
            // A flat root compares its own entries only; deeper ones another root may hold are its to poll.
            if (!nested.is_empty() && !outside_nested(&p)) || !self.roots[ri].holds(&p) {
                continue;
            }
            match seen.remove(&p) {
                Some(now_meta) if !m.changed_since(&now_meta, self.started_ns) => {}
                _ => differ.push(p),
            }
        }
        differ.extend(seen.into_keys());
        // Parents first, so a new directory is watched and scanned before its entries are looked at.
        differ.sort_by_key(|p| p.components().count());
        for p in differ {
            if !self.pending.was_touched(&p) || self.tree.get(&p).is_none() {
                self.on_path(&p, now);
            }
        }
    }

    /// An absent root (gone, not made yet, or unreadable): watched again, and reported with what it holds,
    /// if it is there now. At each poll tick, and at once when an event names its path.
    pub(super) fn look_for_root(&mut self, ri: usize) {
        let path = self.roots[ri].path.clone();
        // A root added before it existed is whichever kind appears.
        if self.roots[ri].kind_open {
            if let Ok(m) = Meta::read(&path, true) {
                self.roots[ri].is_file = !m.is_dir();
            }
        }
        if self.read_in(ri, &path).is_none() {
            return;
        }
        match self.init_root(ri, true) {
            Ok(()) => self.roots[ri].kind_open = false,
            Err(e) => {
                self.roots[ri].present = false;
                if e.code != ErrorCode::NotFound {
                    self.report(e);
                }
            }
        }
    }

    pub(super) fn poll_tick(&mut self, now: Instant) {
        for ri in 0..self.roots.len() {
            if !self.roots[ri].present {
                self.look_for_root(ri);
            } else if matches!(self.roots[ri].mode, Mode::Poll(_)) {
                self.diff_root(ri, now);
            }
        }
        // The next pass starts `poll_delay` after this one ended, and never sooner than twice this pass's
        // length: polling a huge tree costs at most about a third of a core instead of all of it.
        let end = Instant::now();
        let pause = self.cfg.poll_delay.max(end.duration_since(now) * 2);
        self.next_poll = if self.needs_polling() { Some(end + pause) } else { None };
    }

    /// The kernel dropped events: rescan every natively watched root and mark the batch.
    pub(super) fn rescan(&mut self, now: Instant) {
        self.pending.mark_rescan(now);
        for ri in 0..self.roots.len() {
            if self.roots[ri].present && self.roots[ri].mode == Mode::Native {
                self.diff_root(ri, now);
            }
        }
    }
}
