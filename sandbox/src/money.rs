//! Amounts: currency exponents, conversion to rupiah, DOKU's limits and how amounts are
//! written on DOKU's form and pages.
//!
//! Every amount is in minor units. IDR has two decimals on the platform (`100000` is
//! 1,000.00 IDR) but DOKU only handles whole rupiah.

use std::collections::BTreeMap;
use std::fmt;

/// Currencies the sandbox knows, with their number of decimals.
pub const EXPONENTS: [(&str, u32); 8] = [
    ("IDR", 2),
    ("USD", 2),
    ("EUR", 2),
    ("SGD", 2),
    ("MYR", 2),
    ("AUD", 2),
    ("JPY", 0),
    ("KRW", 0),
];

/// IDR minor units in one rupiah.
const RUPIAH: u64 = 100;
/// Other currencies are converted and rounded to this many rupiah.
const ROUNDING_RUPIAH: u128 = 1_000;
/// Rates are kept in ten-thousandths of a rupiah.
const RATE_SCALE: u128 = 10_000;

/// The number of decimals of `currency`, if the sandbox knows it.
pub fn exponent(currency: &str) -> Option<u32> {
    EXPONENTS
        .iter()
        .find(|(code, _)| *code == currency)
        .map(|(_, exponent)| *exponent)
}

/// A demo exchange rate: rupiah per one major unit of a currency, kept exactly to four
/// decimals (e.g. 16250 for USD, 108.5 for JPY).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Rate(u64);

impl Rate {
    /// A rate of `rupiah` per major unit; `None` unless positive and finite.
    pub fn new(rupiah: f64) -> Option<Rate> {
        let scaled = (rupiah * RATE_SCALE as f64).round();
        (scaled.is_finite() && scaled >= 1.0 && scaled < u64::MAX as f64)
            .then_some(Rate(scaled as u64))
    }
}

impl fmt::Display for Rate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let scale = RATE_SCALE as u64;
        let (whole, fraction) = (self.0 / scale, self.0 % scale);
        if fraction == 0 {
            write!(f, "{whole}")
        } else {
            let fraction = format!("{fraction:04}");
            write!(f, "{whole}.{}", fraction.trim_end_matches('0'))
        }
    }
}

/// Demo rates by currency code.
pub type Rates = BTreeMap<String, Rate>;

/// The demo rates a sandbox starts with (rupiah per major unit, roughly 2025's).
pub fn demo_rates() -> Rates {
    [
        ("USD", 16_250.0),
        ("EUR", 17_600.0),
        ("SGD", 12_100.0),
        ("MYR", 3_700.0),
        ("AUD", 10_600.0),
        ("JPY", 108.5),
        ("KRW", 11.8),
    ]
    .into_iter()
    .filter_map(|(code, rupiah)| Some((code.to_string(), Rate::new(rupiah)?)))
    .collect()
}

/// Why an amount cannot be charged in rupiah.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CurrencyError {
    /// Test projects take IDR only.
    #[error("currency {0} is not allowed: test projects accept IDR only")]
    TestProjectIdrOnly(String),
    /// No demo rate is configured for the currency.
    #[error("currency {0} is not allowed: the sandbox has no exchange rate for it")]
    NoRate(String),
}

/// The amount charged in IDR minor units for `amount` minor units of `currency`:
/// IDR loses its fractional part; another currency (non-test projects only) is converted
/// at its rate and rounded to the nearest 1,000.00 IDR, halves up.
pub fn to_idr(
    amount: u64,
    currency: &str,
    test: bool,
    rates: &Rates,
) -> Result<u64, CurrencyError> {
    if currency == "IDR" {
        return Ok(amount - amount % RUPIAH);
    }
    if test {
        return Err(CurrencyError::TestProjectIdrOnly(currency.to_string()));
    }
    let (Some(rate), Some(exponent)) = (rates.get(currency), exponent(currency)) else {
        return Err(CurrencyError::NoRate(currency.to_string()));
    };
    // rupiah = amount / 10^exponent * rate / RATE_SCALE, in thousands, rounded half up.
    let numerator = u128::from(amount) * u128::from(rate.0);
    let denominator = 10u128.pow(exponent) * RATE_SCALE * ROUNDING_RUPIAH;
    let thousands = (numerator + denominator / 2) / denominator;
    let minor = thousands * ROUNDING_RUPIAH * u128::from(RUPIAH);
    // Far beyond any limit: saturating keeps it out of limits.
    Ok(u64::try_from(minor).unwrap_or(u64::MAX))
}

/// An inclusive range of IDR minor units.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// The smallest amount.
    pub min: u64,
    /// The largest amount.
    pub max: u64,
}

impl Limits {
    /// Whether `amount` is within the limits.
    pub fn allows(&self, amount: u64) -> bool {
        (self.min..=self.max).contains(&amount)
    }
}

/// Purchases: 1.00 to 2,000,000.00 IDR, or to 10,000,000.00 IDR once the project has
/// passed KYC.
pub fn purchase_limits(kyc: bool) -> Limits {
    Limits {
        min: 100,
        max: if kyc { 1_000_000_000 } else { 200_000_000 },
    }
}

