//! `doku-proxy link`, `payout` and `payments`: the merchant API from the command line,
//! against a running proxy. The API key comes from `DOKU_API_KEY` or a file, never from
//! a flag value.

use clap::Args;
use doku_protocol::Currency;
use serde_json::{Value, json};
use std::path::PathBuf;

/// Environment variable holding the merchant API key for the client commands.
pub const API_KEY_ENV: &str = "DOKU_API_KEY";

/// Where the proxy is and how to authenticate.
#[derive(Debug, Clone, Args)]
pub struct ClientArgs {
    /// The proxy's base URL.
    #[arg(long, env = "DOKU_PROXY_URL", default_value = "http://127.0.0.1:8080")]
    pub proxy_url: String,
    /// File holding a merchant API key (otherwise `DOKU_API_KEY`).
    #[arg(long, env = "DOKU_API_KEY_FILE")]
    pub api_key_file: Option<PathBuf>,
}

/// `doku-proxy link`: create an order and print its payment link.
#[derive(Debug, Clone, Args)]
pub struct LinkArgs {
    /// Amount in major units (`150000` or `150000.00` is Rp 150.000).
    #[arg(long)]
    pub amount: String,
    /// Currency (ISO 4217).
    #[arg(long, default_value = "IDR")]
    pub currency: String,
    /// What is being paid for.
    #[arg(long)]
    pub description: String,
    /// The merchant's customer id.
    #[arg(long)]
    pub customer_id: Option<String>,
    /// The proxy.
    #[command(flatten)]
    pub client: ClientArgs,
}

/// `doku-proxy payout`: pay out to a DOKU e-wallet.
#[derive(Debug, Clone, Args)]
pub struct PayoutArgs {
    /// Amount in major units of IDR (`50000` is Rp 50.000).
    #[arg(long)]
    pub amount: String,
    /// The e-wallet number.
    #[arg(long)]
    pub account_number: String,
    /// The holder's full name.
    #[arg(long)]
    pub customer_name: String,
    /// The merchant's customer id.
    #[arg(long)]
    pub customer_id: String,
    /// The merchant's reference: the same reference never pays twice.
    #[arg(long)]
    pub payout_id: Option<String>,
    /// The proxy.
    #[command(flatten)]
    pub client: ClientArgs,
}

/// `doku-proxy payments`: list payments.
#[derive(Debug, Clone, Args)]
pub struct PaymentsArgs {
    /// Print CSV instead of JSON.
    #[arg(long)]
    pub csv: bool,
    /// Only this status.
    #[arg(long)]
    pub status: Option<String>,
    /// Only `purchase` or `payout`.
    #[arg(long = "type")]
    pub kind: Option<String>,
    /// Created on or after (YYYY-MM-DD or RFC 3339).
    #[arg(long)]
    pub from: Option<String>,
    /// Created before (YYYY-MM-DD or RFC 3339).
    #[arg(long)]
    pub to: Option<String>,
    /// At most this many.
    #[arg(long)]
    pub limit: Option<u32>,
    /// The proxy.
    #[command(flatten)]
    pub client: ClientArgs,
}

/// Minor units of `amount` written in major units of `currency` (`150000.5` IDR is
/// 15000050).
pub fn minor_units(amount: &str, currency: &str) -> Result<i128, String> {
    let currency = Currency::parse(currency).map_err(|e| format!("--currency {e}"))?;
    let exponent = currency.exponent() as usize;
    let amount = amount.trim().replace('_', "");
    let (whole, fraction) = amount.split_once('.').unwrap_or((&amount, ""));
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if !digits(whole) || (!fraction.is_empty() && !digits(fraction)) || fraction.len() > exponent {
        return Err(format!(
            "--amount must be a positive number with at most {exponent} decimals, like 150000 or 150000.00"
        ));
    }
    let text = format!("{whole}{fraction:0<exponent$}");
    text.parse()
        .map_err(|_| "--amount is too large".to_string())
}

