//! Records kept in one vector and named by their 4-byte position, with freed positions used again: how the
//! tree's directories and stats, the watch table's slots and the path store's nodes are held, so that a big
//! tree costs one allocation per kind of record, not one per record.

use std::ops::{Deref, DerefMut};

pub struct Slots<T> {
    items: Vec<T>,
    /// Positions given back: the next `insert` takes the last of them.
    free: Vec<u32>,
}

impl<T> Default for Slots<T> {
    fn default() -> Self {
        Slots { items: Vec::new(), free: Vec::new() }
    }
}

impl<T> Slots<T> {
    /// Stores `item` at a freed position, or at the end; returns its position.
    pub fn insert(&mut self, item: T) -> u32 {
        match self.free.pop() {
            Some(at) => {
                self.items[at as usize] = item;
                at
            }
            None => {
                self.items.push(item);
                u32::try_from(self.items.len() - 1).expect("fewer than 2^32 records")
            }
        }
    }

    /// Position `at` may be used again. What stands there stays until then: the caller clears what it must.
    pub fn release(&mut self, at: u32) {
        self.free.push(at);
    }

    /// Records the vector has room for (for tests of memory given back).
    #[cfg(test)]
    pub fn capacity(&self) -> usize {
        self.items.capacity()
    }

    /// Freed positions the free list has room for (for tests of memory given back).
    #[cfg(test)]
    pub fn free_capacity(&self) -> usize {
        self.free.capacity()
    }
}

/// Every record, freed ones included, by position.
impl<T> Deref for Slots<T> {
    type Target = [T];
    fn deref(&self) -> &[T] {
        &self.items
    }
}

impl<T> DerefMut for Slots<T> {
    fn deref_mut(&mut self) -> &mut [T] {
        &mut self.items
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_released_position_is_taken_by_the_next_insert_and_the_others_stay() {
        let mut s = Slots::default();
        let (a, b, c) = (s.insert('a'), s.insert('b'), s.insert('c'));
        assert_eq!((a, b, c), (0, 1, 2));
        s.release(b);
        assert_eq!(s.insert('d'), 1);
        assert_eq!(&s[..], &['a', 'd', 'c']);
        assert_eq!(s.insert('e'), 3, "no position free: the end");
    }
}
