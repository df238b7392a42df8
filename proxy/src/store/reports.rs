//! The merchant's view of payments: filtered lists (JSON and CSV) and counts of the
//! payments still open.

use super::payments::{COLUMNS, Payment, PaymentKind, read_payment};
use super::{Store, StoreError};
use doku_protocol::CheckoutStatus;
use sqlx::Row;

/// Which payments to list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PaymentFilter {
    /// Only this status.
    pub status: Option<CheckoutStatus>,
    /// Only purchases or only payouts.
    pub kind: Option<PaymentKind>,
    /// Created at or after (Unix ms).
    pub from: Option<i64>,
    /// Created before (Unix ms).
    pub to: Option<i64>,
    /// At most this many (newest first).
    pub limit: i64,
    /// Skip this many.
    pub offset: i64,
}

/// How many payments of a kind are in a status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusCount {
    /// Purchase or payout.
    pub kind: String,
    /// The status.
    pub status: String,
    /// How many.
    pub count: i64,
}

impl Store {
    /// The payments matching `filter`, newest first.
    pub async fn list_payments(&self, filter: &PaymentFilter) -> Result<Vec<Payment>, StoreError> {
        let mut conditions = Vec::new();
        let mut texts = Vec::new();
        let mut numbers = Vec::new();
        if let Some(status) = filter.status {
            texts.push(status.as_str().to_string());
            conditions.push(format!("status = ${}", texts.len()));
        }
        if let Some(kind) = filter.kind {
            texts.push(kind.as_str().to_string());
            conditions.push(format!("kind = ${}", texts.len()));
        }
        // Text parameters come first, then numbers, so placeholders ascend in order.
        let first_number = texts.len() + 1;
        if let Some(from) = filter.from {
            numbers.push(from);
            conditions.push(format!(
                "created_at >= ${}",
                first_number + numbers.len() - 1
            ));
        }
        if let Some(to) = filter.to {
            numbers.push(to);
            conditions.push(format!(
                "created_at < ${}",
                first_number + numbers.len() - 1
            ));
        }
        let limit_at = first_number + numbers.len();
        let clause = if conditions.is_empty() {
            String::new()
        } else {
            format!("WHERE {}", conditions.join(" AND "))
        };
        let sql = format!(
            "SELECT {COLUMNS} FROM payments {clause} ORDER BY created_at DESC, id DESC LIMIT ${} OFFSET ${}",
            limit_at,
            limit_at + 1
        );
        let mut query = sqlx::query(&sql);
        for text in &texts {
            query = query.bind(text.as_str());
        }
        for number in &numbers {
            query = query.bind(*number);
        }
        let rows = query
            .bind(filter.limit)
            .bind(filter.offset)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(read_payment).collect()
    }

    /// Payments not final yet, counted by kind and status, for metrics. Costs what the
    /// payments in flight cost, however many have settled (a final payment never has a
    /// next check; the partial index `payments_open` holds the rest).
    pub async fn count_open(&self) -> Result<Vec<StatusCount>, StoreError> {
        let rows = sqlx::query(
            "SELECT kind, status, COUNT(*) AS n FROM payments WHERE next_check_at IS NOT NULL \
             GROUP BY kind, status ORDER BY kind, status",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(StatusCount {
                    kind: row.try_get("kind")?,
                    status: row.try_get("status")?,
                    count: row.try_get("n")?,
                })
            })
            .collect()
    }
}
