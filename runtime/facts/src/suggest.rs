//! "did you mean ...?": the closest name by edit distance. One rule for the audit's suggestions
//! and the run-time `does not understand` of every backend (the C runtime has the same algorithm
//! in `runtime/rt/suggest.c`).

/// Edit distance over characters where an insertion, a deletion, a substitution or a swap of two
/// neighbouring characters costs one (optimal string alignment): `lgo` is one edit from `log`.
pub fn distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let width = b.len() + 1;
    let mut d = vec![0usize; (a.len() + 1) * width];
    for (i, cell) in d.iter_mut().step_by(width).enumerate() {
        *cell = i;
    }
    for (j, cell) in d.iter_mut().take(width).enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (d[(i - 1) * width + j] + 1)
                .min(d[i * width + j - 1] + 1)
                .min(d[(i - 1) * width + j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(d[(i - 2) * width + j - 2] + 1);
            }
            d[i * width + j] = best;
        }
    }
    d[a.len() * width + b.len()]
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
        assert_eq!(distance("count", "cuont"), 1);
        assert_eq!(distance("lgo", "log"), 1);
        assert_eq!(distance("", "ab"), 2);
        assert_eq!(distance("kitten", "sitting"), 3);
        assert_eq!(distance("é", "e"), 1);
    }

    #[test]
    fn closest_prefers_the_nearest_then_the_first() {
        assert_eq!(
            closest("cuont", ["count", "amount"]),
            Some("count".to_string())
        );
        assert_eq!(
            closest("prnt", ["print", "pront"]),
            Some("print".to_string())
        );
        assert_eq!(closest("x", ["y"]), None);
        assert_eq!(closest("total", ["zebra"]), None);
    }
}
