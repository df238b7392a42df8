//! Amounts: IDR in whole rupiah within DOKU's limits, and order amounts in other
//! currencies (which the platform converts to IDR, rounded to 1,000.00 IDR).

use crate::field::{Field, FieldError, Problem};
use serde::{Deserialize, Serialize};
use std::fmt;

/// An ISO 4217 alpha-3 currency code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Currency([u8; 3]);

impl Currency {
    /// Indonesian rupiah, the only currency DOKU charges in.
    pub const IDR: Currency = Currency(*b"IDR");

    /// Three upper-case ASCII letters.
    pub fn parse(code: &str) -> Result<Currency, FieldError> {
        if code.is_empty() {
            return Err(FieldError::Required);
        }
        match code.as_bytes() {
            [a, b, c] if [a, b, c].iter().all(|x| x.is_ascii_uppercase()) => {
                Ok(Currency([*a, *b, *c]))
            }
            _ => Err(FieldError::Format("ISO 4217 currency code")),
        }
    }

    /// The code, e.g. `IDR`.
    pub fn as_str(&self) -> &str {
        // Always three ASCII upper-case letters, by construction.
        std::str::from_utf8(&self.0).unwrap_or("XXX")
    }

    /// Digits after the decimal point in the currency's minor unit (ISO 4217): IDR has
    /// 2 (amounts are sent in hundredths of a rupiah), JPY and KRW 0, most others 2.
    pub fn exponent(&self) -> u32 {
        match &self.0 {
            b"JPY" | b"KRW" | b"VND" | b"CLP" | b"ISK" => 0,
            b"BHD" | b"KWD" | b"OMR" | b"JOD" | b"TND" => 3,
            _ => 2,
        }
    }
}

impl TryFrom<String> for Currency {
    type Error = FieldError;
    fn try_from(code: String) -> Result<Self, Self::Error> {
        Currency::parse(&code)
    }
}

impl From<Currency> for String {
    fn from(currency: Currency) -> String {
        currency.as_str().to_string()
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Whether the merchant's project has passed DOKU's Know Your Customer check, which
/// raises the purchase limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kyc {
    /// Purchases up to 2,000,000.00 IDR.
    Before,
    /// Purchases up to 10,000,000.00 IDR.
    After,
}

/// An IDR amount in minor units (hundredths of a rupiah) that DOKU accepts: whole
/// rupiah, within the purchase or payout limits. Only [`Idr::purchase`] and
/// [`Idr::payout`] make one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct Idr(u64);

impl Idr {
    /// Minor units in one rupiah.
    pub const MINOR_PER_RUPIAH: u64 = 100;
    /// The smallest purchase or payout: 1.00 IDR.
    pub const MIN: u64 = 100;
    /// The largest purchase before KYC: 2,000,000.00 IDR.
    pub const PURCHASE_MAX_BEFORE_KYC: u64 = 200_000_000;
    /// The largest purchase after KYC: 10,000,000.00 IDR.
    pub const PURCHASE_MAX_AFTER_KYC: u64 = 1_000_000_000;
    /// The largest payout: 10,000,000.00 IDR.
    pub const PAYOUT_MAX: u64 = 1_000_000_000;

    /// The largest purchase for `kyc`, in minor units.
    pub fn purchase_max(kyc: Kyc) -> u64 {
        match kyc {
            Kyc::Before => Self::PURCHASE_MAX_BEFORE_KYC,
            Kyc::After => Self::PURCHASE_MAX_AFTER_KYC,
        }
    }

    /// A purchase amount of `minor` units, within the limit for `kyc`.
    pub fn purchase(minor: u64, kyc: Kyc) -> Result<Idr, FieldError> {
        Self::within(minor, Self::purchase_max(kyc))
    }

    /// A payout amount of `minor` units.
    pub fn payout(minor: u64) -> Result<Idr, FieldError> {
        Self::within(minor, Self::PAYOUT_MAX)
    }

    fn within(minor: u64, max: u64) -> Result<Idr, FieldError> {
        if !minor.is_multiple_of(Self::MINOR_PER_RUPIAH) {
            return Err(FieldError::Fractional);
        }
        if minor < Self::MIN {
            return Err(FieldError::BelowMinimum { min: Self::MIN });
        }
        if minor > max {
            return Err(FieldError::AboveMaximum { max });
        }
        Ok(Idr(minor))
    }

    /// The amount in minor units, as the platform takes it.
    pub fn minor(self) -> u64 {
        self.0
    }
}

/// What an order charges: an IDR amount DOKU accepts, or an amount in another currency
/// that the platform converts to IDR (rounded to 1,000.00 IDR) when the customer pays.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct OrderAmount {
    /// Minor units of `currency`.
    pub minor: u64,
    /// The order's currency.
    pub currency: Currency,
}

impl OrderAmount {
    /// The largest amount accepted in a currency other than IDR, in minor units: a
    /// sanity bound; the platform applies DOKU's limits after conversion.
    pub const FOREIGN_MAX: u64 = 1_000_000_000_000;

