//! Identifiers the platform and DOKU hand out: operation ids, request ids, session
//! tokens. Unique per sandbox run and hard to guess (seeded from the OS), not secret.

use sha1::{Digest, Sha1};
use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

/// Operation ids start above this, like the platform's 13-digit ones.
const OPERATION_BASE: u64 = 1_000_000_000_000;
/// Room for a random offset below the 14th digit.
const OPERATION_SPREAD: u64 = 8_000_000_000_000;

/// A source of fresh identifiers.
#[derive(Debug)]
pub struct Ids {
    seed: [u8; 16],
    counter: AtomicU64,
    operation_start: u64,
}

impl Ids {
    /// A source seeded from the OS (or, if that fails, from the clock and process id).
    pub fn new() -> Ids {
        let mut seed = [0u8; 16];
        if getrandom::fill(&mut seed).is_err() {
            let nanos = SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map(|elapsed| elapsed.as_nanos())
                .unwrap_or_default();
            seed[..8].copy_from_slice(&(nanos as u64).to_le_bytes());
            seed[8..12].copy_from_slice(&std::process::id().to_le_bytes());
        }
        let mut start = [0u8; 8];
        start.copy_from_slice(&seed[..8]);
        Ids {
            seed,
            counter: AtomicU64::new(0),
            operation_start: OPERATION_BASE + u64::from_le_bytes(start) % OPERATION_SPREAD,
        }
    }

    fn next(&self) -> u64 {
        self.counter.fetch_add(1, Ordering::Relaxed)
    }

    /// `len` lower-case hex digits (at most 40), never repeated in this run.
    pub fn hex(&self, len: usize) -> String {
        let mut hasher = Sha1::new();
        hasher.update(self.seed);
        hasher.update(self.next().to_le_bytes());
        let mut hex = hex(&hasher.finalize());
        hex.truncate(len);
        hex
    }

    /// A fresh numeric operation id (13 digits).
    pub fn operation_id(&self) -> u64 {
        self.operation_start + self.next()
    }
}

/// Lower-case hex of `bytes`.
pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().fold(String::new(), |mut hex, byte| {
        let _ = write!(hex, "{byte:02x}");
        hex
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn ids_are_fresh_and_well_formed() {
        let ids = Ids::new();
        let tokens: HashSet<String> = (0..200).map(|_| ids.hex(16)).collect();
        assert_eq!(tokens.len(), 200);
        assert!(
            tokens
                .iter()
                .all(|t| t.len() == 16 && t.bytes().all(|b| b.is_ascii_hexdigit()))
        );
        assert_eq!(ids.hex(40).len(), 40);
        let (a, b) = (ids.operation_id(), ids.operation_id());
        assert_ne!(a, b);
        assert_eq!(a.to_string().len(), 13);
    }
}
