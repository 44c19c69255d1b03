//! The one sort of the crate (and of the wasm bindings): by a string key, in
//! UTF-8 byte order, stable.
//!
//! Every sort in core orders paths or JSON keys by their bytes. Sorting them
//! all through one `(&str, index)` sort keeps a single instance of std's sort
//! in the wasm package instead of one per element type and comparator (about
//! 10 KB less after wasm-opt), and applying its result as swaps keeps the
//! part compiled per element type to a loop. The order is the one `sort_by`
//! on the key gives (ties keep their input order), which is also a valid
//! result of `sort_unstable_by` and `sort` wherever those were used before.

use crate::prelude::*;

/// Sorts `items` by `key` (byte order of the string), stably.
pub fn sort_by_str<T>(items: &mut [T], key: impl Fn(&T) -> &str) {
    if items.len() < 2 {
        return;
    }
    let keys: Vec<&str> = items.iter().map(key).collect();
    // The generic part is only this loop: each instance costs the browser
    // package a few dozen bytes, not a copy of the sort.
    for (a, b) in sorting_swaps(keys) {
        items.swap(a, b);
    }
}

/// The swaps that put items with these `keys` in sorted order (equal keys by
/// index). Not generic, so it is compiled once.
fn sorting_swaps(keys: Vec<&str>) -> Vec<(usize, usize)> {
    let mut pairs: Vec<(&str, usize)> = keys.into_iter().zip(0..).collect();
    pairs.sort_unstable();
    // Position `i` must receive the item that started at `pairs[i].1`.
    let n = pairs.len();
    let mut item_at: Vec<usize> = (0..n).collect();
    let mut position_of: Vec<usize> = (0..n).collect();
    let mut swaps = Vec::new();
    for (i, &(_, wanted)) in pairs.iter().enumerate() {
        let from = position_of[wanted];
        if from != i {
            swaps.push((i, from));
            let displaced = item_at[i];
            item_at.swap(i, from);
            position_of[wanted] = i;
            position_of[displaced] = from;
        }
    }
    swaps
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn sorts_by_bytes_and_keeps_ties_in_order() {
        let mut v = vec![
            ("b", 1),
            ("a", 2),
            ("é", 3),
            ("B", 4),
            ("a", 5),
            ("", 6),
            ("a/b", 7),
            ("a-b", 8),
        ];
        sort_by_str(&mut v, |x| x.0);
        assert_eq!(
            v,
            [
                ("", 6),
                ("B", 4),
                ("a", 2),
                ("a", 5),
                ("a-b", 8),
                ("a/b", 7),
                ("b", 1),
                ("é", 3)
            ]
        );
        let mut empty: Vec<String> = Vec::new();
        sort_by_str(&mut empty, String::as_str);
        assert!(empty.is_empty());
    }

    proptest! {
        /// The same result as std's stable sort on the key.
        #[test]
        fn equals_std_stable_sort(v in proptest::collection::vec(("[a-c/é.]{0,4}", 0u8..4), 0..40)) {
            let mut ours = v.clone();
            sort_by_str(&mut ours, |x| x.0.as_str());
            let mut std_sorted = v;
            std_sorted.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
            prop_assert_eq!(ours, std_sorted);
        }
    }
}