    /// Checks an order amount as a merchant sent it: `minor` may be any JSON integer
    /// (negative ones are refused here, with the field named).
    pub fn parse(minor: i128, currency: &str, kyc: Kyc) -> Result<OrderAmount, Problem> {
        let currency = Currency::parse(currency).map_err(|e| Problem::new(Field::Currency, e))?;
        let (min, max) = if currency == Currency::IDR {
            (Idr::MIN, Idr::purchase_max(kyc))
        } else {
            (1, Self::FOREIGN_MAX)
        };
        let amount_error = |error| Problem::new(Field::Amount, error);
        let minor = u64::try_from(minor).map_err(|_| {
            amount_error(if minor < 0 {
                FieldError::BelowMinimum { min }
            } else {
                FieldError::AboveMaximum { max }
            })
        })?;
        if currency == Currency::IDR {
            Idr::purchase(minor, kyc).map_err(amount_error)?;
        } else if minor < min {
            return Err(amount_error(FieldError::BelowMinimum { min }));
        } else if minor > max {
            return Err(amount_error(FieldError::AboveMaximum { max }));
        }
        Ok(OrderAmount { minor, currency })
    }

    /// Whether the platform will convert this amount to IDR.
    pub fn is_converted(&self) -> bool {
        self.currency != Currency::IDR
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn idr_purchases_are_whole_rupiah_within_the_kyc_limit() {
        assert_eq!(
            Idr::purchase(15_000_000, Kyc::Before).map(Idr::minor),
            Ok(15_000_000)
        );
        assert_eq!(Idr::purchase(100, Kyc::Before).map(Idr::minor), Ok(100));
        assert_eq!(Idr::purchase(150, Kyc::Before), Err(FieldError::Fractional));
        assert_eq!(
            Idr::purchase(0, Kyc::Before),
            Err(FieldError::BelowMinimum { min: 100 })
        );
        assert!(Idr::purchase(200_000_000, Kyc::Before).is_ok());
        assert_eq!(
            Idr::purchase(200_000_100, Kyc::Before),
            Err(FieldError::AboveMaximum { max: 200_000_000 })
        );
        assert!(Idr::purchase(200_000_100, Kyc::After).is_ok());
        assert!(Idr::purchase(1_000_000_000, Kyc::After).is_ok());
        assert!(Idr::purchase(1_000_000_100, Kyc::After).is_err());
    }

    #[test]
    fn payouts_go_up_to_ten_million_rupiah() {
        assert!(Idr::payout(100).is_ok());
        assert!(Idr::payout(1_000_000_000).is_ok());
        assert_eq!(
            Idr::payout(1_000_000_100),
            Err(FieldError::AboveMaximum { max: 1_000_000_000 })
        );
    }

    #[test]
    fn order_amounts_name_the_field_at_fault() {
        let idr = OrderAmount::parse(15_000_000, "IDR", Kyc::Before).unwrap();
        assert!(!idr.is_converted());
        let usd = OrderAmount::parse(999, "USD", Kyc::Before).unwrap();
        assert!(usd.is_converted());
        let amount = |error| Problem::new(Field::Amount, error);
        assert_eq!(
            OrderAmount::parse(-5, "IDR", Kyc::Before).unwrap_err(),
            amount(FieldError::BelowMinimum { min: 100 })
        );
        assert_eq!(
            OrderAmount::parse(i128::MAX, "IDR", Kyc::Before).unwrap_err(),
            amount(FieldError::AboveMaximum { max: 200_000_000 })
        );
        assert_eq!(
            OrderAmount::parse(i128::MAX, "IDR", Kyc::After).unwrap_err(),
            amount(FieldError::AboveMaximum { max: 1_000_000_000 })
        );
        assert_eq!(
            OrderAmount::parse(-5, "USD", Kyc::Before).unwrap_err(),
            amount(FieldError::BelowMinimum { min: 1 })
        );
        assert_eq!(
            OrderAmount::parse(1_000_000_000_001, "USD", Kyc::Before).unwrap_err(),
            amount(FieldError::AboveMaximum {
                max: OrderAmount::FOREIGN_MAX
            })
        );
        assert_eq!(
            OrderAmount::parse(15_000_050, "IDR", Kyc::Before).unwrap_err(),
            Problem::new(Field::Amount, FieldError::Fractional)
        );
        assert_eq!(
            OrderAmount::parse(100, "idr", Kyc::Before)
                .unwrap_err()
                .field,
            Field::Currency
        );
        assert_eq!(
            OrderAmount::parse(0, "USD", Kyc::Before).unwrap_err(),
            amount(FieldError::BelowMinimum { min: 1 })
        );
    }

    #[test]
    fn currencies_know_their_minor_unit() {
        assert_eq!(Currency::IDR.exponent(), 2);
        assert_eq!(Currency::parse("JPY").unwrap().exponent(), 0);
        assert_eq!(Currency::parse("USD").unwrap().as_str(), "USD");
        assert!(Currency::parse("US").is_err());
        assert!(Currency::parse("ÜSD").is_err());
    }
}
