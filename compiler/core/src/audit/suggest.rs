//! "did you mean ...?": the closest name by edit distance.

/// Levenshtein distance over characters.
pub fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let above = row[j + 1];
            let cost = usize::from(ca != *cb);
            row[j + 1] = (above + 1).min(row[j] + 1).min(diagonal + cost);
            diagonal = above;
        }
    }
    row[b.len()]
}

/// The candidate closest to `name`, if it is close enough to be a likely typo: at most one edit
/// per three characters (at least one edit), and not the name itself. Ties go to the earliest
/// candidate, so callers list the innermost names first.
pub fn closest<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<String> {
    let len = name.chars().count();
    if len == 0 || len > 64 {
        return None;
    }
    let limit = (len / 3).max(1);
    let mut best: Option<(usize, &str)> = None;
    for candidate in candidates {
        if candidate == name || candidate.is_empty() {
            continue;
        }
        // Cheap length filter before the quadratic distance.
        if candidate.chars().count().abs_diff(len) > limit {
            continue;
        }
        let d = distance(name, candidate);
        if d <= limit && d < len && best.is_none_or(|(b, _)| d < b) {
            best = Some((d, candidate));
        }
    }
    best.map(|(_, s)| s.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distances() {
        assert_eq!(distance("count", "cuont"), 2);
        assert_eq!(distance("", "ab"), 2);
        assert_eq!(distance("kitten", "sitting"), 3);
        assert_eq!(distance("é", "e"), 1);
    }

    #[test]
    fn closest_prefers_the_nearest_then_the_first() {
        assert_eq!(closest("cuont", ["count", "amount"]), Some("count".to_string()));
        assert_eq!(closest("prnt", ["print", "pront"]), Some("print".to_string()));
        assert_eq!(closest("x", ["y"]), None);
        assert_eq!(closest("total", ["zebra"]), None);
    }
}
