//! PHP's natural string order (`strnatcmp`), which the platform sorts signed
//! parameters by: runs of digits compare as numbers (`errors:9` < `errors:10`), other
//! bytes compare as bytes, so upper case sorts before lower case (`AuthCode` <
//! `account`).

use std::cmp::Ordering;

/// Compares `a` and `b` as PHP's `strnatcmp` does (a port of `strnatcmp_ex` with case
/// folding off), with plain byte order breaking the rare ties (`"01"` and `"1"` are
/// equal to PHP), so sorting is deterministic.
pub fn natural_cmp(a: &str, b: &str) -> Ordering {
    strnatcmp(a.as_bytes(), b.as_bytes()).then_with(|| a.cmp(b))
}

/// Sorts `items` by `key` as [`natural_cmp`] orders them. Between keys without digits
/// or white space (the usual signed path, `payment:status`) that order is byte order,
/// so when every key is such, the sort compares bytes only.
pub fn sort_naturally<T>(items: &mut [T], key: impl Fn(&T) -> &str) {
    if items.iter().all(|item| is_plain(key(item))) {
        items.sort_by(|a, b| key(a).cmp(key(b)));
    } else {
        items.sort_by(|a, b| natural_cmp(key(a), key(b)));
    }
}

/// Whether `s` lacks digits and white space, the only bytes `strnatcmp` treats apart.
fn is_plain(s: &str) -> bool {
    !s.bytes().any(|c| c.is_ascii_digit() || is_space(c))
}

fn strnatcmp(a: &[u8], b: &[u8]) -> Ordering {
    if a.is_empty() || b.is_empty() {
        return a.len().cmp(&b.len());
    }
    // Bytes past the end read as 0, as PHP's NUL-terminated strings do.
    let at = |s: &[u8], i: usize| s.get(i).copied().unwrap_or(0);
    let (mut ai, mut bi) = (0usize, 0usize);
    let mut leading = true;
    loop {
        let (mut ca, mut cb) = (at(a, ai), at(b, bi));
        if leading {
            while ca == b'0' && ai + 1 < a.len() && at(a, ai + 1).is_ascii_digit() {
                ai += 1;
                ca = at(a, ai);
            }
            while cb == b'0' && bi + 1 < b.len() && at(b, bi + 1).is_ascii_digit() {
                bi += 1;
                cb = at(b, bi);
            }
            leading = false;
        }
        while is_space(ca) {
            ai += 1;
            ca = at(a, ai);
        }
        while is_space(cb) {
            bi += 1;
            cb = at(b, bi);
        }
        if ca.is_ascii_digit() && cb.is_ascii_digit() {
            let fractional = ca == b'0' || cb == b'0';
            let result = if fractional {
                compare_left(a, &mut ai, b, &mut bi)
            } else {
                compare_right(a, &mut ai, b, &mut bi)
            };
            if result != Ordering::Equal {
                return result;
            }
            match (ai == a.len(), bi == b.len()) {
                (true, true) => return Ordering::Equal,
                (true, false) => return Ordering::Less,
                (false, true) => return Ordering::Greater,
                (false, false) => {
                    ca = at(a, ai);
                    cb = at(b, bi);
                }
            }
        }
        match ca.cmp(&cb) {
            Ordering::Equal => {}
            unequal => return unequal,
        }
        ai += 1;
        bi += 1;
        match (ai >= a.len(), bi >= b.len()) {
            (true, true) => return Ordering::Equal,
            (true, false) => return Ordering::Less,
            (false, true) => return Ordering::Greater,
            (false, false) => {}
        }
    }
}

fn is_space(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\n' | b'\x0b' | b'\x0c' | b'\r')
}

fn digit_at(s: &[u8], i: usize) -> bool {
    s.get(i).is_some_and(u8::is_ascii_digit)
}

/// Two right-aligned integers: the longer run wins; at equal length the first
/// differing digit decides.
fn compare_right(a: &[u8], ai: &mut usize, b: &[u8], bi: &mut usize) -> Ordering {
    let mut bias = Ordering::Equal;
    loop {
        match (digit_at(a, *ai), digit_at(b, *bi)) {
            (false, false) => return bias,
            (false, true) => return Ordering::Less,
            (true, false) => return Ordering::Greater,
            (true, true) => {
                if bias == Ordering::Equal {
                    bias = a[*ai].cmp(&b[*bi]);
                }
            }
        }
        *ai += 1;
        *bi += 1;
    }
}

/// Two left-aligned digit runs (one starts with `0`): the first differing digit wins.
fn compare_left(a: &[u8], ai: &mut usize, b: &[u8], bi: &mut usize) -> Ordering {
    loop {
        match (digit_at(a, *ai), digit_at(b, *bi)) {
            (false, false) => return Ordering::Equal,
            (false, true) => return Ordering::Less,
            (true, false) => return Ordering::Greater,
            (true, true) => match a[*ai].cmp(&b[*bi]) {
                Ordering::Equal => {}
                unequal => return unequal,
            },
        }
        *ai += 1;
        *bi += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sorted(words: &[&str]) -> Vec<String> {
        let mut words: Vec<String> = words.iter().map(|w| w.to_string()).collect();
        words.sort_by(|a, b| natural_cmp(a, b));
        words
    }

    #[test]
    fn digit_runs_compare_as_numbers() {
        assert_eq!(
            sorted(&[
                "errors:10",
                "errors:9",
                "errors:1",
                "errors:100",
                "errors:2"
            ]),
            [
                "errors:1",
                "errors:2",
                "errors:9",
                "errors:10",
                "errors:100"
            ]
        );
        assert_eq!(
            sorted(&["img12", "img10", "img2", "img1"]),
            ["img1", "img2", "img10", "img12"]
        );
    }

    #[test]
    fn bytes_compare_case_sensitively() {
        assert_eq!(
            sorted(&["account", "AuthCode", "acs"]),
            ["AuthCode", "account", "acs"]
        );
        assert_eq!(sorted(&["a:b", "a0"]), ["a0", "a:b"]);
    }

    #[test]
    fn leading_zeros_compare_as_fractions_like_php() {
        // PHP: strnatcmp("x01", "x1") < 0 and strnatcmp("x01", "x02") < 0.
        assert_eq!(natural_cmp("x01", "x1"), Ordering::Less);
        assert_eq!(natural_cmp("x01", "x02"), Ordering::Less);
        assert_eq!(natural_cmp("x010", "x01"), Ordering::Greater);
    }

    proptest::proptest! {
        #[test]
        fn sorting_naturally_is_sorting_by_natural_cmp(
            mixed in proptest::collection::vec("[aAbz0-9 :_\\x00.]{0,6}", 0..12),
            plain in proptest::collection::vec("[aAbz:_\\x00.]{0,6}", 0..12),
        ) {
            for mut keys in [mixed, plain] {
                let mut expected = keys.clone();
                expected.sort_by(|a, b| natural_cmp(a, b));
                sort_naturally(&mut keys, String::as_str);
                proptest::prop_assert_eq!(keys, expected);
            }
        }
    }

    #[test]
    fn ties_php_calls_equal_still_order_deterministically() {
        assert_eq!(strnatcmp(b"01", b"1"), Ordering::Equal);
        assert_eq!(natural_cmp("01", "1"), Ordering::Less);
        assert_eq!(natural_cmp("", "a"), Ordering::Less);
        assert_eq!(natural_cmp("same", "same"), Ordering::Equal);
    }
}
