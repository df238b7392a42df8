//! `GET /api/payments` (JSON) and `GET /api/payments.csv` (merchant-authenticated): the
//! analysis view the method page describes, filtered by status, type and date range.

use crate::app::SharedApp;
use crate::extract::ApiQuery;
use crate::problem::ApiError;
use crate::store::{Payment, PaymentFilter, PaymentKind};
use axum::Json;
use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use doku_protocol::{CheckoutStatus, Email, ProblemCode};
use serde::{Deserialize, Serialize};

/// Query parameters of both reports.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReportQuery {
    /// Only this status (`success`, `decline`, `pending`, ...).
    pub status: Option<String>,
    /// `purchase` or `payout`.
    #[serde(rename = "type")]
    pub kind: Option<String>,
    /// Created on or after: `YYYY-MM-DD` or RFC 3339.
    pub from: Option<String>,
    /// Created before: `YYYY-MM-DD` or RFC 3339.
    pub to: Option<String>,
    /// At most this many (default 100, at most 1000).
    pub limit: Option<i64>,
    /// Skip this many.
    pub offset: Option<i64>,
}

/// One payment in a report.
#[derive(Debug, Serialize, Deserialize, PartialEq)]
pub struct PaymentRow {
    /// The platform's payment_id.
    pub payment_id: String,
    /// `purchase` or `payout`.
    #[serde(rename = "type")]
    pub kind: String,
    /// The order (purchases).
    pub order_id: Option<String>,
    /// The merchant's payout reference (payouts).
    pub payout_id: Option<String>,
    /// Status.
    pub status: String,
    /// Minor units.
    pub amount: u64,
    /// Currency.
    pub currency: String,
    /// The platform's result code.
    pub code: Option<String>,
    /// The platform's result message.
    pub message: Option<String>,
    /// The merchant's customer id.
    pub customer_id: String,
    /// The customer's email, masked (`bu***@example.com`).
    pub customer_email: Option<String>,
    /// Created (RFC 3339, UTC).
    pub created_at: String,
    /// Last changed (RFC 3339, UTC).
    pub updated_at: String,
}

/// The JSON report.
#[derive(Debug, Serialize, Deserialize)]
pub struct PaymentList {
    /// The payments, newest first.
    pub payments: Vec<PaymentRow>,
}

fn bad(field: &str, detail: String) -> ApiError {
    ApiError::bad_request(ProblemCode::InvalidQuery, detail, Some(field))
}

/// Unix ms of a `YYYY-MM-DD` (midnight UTC) or RFC 3339 time.
fn parse_time(field: &str, text: &str) -> Result<i64, ApiError> {
    let text = text.trim();
    let date_format = time::macros::format_description!("[year]-[month]-[day]");
    let parsed = time::Date::parse(text, &date_format)
        .map(|date| date.midnight().assume_utc())
        .or_else(|_| {
            time::OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339)
        })
        .map_err(|_| {
            bad(
                field,
                format!("{field} must be YYYY-MM-DD or an RFC 3339 time, not {text:?}"),
            )
        })?;
    Ok((parsed.unix_timestamp_nanos() / 1_000_000) as i64)
}

fn filter(query: &ReportQuery) -> Result<PaymentFilter, ApiError> {
    let status = query
        .status
        .as_deref()
        .map(|s| {
            CheckoutStatus::parse(s).ok_or_else(|| bad("status", format!("unknown status {s:?}")))
        })
        .transpose()?;
    let kind = query
        .kind
        .as_deref()
        .map(|k| {
            PaymentKind::parse(k).ok_or_else(|| {
                bad(
                    "type",
                    format!("type must be purchase or payout, not {k:?}"),
                )
            })
        })
        .transpose()?;
    let limit = query.limit.unwrap_or(100);
    if !(1..=1000).contains(&limit) {
        return Err(bad("limit", "limit must be between 1 and 1000".into()));
    }
    let offset = query.offset.unwrap_or(0);
    if offset < 0 {
        return Err(bad("offset", "offset must not be negative".into()));
    }
    Ok(PaymentFilter {
        status,
        kind,
        from: query
            .from
            .as_deref()
            .map(|t| parse_time("from", t))
            .transpose()?,
        to: query
            .to
            .as_deref()
            .map(|t| parse_time("to", t))
            .transpose()?,
        limit,
        offset,
    })
}

fn rfc3339(millis: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(millis) * 1_000_000)
        .ok()
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_default()
}

