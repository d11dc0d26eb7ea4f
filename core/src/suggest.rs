//! "Did you mean": the known code closest to an unknown one, for the
//! `closest_key(table, text)` helper that rules put in their input errors
//! (`unknown sector "metalurgy"; did you mean "metallurgy"?`).

/// The key among `keys` nearest to `text` by edit distance (characters
/// inserted, deleted, replaced or two neighbours swapped; ASCII case
/// ignored), if one is near enough to be a slip of the hand: at
/// most a third of the longer text's length, and at least one edit allowed.
/// Ties go to the key first in text order, so every path answers alike.
///
/// ```
/// use hazard_rules::suggest::closest;
///
/// let keys = ["metallurgy", "machinery", "light_industry"];
/// assert_eq!(closest("metalurgy", keys), Some("metallurgy"));
/// assert_eq!(closest("Machinery", keys), Some("machinery"));
/// assert_eq!(closest("zombies", keys), None);
/// ```
pub fn closest<'a>(text: &str, keys: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    /// Longer texts are not codes; comparing them costs time for nothing.
    const LONGEST: usize = 64;
    if text.is_empty() || text.len() > LONGEST {
        return None;
    }
    let text = text.to_ascii_lowercase();
    let n = text.chars().count();
    keys.into_iter()
        .filter(|k| k.len() <= LONGEST)
        .filter_map(|k| {
            let d = strsim::osa_distance(&text, &k.to_ascii_lowercase());
            let allowed = (n.max(k.chars().count()) / 3).max(1);
            (d <= allowed).then_some((d, k))
        })
        .min()
        .map(|(_, k)| k)
}

#[cfg(test)]
mod tests {
    use super::closest;

    #[test]
    fn near_keys_are_found_and_far_ones_are_not() {
        let keys = ["red", "orange", "yellow", "blue"];
        assert_eq!(closest("rde", keys), Some("red"));
        assert_eq!(closest("yelow", keys), Some("yellow"));
        assert_eq!(closest("purple", keys), None);
        assert_eq!(closest("", keys), None);
        // Ties go to the first key in text order, whatever the order given.
        assert_eq!(closest("ab", ["ac", "aa"]), Some("aa"));
        assert_eq!(closest("ab", ["aa", "ac"]), Some("aa"));
    }
}
