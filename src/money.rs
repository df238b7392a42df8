//! Amounts as customers read them: `Rp 150.000` in Indonesian, `IDR 150,000` in English.

use crate::i18n::Locale;
use doku_protocol::Currency;

/// `minor` units of `currency`, formatted for `locale`. Whole IDR amounts show no
/// decimals (DOKU charges whole rupiah); other currencies show their minor unit.
pub fn format_amount(minor: u64, currency: Currency, locale: Locale) -> String {
    let exponent = currency.exponent();
    let unit = 10u64.pow(exponent);
    let (whole, fraction) = (minor / unit, minor % unit);
    let (group, decimal) = match locale {
        Locale::Id => ('.', ','),
        Locale::En => (',', '.'),
    };
    let digits = whole.to_string();
    let mut out = match (currency == Currency::IDR, locale) {
        (true, Locale::Id) => String::from("Rp "),
        _ => format!("{} ", currency.as_str()),
    };
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(group);
        }
        out.push(c);
    }
    let show_fraction = exponent > 0 && !(currency == Currency::IDR && fraction == 0);
    if show_fraction {
        out.push(decimal);
        let fraction = fraction.to_string();
        for _ in fraction.len()..exponent as usize {
            out.push('0');
        }
        out.push_str(&fraction);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn currency(code: &str) -> Currency {
        Currency::parse(code).unwrap()
    }

    #[test]
    fn rupiah_in_both_languages() {
        assert_eq!(
            format_amount(15_000_000, Currency::IDR, Locale::Id),
            "Rp 150.000"
        );
        assert_eq!(
            format_amount(15_000_000, Currency::IDR, Locale::En),
            "IDR 150,000"
        );
        assert_eq!(format_amount(40_000, Currency::IDR, Locale::Id), "Rp 400");
        assert_eq!(
            format_amount(1_000_000_000, Currency::IDR, Locale::En),
            "IDR 10,000,000"
        );
        assert_eq!(
            format_amount(15_000_050, Currency::IDR, Locale::Id),
            "Rp 150.000,50"
        );
    }

    #[test]
    fn other_currencies_show_their_minor_unit() {
        assert_eq!(format_amount(999, currency("USD"), Locale::En), "USD 9.99");
        assert_eq!(
            format_amount(1_234_505, currency("USD"), Locale::Id),
            "USD 12.345,05"
        );
        assert_eq!(format_amount(500, currency("JPY"), Locale::En), "JPY 500");
    }
}
