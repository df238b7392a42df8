//! Identifiers nobody can guess that sort by when they were made: a 48-bit Unix
//! millisecond timestamp followed by 80 random bits from the operating system (UUIDv7
//! has 74). An id therefore tells its holder when its row was created, and nothing more.
//!
//! The time prefix is for the database. New ids sort after older ones, so a new row
//! lands at the end of each index keyed by id instead of at a random page; after a
//! checkpoint PostgreSQL copies every page the first time it changes, and with random
//! ids that was a page of each such index per row.

use std::time::{SystemTime, UNIX_EPOCH};

/// A new id `prefix_` followed by 26 lower-case base32 characters: 48 bits of the
/// current Unix time in milliseconds, then 80 random bits. Ids with the same prefix sort
/// as text (bytewise) in the order of their milliseconds.
pub fn new_id(prefix: &str) -> String {
    let millis = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |since| since.as_millis());
    id_at(prefix, millis)
}

/// The id `new_id` makes at `millis` after the Unix epoch.
fn id_at(prefix: &str, millis: u128) -> String {
    let mut bytes = [0u8; 16];
    // 48 bits last until the year 10889; the mask keeps the layout should a clock say later.
    let time = (millis & 0xffff_ffff_ffff) as u64;
    bytes[..6].copy_from_slice(&time.to_be_bytes()[2..]);
    // The OS random source failing is not something a payment server can work around.
    if let Err(error) = getrandom::fill(&mut bytes[6..]) {
        panic!("the operating system's random source failed: {error}");
    }
    format!("{prefix}_{}", base32(&bytes))
}

/// Base32 without padding (RFC 4648's bit layout) with the alphabet in ASCII order, so
/// that comparing two encodings of the same length as text compares the bytes.
fn base32(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 32] = b"234567abcdefghijklmnopqrstuvwxyz";
    let mut out = String::with_capacity((bytes.len() * 8).div_ceil(5));
    let (mut buffer, mut bits) = (0u32, 0u32);
    for &byte in bytes {
        buffer = (buffer << 8) | u32::from(byte);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(ALPHABET[((buffer >> bits) & 31) as usize] as char);
        }
    }
    if bits > 0 {
        out.push(ALPHABET[((buffer << (5 - bits)) & 31) as usize] as char);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_prefixed_distinct_and_url_safe() {
        let a = new_id("pay");
        let b = new_id("pay");
        assert_ne!(a, b);
        assert_eq!(a.len(), "pay_".len() + 26);
        assert!(
            a[4..]
                .bytes()
                .all(|c| c.is_ascii_lowercase() || (b'2'..=b'7').contains(&c))
        );
    }

    #[test]
    fn ids_sort_by_their_millisecond() {
        let now = 1_795_000_000_000;
        let earlier = id_at("pay", now);
        let later = id_at("pay", now + 1);
        assert!(earlier < later, "{earlier} < {later}");
        assert!(id_at("pay", now + 1) < id_at("pay", now + 2));
        // A whole day later sorts later whatever the random bits are.
        assert!(later < id_at("pay", now + 86_400_000));
    }

    #[test]
    fn ids_of_one_millisecond_share_the_time_and_differ_in_the_rest() {
        let now = 1_795_000_000_000;
        let (a, b) = (id_at("pay", now), id_at("pay", now));
        // The first 9 characters carry 45 of the 48 time bits; the random 80 follow.
        assert_eq!(a[..4 + 9], b[..4 + 9]);
        assert_ne!(a, b);
    }

    #[test]
    fn new_ids_carry_the_current_time() {
        let before = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_millis();
        let id = new_id("pay");
        assert!(id_at("pay", before)[..4 + 9] <= id[..4 + 9]);
        assert!(id < id_at("pay", before + 60_000));
    }

    #[test]
    fn base32_has_rfc_4648_bit_layout_in_ascii_order() {
        // RFC 4648's "mzxw6ytboi" for "foobar", each letter mapped to this alphabet.
        assert_eq!(base32(b"foobar"), "gtrqysn3ic");
        assert_eq!(base32(b"f"), "gs");
        assert_eq!(base32(b""), "");
        assert!(base32(&[0x00]) < base32(&[0x01]) && base32(&[0x7f]) < base32(&[0x80]));
    }
}