fn row(payment: &Payment) -> PaymentRow {
    PaymentRow {
        payment_id: payment.id.clone(),
        kind: payment.kind.as_str().into(),
        order_id: payment.order_id.clone(),
        payout_id: payment.payout_ref.clone(),
        status: payment.status.as_str().into(),
        amount: payment.amount,
        currency: payment.currency.to_string(),
        code: payment.code.clone(),
        message: payment.message.clone(),
        customer_id: payment.customer.id.clone(),
        customer_email: payment
            .customer
            .email
            .as_deref()
            .and_then(|e| Email::parse(e).ok())
            .map(|e| e.masked()),
        created_at: rfc3339(payment.created_at),
        updated_at: rfc3339(payment.updated_at),
    }
}

async fn rows(app: &SharedApp, query: &ReportQuery) -> Result<Vec<PaymentRow>, ApiError> {
    let payments = app.store.list_payments(&filter(query)?).await?;
    Ok(payments.iter().map(row).collect())
}

/// `GET /api/payments`.
pub async fn list(
    State(app): State<SharedApp>,
    ApiQuery(query): ApiQuery<ReportQuery>,
) -> Result<Json<PaymentList>, ApiError> {
    Ok(Json(PaymentList {
        payments: rows(&app, &query).await?,
    }))
}

/// `GET /api/payments.csv`.
pub async fn csv(
    State(app): State<SharedApp>,
    ApiQuery(query): ApiQuery<ReportQuery>,
) -> Result<Response, ApiError> {
    let rows = rows(&app, &query).await?;
    let mut response = to_csv(&rows).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/csv; charset=utf-8"),
    );
    headers.insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_static("attachment; filename=\"doku-payments.csv\""),
    );
    Ok(response)
}

/// The CSV header.
pub const CSV_HEADER: &str = "payment_id,type,order_id,payout_id,status,amount,currency,code,message,customer_id,customer_email,created_at,updated_at";

/// Rows as RFC 4180 CSV. Cells a spreadsheet would run as a formula are prefixed `'`.
pub fn to_csv(rows: &[PaymentRow]) -> String {
    let mut out = String::from(CSV_HEADER);
    out.push_str("\r\n");
    for row in rows {
        let amount = row.amount.to_string();
        let cells = [
            row.payment_id.as_str(),
            &row.kind,
            row.order_id.as_deref().unwrap_or(""),
            row.payout_id.as_deref().unwrap_or(""),
            &row.status,
            &amount,
            &row.currency,
            row.code.as_deref().unwrap_or(""),
            row.message.as_deref().unwrap_or(""),
            &row.customer_id,
            row.customer_email.as_deref().unwrap_or(""),
            &row.created_at,
            &row.updated_at,
        ];
        let line: Vec<String> = cells.iter().map(|cell| csv_cell(cell)).collect();
        out.push_str(&line.join(","));
        out.push_str("\r\n");
    }
    out
}

fn csv_cell(cell: &str) -> String {
    let guarded = if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{cell}")
    } else {
        cell.to_string()
    };
    if guarded.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", guarded.replace('"', "\"\""))
    } else {
        guarded
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_quotes_and_defuses_formulas() {
        assert_eq!(csv_cell("plain"), "plain");
        assert_eq!(csv_cell("a,b"), "\"a,b\"");
        assert_eq!(csv_cell("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_cell("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        assert_eq!(csv_cell("-1"), "'-1");
    }

    #[test]
    fn filters_are_checked() {
        let query = ReportQuery {
            status: Some("paid".into()),
            ..Default::default()
        };
        assert_eq!(filter(&query).unwrap_err().field.as_deref(), Some("status"));
        let query = ReportQuery {
            from: Some("yesterday".into()),
            ..Default::default()
        };
        assert_eq!(filter(&query).unwrap_err().field.as_deref(), Some("from"));
        let query = ReportQuery {
            limit: Some(0),
            ..Default::default()
        };
        assert_eq!(filter(&query).unwrap_err().field.as_deref(), Some("limit"));
        let query = ReportQuery {
            kind: Some("payout".into()),
            from: Some("2026-11-01".into()),
            to: Some("2026-11-24T10:00:00+07:00".into()),
            ..Default::default()
        };
        let parsed = filter(&query).unwrap();
        assert_eq!(parsed.kind, Some(PaymentKind::Payout));
        assert_eq!(parsed.from, Some(1_793_491_200_000));
        assert_eq!(parsed.to, Some(1_795_489_200_000));
    }
}
