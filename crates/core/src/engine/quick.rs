//! When a batch may leave early. A batch waits for `step` ms without events so that what belongs together
//! (an editor's save, a burst, a checkout) arrives as one; that makes every change `step` ms late. A lone
//! edit after a quiet spell need not wait that long: a batch that begins at least `step` after the previous
//! one ended is emitted `quick_step` after its last event, as long as nothing in it is half done:
//! - no path exists now that did not when the batch began, or the other way round. A file made or removed
//!   is often one step of a save still under way (a temp file about to be renamed over the real one, vim
//!   moving the file aside before writing it anew), and the next step may be milliseconds away.
//! - no file is still open for writing (the OS said it was written but not yet closed: an editor's fsync
//!   can take longer than `quick_step`).
//!
//! Such a batch, and one that begins while changes keep coming, waits the full `step` as before; so
//! does one that outgrows `MAX_PATHS` (a burst, not an edit) or is touched by anything but a path's own
//! event (a rescan, a poll, a root added). Nothing here changes what a batch holds, only when it leaves.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// An edit is a handful of paths; a batch with more is a burst and batches normally.
const MAX_PATHS: usize = 32;

#[derive(Default)]
pub struct QuickFlush {
    /// When the previous batch ended (it was read off, whatever it held).
    last_flush: Option<Instant>,
    /// The paths of the batch gathering now, while it may still leave early; None once it may not.
    batch: Option<HashMap<PathBuf, Seen>>,
}

#[derive(Debug, Clone, Copy)]
struct Seen {
    /// The path existed when the batch began (when its first event in the batch came).
    existed: bool,
    exists: bool,
    /// Its last event said it was written and is still open.
    writing: bool,
}

impl QuickFlush {
    /// Called while no batch is gathering, before an event that may start one: the batch it starts may
    /// leave early only if the previous one ended at least `step` ago.
    pub fn before_first_event(&mut self, now: Instant, step: Duration) {
        let quiet = self.last_flush.map_or(true, |t| now.saturating_duration_since(t) >= step);
        self.batch = quiet.then(HashMap::new);
    }

    /// An event at `path` went into the batch: what stood there before it, what stands there now, and
    /// whether the OS said a write is still open.
    pub fn saw(&mut self, path: &Path, existed: bool, exists: bool, writing: bool) {
        let Some(batch) = self.batch.as_mut() else { return };
        if let Some(seen) = batch.get_mut(path) {
            seen.exists = exists;
            seen.writing = writing;
        } else if batch.len() >= MAX_PATHS {
            self.batch = None;
        } else {
            batch.insert(path.to_path_buf(), Seen { existed, exists, writing });
        }
    }

    /// Something this does not follow went into the batch (a rescan, a poll's finds, a new root's walk).
    pub fn give_up(&mut self) {
        self.batch = None;
    }

    /// The quiet time that ends the batch gathering now: `quick_step` (never more than `step`) while it
    /// may leave early, else `step`.
    pub fn quiet_time(&self, step: Duration, quick_step: Duration) -> Duration {
        match &self.batch {
            Some(batch) if batch.values().all(|s| s.existed == s.exists && !s.writing) => quick_step.min(step),
            _ => step,
        }
    }

