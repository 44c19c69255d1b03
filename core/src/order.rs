//! The one sort of the crate (and of the wasm bindings): by a string key, in
//! UTF-8 byte order, stable.
//!
//! Every sort in core orders paths or JSON keys by their bytes. Sorting them
//! all through one `(&str, index)` sort keeps a single instance of std's sort
//! in the wasm package instead of one per element type and comparator (about
//! 10 KB less after wasm-opt). The order is the one `sort_by` on the key
//! gives (ties keep their input order), which is also a valid result of
//! `sort_unstable_by` and `sort` wherever those were used before.

use crate::prelude::*;

/// Sorts `items` by `key` (byte order of the string), stably.
pub fn sort_by_str<T>(items: &mut Vec<T>, key: impl Fn(&T) -> &str) {
    if items.len() < 2 {
        return;
    }
    let order = sorted_indices(items.iter().map(key).collect());
    let mut slots: Vec<Option<T>> = core::mem::take(items).into_iter().map(Some).collect();
    // `order` is a permutation, so every slot is taken exactly once.
    items.extend(order.into_iter().filter_map(|i| slots[i].take()));
}

/// The indices of `keys` in sorted order; equal keys by index. Not generic,
/// so it is compiled once.
fn sorted_indices(keys: Vec<&str>) -> Vec<usize> {
    let mut pairs: Vec<(&str, usize)> = keys.into_iter().zip(0..).collect();
    pairs.sort_unstable();
    pairs.into_iter().map(|(_, i)| i).collect()
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
