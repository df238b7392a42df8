//! Rows kept in memory for a while once this instance has written or read them, by id.
//! An entry goes [`RecentRows::new`]'s `keep_for` after it was first kept, or earlier,
//! oldest first, once `capacity` are kept: memory follows the rate of new rows, not
//! their total.
//!
//! Orders never change, so a kept order is as good as its row, whichever instance wrote
//! it. Payments change (and another instance may change them), so a kept payment is
//! only a first guess that a compare-and-set on its version checks
//! ([`Store::record`](super::Store)). A row that is not found is not remembered (another
//! instance may write it).

use super::group_read::ById;
use super::{Order, Payment};
use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

/// How long an order is kept: a customer usually opens the checkout within minutes of
/// the merchant creating the order.
const ORDERS_KEEP_FOR: Duration = Duration::from_secs(300);
/// The most orders kept: about 350 bytes each (`make soak`, 100 orders a second: the
/// 30,000 kept added about 10 MiB).
const ORDERS_CAPACITY: usize = 65_536;
/// How long a payment is kept: its callback usually comes within minutes of the
/// customer opening the checkout.
const PAYMENTS_KEEP_FOR: Duration = Duration::from_secs(600);
/// The most payments kept: about 1.6 KB each with their Payment Page redirect (`make
/// soak`, 100 payments a second: the last 2,768 kept added 4.3 MiB, see RELIABILITY.md).
const PAYMENTS_CAPACITY: usize = 32_768;

/// The rows seen in the last `keep_for`, by id.
#[derive(Debug)]
pub(super) struct RecentRows<T> {
    keep_for: Duration,
    capacity: usize,
    kept: Mutex<Kept<T>>,
}

/// A kept row and when it was first kept. The row is boxed: the table has room for up
/// to twice as many entries as it holds, and a payment inline is hundreds of bytes.
type Entry<T> = (Instant, Box<T>);

/// The cache's contents, and the order they came in.
#[derive(Debug)]
struct Kept<T> {
    /// Each row with when it was first kept.
    rows: HashMap<Arc<str>, Entry<T>>,
    /// The ids of `rows`, oldest first.
    oldest_first: VecDeque<Arc<str>>,
}

impl<T> Default for Kept<T> {
    fn default() -> Self {
        Kept {
            rows: HashMap::new(),
            oldest_first: VecDeque::new(),
        }
    }
}

impl<T> Kept<T> {
    /// Drops the entry kept first; `false` if there is none.
    fn drop_oldest(&mut self) -> bool {
        let Some(oldest) = self.oldest_first.pop_front() else {
            return false;
        };
        self.rows.remove(&oldest);
        true
    }
}

impl Default for RecentRows<Order> {
    fn default() -> Self {
        RecentRows::new(ORDERS_KEEP_FOR, ORDERS_CAPACITY)
    }
}

impl Default for RecentRows<Payment> {
    fn default() -> Self {
        RecentRows::new(PAYMENTS_KEEP_FOR, PAYMENTS_CAPACITY)
    }
}

impl<T: ById> RecentRows<T> {
    /// An empty cache that keeps rows for `keep_for`, at most `capacity` (at least one)
    /// at a time.
    fn new(keep_for: Duration, capacity: usize) -> RecentRows<T> {
        RecentRows {
            keep_for,
            capacity: capacity.max(1),
            kept: Mutex::default(),
        }
    }

    /// The row `id`, if it was first kept less than `keep_for` ago.
    pub(super) fn get(&self, id: &str) -> Option<T> {
        self.get_at(id, Instant::now())
    }

    /// Keeps `row` from now on, or in place of the copy already kept (which keeps its
    /// age).
    pub(super) fn keep(&self, row: &T) {
        self.keep_at(row, Instant::now());
    }

    fn get_at(&self, id: &str, now: Instant) -> Option<T> {
        let kept = self.lock();
        // Entries go only when another is kept: one too old is not answered.
        let (at, row) = kept.rows.get(id)?;
        (now.duration_since(*at) < self.keep_for).then(|| T::clone(row))
    }

