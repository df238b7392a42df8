//! Orders: what the merchant wants charged. The browser never sets an amount.

use super::group_read::ById;
use super::{Store, StoreError, now_millis};
use doku_protocol::{Currency, OrderAmount};
use sqlx::Row;
use sqlx::any::AnyRow;
use std::sync::LazyLock;

/// A stored order.
#[derive(Debug, Clone, PartialEq)]
pub struct Order {
    /// `ord_…`, unguessable.
    pub id: String,
    /// What it charges.
    pub amount: OrderAmount,
    /// What is being paid for.
    pub description: String,
    /// The merchant's customer id, if the merchant gave one.
    pub customer_id: Option<String>,
    /// When it was created (Unix ms).
    pub created_at: i64,
}

/// A validated order to store.
#[derive(Debug, Clone, PartialEq)]
pub struct NewOrder {
    /// What it charges.
    pub amount: OrderAmount,
    /// What is being paid for.
    pub description: String,
    /// The merchant's customer id.
    pub customer_id: Option<String>,
}

impl Store {
    /// Stores `order` under a new unguessable id.
    pub async fn insert_order(&self, order: NewOrder) -> Result<Order, StoreError> {
        let order = Order {
            id: crate::ids::new_id("ord"),
            amount: order.amount,
            description: order.description,
            customer_id: order.customer_id,
            created_at: now_millis(),
        };
        sqlx::query(
            "INSERT INTO orders (id, amount, currency, description, customer_id, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(&order.id)
        .bind(to_i64(order.amount.minor)?)
        .bind(order.amount.currency.as_str())
        .bind(&order.description)
        .bind(order.customer_id.as_deref())
        .bind(order.created_at)
        .execute(&self.pool)
        .await?;
        self.known_orders.keep(&order);
        Ok(order)
    }

    /// The order `id`, if there is one: from memory if this instance has seen it (orders
    /// never change), else read.
    pub async fn order(&self, id: &str) -> Result<Option<Order>, StoreError> {
        if let Some(order) = self.known_orders.get(id) {
            return Ok(Some(order));
        }
        let order = self.orders.read(id).await?;
        if let Some(order) = &order {
            self.known_orders.keep(order);
        }
        Ok(order)
    }

    /// The order `id` and whether it is paid, in one query (the widget's order view shows both).
    /// Paid: a payment in one of the statuses of [`doku_protocol::CheckoutStatus::is_paid`], spelled out in
    /// the SQL.
    pub async fn order_and_paid(&self, id: &str) -> Result<Option<(Order, bool)>, StoreError> {
        let row = sqlx::query(&ORDER_AND_PAID)
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        let Some(row) = row else {
            return Ok(None);
        };
        let order = Order::read(&row)?;
        // The widget shows the order just before it opens the checkout for it.
        self.known_orders.keep(&order);
        Ok(Some((order, row.try_get::<i64, _>("paid")? > 0)))
    }
}

/// [`Store::order_and_paid`]'s query: the order's columns and its count of paid payments.
static ORDER_AND_PAID: LazyLock<String> = LazyLock::new(|| {
    format!(
        "SELECT {}, (SELECT COUNT(*) FROM payments WHERE order_id = $1 \
         AND status IN ('success', 'refunded')) AS paid FROM orders WHERE id = $1",
        Order::COLUMNS
    )
});

impl ById for Order {
    const TABLE: &'static str = "orders";
    const COLUMNS: &'static str = "id, amount, currency, description, customer_id, created_at";

    fn id(&self) -> &str {
        &self.id
    }

    fn read(row: &AnyRow) -> Result<Order, StoreError> {
        let currency: String = row.try_get("currency")?;
        let currency = Currency::parse(&currency)
            .map_err(|_| StoreError::Corrupt(format!("order currency {currency:?}")))?;
        Ok(Order {
            id: row.try_get("id")?,
            amount: OrderAmount {
                minor: from_i64(row.try_get("amount")?)?,
                currency,
            },
            description: row.try_get("description")?,
            customer_id: row.try_get("customer_id")?,
            created_at: row.try_get("created_at")?,
        })
    }
}

/// Minor units as the database stores them.
pub(super) fn to_i64(minor: u64) -> Result<i64, StoreError> {
    i64::try_from(minor).map_err(|_| StoreError::Corrupt(format!("amount {minor} too large")))
}

/// Minor units as read from the database.
pub(super) fn from_i64(minor: i64) -> Result<u64, StoreError> {
    u64::try_from(minor).map_err(|_| StoreError::Corrupt(format!("negative amount {minor}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::payments::tests::order;

    #[tokio::test]
    async fn an_order_once_seen_is_answered_from_memory() {
        for db in doku_testkit::databases().await {
            let store = Store::connect(&db.url).await.expect("a store");
            let other = Store::connect(&db.url).await.expect("another instance");
            let viewer = Store::connect(&db.url)
                .await
                .expect("an instance the widget asks");
            let id = order(&store).await;
            // Other instances read the order from the database, one as the widget's
            // order view does.
            let stored = other.order(&id).await.expect("a read").expect("the order");
            let viewed = viewer.order_and_paid(&id).await.expect("a read");
            assert_eq!(viewed, Some((stored.clone(), false)), "{}", db.backend);
            // Changed behind the proxy's back (it never changes an order): the instances
            // that have seen it answer from memory, a third that has not reads the change.
            sqlx::query("UPDATE orders SET description = 'changed' WHERE id = $1")
                .bind(&id)
                .execute(&store.pool)
                .await
                .expect("an update");
            for instance in [&store, &other, &viewer] {
                let answer = instance.order(&id).await.expect("a read");
                assert_eq!(answer.as_ref(), Some(&stored), "{}", db.backend);
            }
            let third = Store::connect(&db.url).await.expect("a third instance");
            let read = third.order(&id).await.expect("a read").expect("the order");
            assert_eq!(read.description, "changed", "{}", db.backend);

            // An order not found is not remembered: once another instance has created
            // it, it is found.
            let later = "ord_created_later";
            assert_eq!(other.order(later).await.expect("a read"), None);
            sqlx::query(
                "INSERT INTO orders (id, amount, currency, description, created_at) \
                 VALUES ($1, 15000000, 'IDR', 'Later', 1)",
            )
            .bind(later)
            .execute(&store.pool)
            .await
            .expect("an insert");
            let found = other.order(later).await.expect("a read");
            assert_eq!(found.map(|o| o.description), Some("Later".into()));
            for instance in [store, other, viewer, third] {
                instance.close().await;
            }
        }
    }
}
