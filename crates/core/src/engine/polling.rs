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
            let mut noop = |_: &Path, _: &DirPath| Ok(());
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
        // A flat root compares its own entries only; deeper ones another root may hold are its to poll.
        let this_root = &self.roots[ri];
        let ours = |p: &Path| (nested.is_empty() || outside_nested(p)) && this_root.holds(p);
        let differ = poll_differences(self.tree.subtree(&root), seen, ours, self.started_ns);
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

/// The paths whose state on disk (`seen`, from a walk) differs from what is known (`known`, from the tree):
/// changed, gone or new. Known paths `ours` rejects belong to another root and are left out. Parents come
/// first, so a new directory is watched and scanned before its entries are looked at.
fn poll_differences(
    known: Vec<(PathBuf, Meta)>,
    mut seen: HashMap<PathBuf, Meta>,
    ours: impl Fn(&Path) -> bool,
    started_ns: i64,
) -> Vec<PathBuf> {
    let mut differ: Vec<PathBuf> = Vec::new();
    for (p, m) in known {
        if !ours(&p) {
            continue;
        }
        match seen.remove(&p) {
            Some(now_meta) if !m.changed_since(&now_meta, started_ns) => {}
            _ => differ.push(p),
        }
    }
    differ.extend(seen.into_keys());
    differ.sort_by_key(|p| p.components().count());
    differ
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::meta::Kind;

    fn file(ino: u64, mtime_ns: i64, size: u64) -> Meta {
        Meta { kind: Kind::File, mtime_ns, size, ino, dev: 1 }
    }
    fn dir(ino: u64) -> Meta {
        Meta { kind: Kind::Dir, mtime_ns: 0, size: 0, ino, dev: 1 }
    }
    fn p(s: &str) -> PathBuf {
        PathBuf::from(s)
    }
    fn diff(known: &[(&str, Meta)], seen: &[(&str, Meta)], started_ns: i64) -> Vec<PathBuf> {
        let known = known.iter().map(|(k, m)| (p(k), *m)).collect();
        let seen = seen.iter().map(|(k, m)| (p(k), *m)).collect();
        poll_differences(known, seen, |q: &Path| !q.starts_with("/r/other"), started_ns)
    }

    #[test]
    fn nothing_changed_gives_nothing() {
        let same = [("/r", dir(1)), ("/r/a", file(2, 10, 3))];
        assert!(diff(&same, &same, 100).is_empty());
    }

    #[test]
    fn changed_gone_and_new_paths_are_listed_parents_first() {
        let known = [("/r", dir(1)), ("/r/a", file(2, 10, 3)), ("/r/b", file(3, 10, 3))];
        let seen = [("/r", dir(1)), ("/r/a", file(2, 20, 3)), ("/r/d", dir(4)), ("/r/d/e", file(5, 30, 1))];
        let out = diff(&known, &seen, 100);
        assert_eq!(out.len(), 4);
        let depth = |q: &PathBuf| q.components().count();
        assert!(out.windows(2).all(|w| depth(&w[0]) <= depth(&w[1])), "parents first: {out:?}");
        for want in ["/r/a", "/r/b", "/r/d", "/r/d/e"] {
            assert!(out.contains(&p(want)), "{want} missing from {out:?}");
        }
    }

    #[test]
    fn a_file_replaced_by_a_directory_of_the_same_name_is_listed() {
        assert_eq!(diff(&[("/r/a", file(2, 10, 3))], &[("/r/a", dir(2))], 100), vec![p("/r/a")]);
    }

    #[test]
    fn a_file_known_without_its_mtime_differs_only_if_it_changed_since_the_start() {
        // Found by the first walk from its directory entry alone (no stat): its mtime is unknown, so only a
        // write after the watcher started counts, or another inode or kind.
        let light = Meta::light(Kind::File, 2, 1);
        assert!(diff(&[("/r/a", light)], &[("/r/a", file(2, 50, 3))], 100).is_empty());
        assert_eq!(diff(&[("/r/a", light)], &[("/r/a", file(2, 150, 3))], 100), vec![p("/r/a")]);
        assert_eq!(diff(&[("/r/a", light)], &[("/r/a", file(9, 50, 3))], 100), vec![p("/r/a")]);
    }

    #[test]
    fn known_paths_of_another_root_are_left_out() {
        let known = [("/r/other/x", file(7, 10, 1))];
        assert!(diff(&known, &[], 100).is_empty());
    }
}