/// Payouts: 1.00 to 10,000,000.00 IDR.
pub fn payout_limits() -> Limits {
    Limits {
        min: 100,
        max: 1_000_000_000,
    }
}

/// An IDR amount as DOKU's form writes it: major units with two decimals, no grouping
/// (`10000.00`).
pub fn doku_amount(idr_minor: u64) -> String {
    format!("{}.{:02}", idr_minor / RUPIAH, idr_minor % RUPIAH)
}

/// An IDR amount as DOKU's page shows it: `Rp 10.000` (dots group thousands).
pub fn rupiah(idr_minor: u64) -> String {
    let digits = (idr_minor / RUPIAH).to_string();
    let mut grouped = String::new();
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            grouped.push('.');
        }
        grouped.push(digit);
    }
    format!("Rp {grouped}")
}

/// An amount in any known currency, for pages: `USD 10.50`, `JPY 1200`.
pub fn display(amount: u64, currency: &str) -> String {
    match exponent(currency) {
        Some(0) | None => format!("{currency} {amount}"),
        Some(exponent) => {
            let scale = 10u64.pow(exponent);
            let width = exponent as usize;
            format!("{currency} {}.{:0width$}", amount / scale, amount % scale)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn idr_loses_its_fraction_in_any_project() {
        let rates = demo_rates();
        assert_eq!(to_idr(1_000_050, "IDR", true, &rates), Ok(1_000_000));
        assert_eq!(to_idr(1_000_099, "IDR", false, &rates), Ok(1_000_000));
        assert_eq!(to_idr(100, "IDR", true, &rates), Ok(100));
        assert_eq!(to_idr(99, "IDR", true, &rates), Ok(0));
    }

    #[test]
    fn other_currencies_convert_and_round_to_a_thousand_rupiah_half_up() {
        let rates = demo_rates();
        // USD 10.00 at 16,250 = 162,500 IDR: exactly half, rounds up.
        assert_eq!(to_idr(1_000, "USD", false, &rates), Ok(16_300_000));
        // USD 10.01 = 162,662.50 IDR -> 163,000.
        assert_eq!(to_idr(1_001, "USD", false, &rates), Ok(16_300_000));
        // USD 9.99 = 162,337.50 IDR -> 162,000.
        assert_eq!(to_idr(999, "USD", false, &rates), Ok(16_200_000));
        // JPY has no decimals: 1,000 JPY at 108.5 = 108,500 IDR -> 109,000.
        assert_eq!(to_idr(1_000, "JPY", false, &rates), Ok(10_900_000));
        // A cent is far below half a thousand rupiah.
        assert_eq!(to_idr(1, "USD", false, &rates), Ok(0));
    }

    #[test]
    fn currencies_a_project_cannot_take_are_refused() {
        let rates = demo_rates();
        assert_eq!(
            to_idr(1_000, "USD", true, &rates),
            Err(CurrencyError::TestProjectIdrOnly("USD".into()))
        );
        assert_eq!(
            to_idr(1_000, "GBP", false, &rates),
            Err(CurrencyError::NoRate("GBP".into()))
        );
        let mut odd = Rates::new();
        odd.insert("XAU".into(), Rate(1));
        assert_eq!(
            to_idr(1, "XAU", false, &odd),
            Err(CurrencyError::NoRate("XAU".into())),
            "a rate without a known exponent cannot convert"
        );
    }

    #[test]
    fn huge_amounts_saturate_instead_of_overflowing() {
        let rates = demo_rates();
        assert_eq!(to_idr(u64::MAX, "USD", false, &rates), Ok(u64::MAX));
        assert!(!purchase_limits(true).allows(u64::MAX));
    }

    #[test]
    fn limits_match_the_method_page() {
        let plain = purchase_limits(false);
        assert!(!plain.allows(99) && plain.allows(100));
        assert!(plain.allows(200_000_000) && !plain.allows(200_000_100));
        let kyc = purchase_limits(true);
        assert!(kyc.allows(1_000_000_000) && !kyc.allows(1_000_000_100));
        let payout = payout_limits();
        assert!(!payout.allows(0) && payout.allows(100));
        assert!(payout.allows(1_000_000_000) && !payout.allows(1_000_000_100));
    }

    #[test]
    fn amounts_are_written_as_doku_and_pages_expect() {
        assert_eq!(doku_amount(1_000_000), "10000.00");
        assert_eq!(doku_amount(100), "1.00");
        assert_eq!(rupiah(1_000_000), "Rp 10.000");
        assert_eq!(rupiah(12_345_678_900), "Rp 123.456.789");
        assert_eq!(rupiah(50_000), "Rp 500");
        assert_eq!(display(1_050, "USD"), "USD 10.50");
        assert_eq!(display(1_200, "JPY"), "JPY 1200");
    }

    #[test]
    fn rates_keep_four_decimals_and_print_plainly() {
        assert_eq!(
            Rate::new(108.5).map(|r| r.to_string()),
            Some("108.5".into())
        );
        assert_eq!(
            Rate::new(16_250.0).map(|r| r.to_string()),
            Some("16250".into())
        );
        assert_eq!(Rate::new(0.0), None);
        assert_eq!(Rate::new(-1.0), None);
        assert_eq!(Rate::new(f64::NAN), None);
    }
}