    fn keep_at(&self, row: &T, now: Instant) {
        let mut kept = self.lock();
        // Kept in turn, so the expired ones are in front.
        let oldest_expired = |kept: &Kept<T>| {
            let oldest = kept.oldest_first.front().and_then(|id| kept.rows.get(id));
            oldest.is_some_and(|(at, _)| now.duration_since(*at) >= self.keep_for)
        };
        while oldest_expired(&kept) {
            kept.drop_oldest();
        }
        if let Some((_, copy)) = kept.rows.get_mut(row.id()) {
            **copy = row.clone();
            return;
        }
        while kept.rows.len() >= self.capacity && kept.drop_oldest() {}
        let id: Arc<str> = Arc::from(row.id());
        kept.oldest_first.push_back(id.clone());
        kept.rows.insert(id, (now, Box::new(row.clone())));
    }

    /// The contents. A panic elsewhere while the lock was held cannot leave them half
    /// changed (each change is one insert, replace or remove), so a poisoned lock is
    /// still used.
    fn lock(&self) -> MutexGuard<'_, Kept<T>> {
        self.kept.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use doku_protocol::{Currency, OrderAmount};

    fn order(id: &str) -> Order {
        Order {
            id: id.into(),
            amount: OrderAmount {
                minor: 15_000_000,
                currency: Currency::IDR,
            },
            description: format!("Order {id}"),
            customer_id: None,
            created_at: 1,
        }
    }

    #[test]
    fn an_entry_is_a_few_words_however_large_its_row() {
        // 464 bytes a payment inline: most of them in empty slots of the table.
        assert!(size_of::<Payment>() > 400);
        assert!(size_of::<Entry<Payment>>() <= 24);
        assert!(size_of::<Entry<Order>>() <= 24);
    }

    #[test]
    fn a_full_cache_drops_its_oldest_order_first() {
        let cache = RecentRows::new(Duration::from_secs(300), 2);
        let now = Instant::now();
        cache.keep_at(&order("ord_a"), now);
        cache.keep_at(&order("ord_b"), now);
        // Kept again: no second entry, and no change of age.
        cache.keep_at(&order("ord_a"), now);
        cache.keep_at(&order("ord_c"), now);
        assert_eq!(cache.get_at("ord_a", now), None);
        assert_eq!(cache.get_at("ord_b", now), Some(order("ord_b")));
        assert_eq!(cache.get_at("ord_c", now), Some(order("ord_c")));
        assert_eq!(cache.lock().oldest_first.len(), 2);
        assert_eq!(cache.get_at("ord_unknown", now), None);
    }

    #[test]
    fn an_order_is_kept_for_a_while_and_kept_again_when_read_again() {
        let cache = RecentRows::new(Duration::from_secs(300), 100);
        let start = Instant::now();
        let later = |seconds| start + Duration::from_secs(seconds);
        cache.keep_at(&order("ord_a"), start);
        cache.keep_at(&order("ord_b"), later(100));
        assert_eq!(cache.get_at("ord_a", later(299)), Some(order("ord_a")));
        // Too old: not answered, though still there until something else is kept.
        assert_eq!(cache.get_at("ord_a", later(300)), None);
        // Read again from the database and kept: the old entry goes, the new one stays.
        cache.keep_at(&order("ord_a"), later(301));
        assert_eq!(cache.get_at("ord_a", later(500)), Some(order("ord_a")));
        // Keeping drops what has expired: ord_b (kept at 100) is gone at 400.
        cache.keep_at(&order("ord_c"), later(400));
        assert_eq!(cache.lock().oldest_first.len(), 2);
        assert_eq!(cache.get_at("ord_b", later(400)), None);
    }

    #[test]
    fn a_row_kept_again_replaces_its_copy_and_keeps_its_age() {
        let cache = RecentRows::new(Duration::from_secs(300), 100);
        let start = Instant::now();
        cache.keep_at(&order("ord_a"), start);
        let mut changed = order("ord_a");
        changed.description = "Changed".into();
        cache.keep_at(&changed, start + Duration::from_secs(200));
        assert_eq!(
            cache.get_at("ord_a", start + Duration::from_secs(299)),
            Some(changed)
        );
        assert_eq!(
            cache.get_at("ord_a", start + Duration::from_secs(300)),
            None
        );
        assert_eq!(cache.lock().oldest_first.len(), 1);
    }
}
