//! Orders kept in memory for a while once this instance has written or read them. An
//! order never changes and is never deleted, so the copy is as good as the row,
//! whichever instance wrote it: a checkout opened soon after its order was created (or
//! looked at) skips the database's read. An order that is not found is not remembered
//! (another instance may create it). Entries go after [`KEEP_FOR`], or earlier, oldest
//! first, once [`CAPACITY`] are kept; memory follows the rate of new orders, not their
//! total.

use super::Order;
use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

/// How long an order is kept: a customer usually opens the checkout within minutes of
/// the merchant creating the order.
const KEEP_FOR: Duration = Duration::from_secs(300);
/// The most orders kept: about 350 bytes each (`make soak`, 100 orders a second: the
/// 30,000 kept added about 10 MiB).
const CAPACITY: usize = 65_536;

/// The orders seen in the last [`KEEP_FOR`], by id.
#[derive(Debug)]
pub(super) struct OrderCache {
    keep_for: Duration,
    capacity: usize,
    kept: Mutex<Kept>,
}

/// The cache's contents, and the order they came in.
#[derive(Debug, Default)]
struct Kept {
    /// Each order with when it was kept.
    orders: HashMap<Arc<str>, (Instant, Order)>,
    /// The ids of `orders`, oldest first.
    oldest_first: VecDeque<Arc<str>>,
}

impl Kept {
    /// Drops the entry kept first; `false` if there is none.
    fn drop_oldest(&mut self) -> bool {
        let Some(oldest) = self.oldest_first.pop_front() else {
            return false;
        };
        self.orders.remove(&oldest);
        true
    }
}

impl Default for OrderCache {
    fn default() -> Self {
        OrderCache::new(KEEP_FOR, CAPACITY)
    }
}

impl OrderCache {
    /// An empty cache that keeps orders for `keep_for`, at most `capacity` (at least
    /// one) at a time.
    fn new(keep_for: Duration, capacity: usize) -> OrderCache {
        OrderCache {
            keep_for,
            capacity: capacity.max(1),
            kept: Mutex::default(),
        }
    }

    /// The order `id`, if it was kept less than [`KEEP_FOR`] ago.
    pub(super) fn get(&self, id: &str) -> Option<Order> {
        self.get_at(id, Instant::now())
    }

    /// Keeps `order` from now on.
    pub(super) fn keep(&self, order: &Order) {
        self.keep_at(order, Instant::now());
    }

    fn get_at(&self, id: &str, now: Instant) -> Option<Order> {
        let kept = self.lock();
        // Entries go only when another is kept: one too old is not answered.
        let (at, order) = kept.orders.get(id)?;
        (now.duration_since(*at) < self.keep_for).then(|| order.clone())
    }

    fn keep_at(&self, order: &Order, now: Instant) {
        let mut kept = self.lock();
        // Kept in turn, so the expired ones are in front.
        let oldest_expired = |kept: &Kept| {
            let oldest = kept.oldest_first.front().and_then(|id| kept.orders.get(id));
            oldest.is_some_and(|(at, _)| now.duration_since(*at) >= self.keep_for)
        };
        while oldest_expired(&kept) {
            kept.drop_oldest();
        }
        if kept.orders.contains_key(order.id.as_str()) {
            return;
        }
        while kept.orders.len() >= self.capacity && kept.drop_oldest() {}
        let id: Arc<str> = Arc::from(order.id.as_str());
        kept.oldest_first.push_back(id.clone());
        kept.orders.insert(id, (now, order.clone()));
    }

    /// The contents. A panic elsewhere while the lock was held cannot leave them half
    /// changed (each change is one insert or remove), so a poisoned lock is still used.
    fn lock(&self) -> MutexGuard<'_, Kept> {
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
    fn a_full_cache_drops_its_oldest_order_first() {
        let cache = OrderCache::new(Duration::from_secs(300), 2);
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
        let cache = OrderCache::new(Duration::from_secs(300), 100);
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
}