fn api_key(args: &ClientArgs) -> Result<String, String> {
    let key = match &args.api_key_file {
        Some(path) => std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read {}: {e}", path.display()))?,
        None => std::env::var(API_KEY_ENV)
            .map_err(|_| format!("no API key: set {API_KEY_ENV} or pass --api-key-file"))?,
    };
    let key = key.trim().to_string();
    if key.is_empty() {
        return Err("the API key is empty".into());
    }
    Ok(key)
}

/// Sends a request to the proxy; the body of a success, or the problem's detail.
async fn call(
    args: &ClientArgs,
    method: reqwest::Method,
    path: &str,
    body: Option<Value>,
) -> Result<String, String> {
    let url = format!("{}{path}", args.proxy_url.trim_end_matches('/'));
    let client = reqwest::Client::builder()
        .timeout(std::time::Duration::from_secs(30))
        .build()
        .map_err(|e| e.to_string())?;
    let mut request = client.request(method, &url).bearer_auth(api_key(args)?);
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request
        .send()
        .await
        .map_err(|e| format!("cannot reach {url}: {e}"))?;
    let status = response.status();
    let text = response.text().await.map_err(|e| e.to_string())?;
    if status.is_success() {
        Ok(text)
    } else {
        let detail = serde_json::from_str::<Value>(&text)
            .ok()
            .and_then(|v| v["detail"].as_str().map(str::to_string))
            .unwrap_or(text);
        Err(format!("the proxy answered {status}: {detail}"))
    }
}

/// Runs `link`: prints the payment link (and the order id).
pub async fn link(args: LinkArgs) -> Result<String, String> {
    let body = json!({
        "amount": minor_units(&args.amount, &args.currency)?,
        "currency": args.currency,
        "description": args.description,
        "customer_id": args.customer_id,
    });
    let answer = call(
        &args.client,
        reqwest::Method::POST,
        "/api/orders",
        Some(body),
    )
    .await?;
    let order: Value = serde_json::from_str(&answer).map_err(|e| e.to_string())?;
    Ok(format!(
        "{}\norder {}",
        order["checkout_url"].as_str().unwrap_or_default(),
        order["order_id"].as_str().unwrap_or_default()
    ))
}

/// Runs `payout`: prints the payout's JSON.
pub async fn payout(args: PayoutArgs) -> Result<String, String> {
    let body = json!({
        "amount": minor_units(&args.amount, "IDR")?,
        "currency": "IDR",
        "account": { "number": args.account_number, "customer_name": args.customer_name },
        "customer": { "id": args.customer_id },
        "payout_id": args.payout_id,
    });
    call(
        &args.client,
        reqwest::Method::POST,
        "/api/payouts",
        Some(body),
    )
    .await
}

/// Runs `payments`: prints the JSON or CSV report.
pub async fn payments(args: PaymentsArgs) -> Result<String, String> {
    let mut query = form_urlencoded::Serializer::new(String::new());
    for (name, value) in [
        ("status", args.status),
        ("type", args.kind),
        ("from", args.from),
        ("to", args.to),
        ("limit", args.limit.map(|l| l.to_string())),
    ] {
        if let Some(value) = value {
            query.append_pair(name, &value);
        }
    }
    let path = if args.csv {
        "/api/payments.csv"
    } else {
        "/api/payments"
    };
    call(
        &args.client,
        reqwest::Method::GET,
        &format!("{path}?{}", query.finish()),
        None,
    )
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn major_units_become_minor_units() {
        assert_eq!(minor_units("150000", "IDR"), Ok(15_000_000));
        assert_eq!(minor_units("150000.5", "IDR"), Ok(15_000_050));
        assert_eq!(minor_units("1_000", "IDR"), Ok(100_000));
        assert_eq!(minor_units("500", "JPY"), Ok(500));
        assert!(minor_units("1.5", "JPY").is_err());
        assert!(minor_units("-5", "IDR").is_err());
        assert!(minor_units("1.234", "IDR").is_err());
        assert!(minor_units("abc", "IDR").is_err());
        assert!(minor_units("5", "idr").is_err());
    }
}