    /// The batch was read off at `now`.
    pub fn flushed(&mut self, now: Instant) {
        self.last_flush = Some(now);
        self.batch = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const STEP: Duration = Duration::from_millis(50);
    const QUICK: Duration = Duration::from_millis(5);

    fn path(name: &str) -> PathBuf {
        PathBuf::from("/r").join(name)
    }

    /// A flush long ago, then a new batch begins now.
    fn after_quiet(t0: Instant) -> QuickFlush {
        let mut q = QuickFlush::default();
        q.flushed(t0);
        q.before_first_event(t0 + Duration::from_secs(1), STEP);
        q
    }

    #[test]
    fn an_edit_of_an_existing_file_after_a_quiet_spell_leaves_after_the_quick_step() {
        let mut q = QuickFlush::default();
        q.before_first_event(Instant::now(), STEP); // the first batch of a watcher counts as after quiet
        q.saw(&path("a.js"), true, true, false);
        assert_eq!(q.quiet_time(STEP, QUICK), QUICK);
        // A second file saved with it keeps the batch quick.
        q.saw(&path("b.js"), true, true, false);
        assert_eq!(q.quiet_time(STEP, QUICK), QUICK);
    }

    #[test]
    fn a_batch_that_begins_while_changes_keep_coming_waits_the_full_step() {
        let t0 = Instant::now();
        let mut q = QuickFlush::default();
        q.flushed(t0);
        q.before_first_event(t0 + STEP - Duration::from_millis(1), STEP);
        q.saw(&path("a.js"), true, true, false);
        assert_eq!(q.quiet_time(STEP, QUICK), STEP);
        // Exactly `step` of quiet is enough.
        q.flushed(t0);
        q.before_first_event(t0 + STEP, STEP);
        q.saw(&path("a.js"), true, true, false);
        assert_eq!(q.quiet_time(STEP, QUICK), QUICK);
    }

    #[test]
    fn an_atomic_save_waits_while_its_temp_file_stands_and_is_quick_once_renamed_over_the_file() {
        let mut q = after_quiet(Instant::now());
        let (tmp, real) = (path(".a.js.tmp"), path("a.js"));
        q.saw(&tmp, false, true, true); // created, open
        assert_eq!(q.quiet_time(STEP, QUICK), STEP);
        q.saw(&tmp, false, true, false); // closed: still a new file that may be renamed any moment
        assert_eq!(q.quiet_time(STEP, QUICK), STEP);
        q.saw(&tmp, false, false, false); // renamed away
        q.saw(&real, true, true, false); // ... over the real file
        assert_eq!(q.quiet_time(STEP, QUICK), QUICK);
    }

    #[test]
    fn a_file_moved_aside_and_written_anew_is_quick_only_once_closed() {
        let mut q = after_quiet(Instant::now());
        let x = path("x");
        q.saw(&x, true, false, false); // vim renames x to x~
        assert_eq!(q.quiet_time(STEP, QUICK), STEP);
        q.saw(&x, true, true, true); // x made again, being written (fsync may take a while)
        assert_eq!(q.quiet_time(STEP, QUICK), STEP);
        q.saw(&x, true, true, false); // closed
        assert_eq!(q.quiet_time(STEP, QUICK), QUICK);
    }

    #[test]
    fn new_and_deleted_files_wait_the_full_step() {
        let mut q = after_quiet(Instant::now());
        q.saw(&path("new.js"), false, true, false);
        assert_eq!(q.quiet_time(STEP, QUICK), STEP);
        let mut q = after_quiet(Instant::now());
        q.saw(&path("gone.js"), true, false, false);
        assert_eq!(q.quiet_time(STEP, QUICK), STEP);
        // Made and removed again within the batch: nothing to report, nothing half done.
        let mut q = after_quiet(Instant::now());
        q.saw(&path("blip"), false, true, false);
        q.saw(&path("blip"), false, false, false);
        assert_eq!(q.quiet_time(STEP, QUICK), QUICK);
    }

    #[test]
    fn a_burst_a_rescan_or_a_flush_ends_the_quick_path_for_the_batch() {
        let mut q = after_quiet(Instant::now());
        for i in 0..MAX_PATHS {
            q.saw(&path(&format!("f{i}")), true, true, false);
        }
        assert_eq!(q.quiet_time(STEP, QUICK), QUICK);
        q.saw(&path("one-more"), true, true, false);
        assert_eq!(q.quiet_time(STEP, QUICK), STEP, "a burst batches normally");
        q.saw(&path("f0"), true, true, false);
        assert_eq!(q.quiet_time(STEP, QUICK), STEP, "and stays so until it is read off");

        let mut q = after_quiet(Instant::now());
        q.saw(&path("a"), true, true, false);
        q.give_up();
        assert_eq!(q.quiet_time(STEP, QUICK), STEP);

        let t0 = Instant::now();
        let mut q = after_quiet(t0);
        q.saw(&path("a"), true, true, false);
        q.flushed(t0 + Duration::from_secs(2));
        assert_eq!(q.quiet_time(STEP, QUICK), STEP, "nothing gathers after a flush until the next batch begins");
    }

    #[test]
    fn the_quick_step_never_exceeds_the_step() {
        let mut q = after_quiet(Instant::now());
        q.saw(&path("a"), true, true, false);
        let step = Duration::from_millis(2);
        assert_eq!(q.quiet_time(step, QUICK), step);
    }
}
