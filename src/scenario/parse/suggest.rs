//! "Did you mean …?" for misspelled keys and values.

/// The closest candidate to `word`, if one is close enough to be a likely typo.
///
/// Matches, in order of preference: the same word up to case, `-` and `_`
/// (`sendMessage`, `send-message`); a small edit distance (`sned`, `recv_mesage`);
/// an abbreviation whose letters appear in order in exactly one candidate (`recv_msg`).
pub(super) fn closest<'c>(word: &str, candidates: &[&'c str]) -> Option<&'c str> {
    if word.is_empty() || word.len() > 64 {
        return None;
    }
    let norm = normalize(word);
    if let Some(c) = candidates.iter().find(|c| normalize(c) == norm) {
        return Some(c);
    }
    let limit = match word.chars().count() {
        0..=3 => 1,
        4..=8 => 2,
        _ => 3,
    };
    let best = candidates
        .iter()
        .map(|c| (distance(&norm, &normalize(c)), *c))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, _)| *d);
    if let Some((_, c)) = best {
        return Some(c);
    }
    if norm.chars().count() >= 4 {
        let mut subsequences = candidates
            .iter()
            .filter(|c| is_subsequence(&norm, &normalize(c)));
        if let (Some(c), None) = (subsequences.next(), subsequences.next()) {
            return Some(c);
        }
    }
    None
}

/// `en` or `zh` for the usual other names of English and Chinese (`cn`, `zh-CN`, …).
pub(super) fn language(word: &str) -> Option<&'static str> {
    let w = normalize(word);
    if [
        "cn", "ch", "chs", "cht", "chinese", "zhcn", "zhhans", "zhtw", "zhhant", "zhong",
        "zhongwen", "中文",
    ]
    .contains(&w.as_str())
    {
        Some("zh")
    } else if ["eng", "english", "enus", "engb", "英文"].contains(&w.as_str()) {
        Some("en")
    } else {
        None
    }
}

fn normalize(s: &str) -> String {
    s.chars()
        .filter(|c| *c != '_' && *c != '-')
        .flat_map(char::to_lowercase)
        .collect()
}

/// Optimal-string-alignment distance (Levenshtein plus swaps of neighbours).
fn distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let w = b.len() + 1;
    let mut d = vec![0usize; (a.len() + 1) * w];
    for i in 0..=a.len() {
        d[i * w] = i;
    }
    for (j, cell) in d.iter_mut().enumerate().take(w) {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut v = (d[(i - 1) * w + j] + 1)
                .min(d[i * w + j - 1] + 1)
                .min(d[(i - 1) * w + j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                v = v.min(d[(i - 2) * w + j - 2] + 1);
            }
            d[i * w + j] = v;
        }
    }
    d[a.len() * w + b.len()]
}

fn is_subsequence(short: &str, long: &str) -> bool {
    let mut it = long.chars();
    short.chars().all(|c| it.any(|l| l == c))
}

#[cfg(test)]
mod tests {
    use super::closest;
    use crate::scenario::parse::keys::Place;

    #[test]
    fn typos() {
        // The keys a `[[client]]` / `[[server]]` entry may have.
        let keys = Place::Entry.keys();
        #[allow(non_snake_case)]
        let KEYS = keys.as_slice();
        assert_eq!(closest("sned", KEYS), Some("send"));
        assert_eq!(closest("send_mesage", KEYS), Some("send_message"));
        assert_eq!(closest("sendMessage", KEYS), Some("send_message"));
        assert_eq!(closest("recv-message", KEYS), Some("recv_message"));
        assert_eq!(closest("recv_msg", KEYS), Some("recv_message"));
        assert_eq!(closest("sleep", KEYS), Some("sleep_ms"));
        assert_eq!(closest("repaet", KEYS), Some("repeat"));
        assert_eq!(closest("banana", KEYS), None);
        assert_eq!(closest("", KEYS), None);
        assert_eq!(super::language("cn"), Some("zh"));
        assert_eq!(super::language("zh-CN"), Some("zh"));
        assert_eq!(super::language("English"), Some("en"));
    }
}
