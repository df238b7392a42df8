//! Orders kept in memory once this instance has written or read them. An order never
//! changes and is never deleted, so the copy is as good as the row, whichever instance
//! wrote it: a checkout for an order seen before skips the database's read. An order
//! that is not found is not remembered (another instance may create it). Bounded: once
//! full, the oldest entry goes first.

use super::Order;
use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, PoisonError};

/// Orders kept: about 13 MB at ~200 bytes each, a few hours of orders at a busy shop's
/// rate, and more than `make bench` opens sessions for between its order creations.
const CAPACITY: usize = 65_536;

/// The orders seen most recently, by id.
#[derive(Debug)]
pub(super) struct OrderCache {
    capacity: usize,
    kept: Mutex<Kept>,
}

/// The cache's contents, and the order they came in.
#[derive(Debug, Default)]
struct Kept {
    orders: HashMap<Arc<str>, Order>,
    oldest_first: VecDeque<Arc<str>>,
}

impl Default for OrderCache {
    fn default() -> Self {
        OrderCache::with_capacity(CAPACITY)
    }
}

impl OrderCache {
    /// An empty cache that keeps at most `capacity` orders (at least one).
    fn with_capacity(capacity: usize) -> OrderCache {
        OrderCache {
            capacity: capacity.max(1),
            kept: Mutex::default(),
        }
    }

    /// The order `id`, if it is kept.
    pub(super) fn get(&self, id: &str) -> Option<Order> {
        self.lock().orders.get(id).cloned()
    }

    /// Keeps `order`, making room by dropping the oldest entries.
    pub(super) fn keep(&self, order: &Order) {
        let mut kept = self.lock();
        if kept.orders.contains_key(order.id.as_str()) {
            return;
        }
        while kept.orders.len() >= self.capacity {
            let Some(oldest) = kept.oldest_first.pop_front() else {
                break;
            };
            kept.orders.remove(&oldest);
        }
        let id: Arc<str> = Arc::from(order.id.as_str());
        kept.oldest_first.push_back(id.clone());
        kept.orders.insert(id, order.clone());
    }

    /// The contents. A panic elsewhere while the lock was held cannot leave them half
    /// changed (each change is one insert or remove), so a poisoned lock is still used.
    fn lock(&self) -> std::sync::MutexGuard<'_, Kept> {
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
        let cache = OrderCache::with_capacity(2);
        cache.keep(&order("ord_a"));
        cache.keep(&order("ord_b"));
        // Kept again: no second entry, and no change of age.
        cache.keep(&order("ord_a"));
        cache.keep(&order("ord_c"));
        assert_eq!(cache.get("ord_a"), None);
        assert_eq!(cache.get("ord_b"), Some(order("ord_b")));
        assert_eq!(cache.get("ord_c"), Some(order("ord_c")));
        assert_eq!(cache.lock().oldest_first.len(), 2);
        assert_eq!(cache.get("ord_unknown"), None);
    }
}
