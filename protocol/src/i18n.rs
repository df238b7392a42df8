//! Every string the customer sees or hears, in English and Indonesian, and amounts as
//! they read them (`Rp 150.000` in Indonesian, `IDR 150,000` in English). The widget
//! and the proxy's hosted checkout both speak from here.

use crate::field::{Field, FieldError};
use crate::money::Currency;
use crate::problem_code::ProblemCode;

pub use crate::api::Locale;

/// A fixed message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Msg {
    /// Region label of the whole widget.
    WidgetLabel,
    /// While the order loads.
    Loading,
    /// The order summary's heading.
    Total,
    /// Under a non-IDR amount.
    ConvertedNote,
    /// First name label.
    FirstName,
    /// Email label.
    Email,
    /// While the session opens.
    Opening,
    /// Gate: waiting for DOKU's redirect.
    WaitingForDoku,
    /// About to leave for DOKU.
    Redirecting,
    /// Returned: asking for the result.
    Checking,
    /// Result heading: success.
    SuccessTitle,
    /// Result heading: decline.
    DeclineTitle,
    /// Result heading: not confirmed yet.
    PendingTitle,
    /// Body of "not confirmed yet".
    PendingBody,
    /// Check the status again.
    CheckAgain,
    /// Start a new attempt.
    TryAgain,
    /// Label of the payment id.
    PaymentId,
    /// The order is already paid.
    AlreadyPaid,
    /// The order does not exist.
    OrderNotFound,
    /// Another customer's payment for the order is under way.
    PaymentInProgress,
    /// The proxy could not be reached.
    NetworkError,
    /// The platform refused or failed.
    PlatformUnavailable,
    /// The redirect failed validation.
    RedirectRefused,
    /// Anything else.
    GenericError,
    /// Safari warning heading.
    SafariTitle,
    /// Safari warning body.
    SafariBody,
    /// A refund.
    RefundedTitle,
}

/// The text of `msg` in `locale`.
pub fn text(locale: Locale, msg: Msg) -> &'static str {
    use Msg::*;
    match (locale, msg) {
        (Locale::En, WidgetLabel) => "Pay with DOKU Wallet",
        (Locale::Id, WidgetLabel) => "Bayar dengan DOKU Wallet",
        (Locale::En, Loading) => "Loading your order…",
        (Locale::Id, Loading) => "Memuat pesanan Anda…",
        (Locale::En, Total) => "Total",
        (Locale::Id, Total) => "Total",
        (Locale::En, ConvertedNote) => {
            "DOKU charges in rupiah: this amount is converted to IDR and rounded to 1,000.00 IDR."
        }
        (Locale::Id, ConvertedNote) => {
            "DOKU menagih dalam rupiah: jumlah ini dikonversi ke IDR dan dibulatkan ke 1.000,00 IDR."
        }
        (Locale::En, FirstName) => "First name",
        (Locale::Id, FirstName) => "Nama depan",
        (Locale::En, Email) => "Email",
        (Locale::Id, Email) => "Email",
        (Locale::En, Opening) => "Opening DOKU Wallet…",
        (Locale::Id, Opening) => "Membuka DOKU Wallet…",
        (Locale::En, WaitingForDoku) => "Waiting for DOKU Wallet…",
        (Locale::Id, WaitingForDoku) => "Menunggu DOKU Wallet…",
        (Locale::En, Redirecting) => "Taking you to DOKU Wallet…",
        (Locale::Id, Redirecting) => "Mengarahkan Anda ke DOKU Wallet…",
        (Locale::En, Checking) => "Checking your payment…",
        (Locale::Id, Checking) => "Memeriksa pembayaran Anda…",
        (Locale::En, SuccessTitle) => "Payment successful",
        (Locale::Id, SuccessTitle) => "Pembayaran berhasil",
        (Locale::En, DeclineTitle) => "Payment declined",
        (Locale::Id, DeclineTitle) => "Pembayaran ditolak",
        (Locale::En, PendingTitle) => "Payment not confirmed yet",
        (Locale::Id, PendingTitle) => "Pembayaran belum dikonfirmasi",
        (Locale::En, PendingBody) => {
            "DOKU has not confirmed your payment yet. This usually takes less than a minute. Do not pay again."
        }
        (Locale::Id, PendingBody) => {
            "DOKU belum mengonfirmasi pembayaran Anda. Biasanya kurang dari satu menit. Jangan membayar lagi."
        }
        (Locale::En, CheckAgain) => "Check again",
        (Locale::Id, CheckAgain) => "Periksa lagi",
        (Locale::En, TryAgain) => "Try again",
        (Locale::Id, TryAgain) => "Coba lagi",
        (Locale::En, PaymentId) => "Payment ID",
        (Locale::Id, PaymentId) => "ID pembayaran",
        (Locale::En, AlreadyPaid) => "This order is already paid.",
        (Locale::Id, AlreadyPaid) => "Pesanan ini sudah dibayar.",
        (Locale::En, OrderNotFound) => {
            "This order could not be found. Ask the shop for a new payment link."
        }
        (Locale::Id, OrderNotFound) => {
            "Pesanan tidak ditemukan. Minta tautan pembayaran baru ke toko."
        }
        (Locale::En, PaymentInProgress) => {
            "Someone else is paying this order right now. Try again in a few minutes."
        }
        (Locale::Id, PaymentInProgress) => {
            "Orang lain sedang membayar pesanan ini. Coba lagi dalam beberapa menit."
        }
        (Locale::En, NetworkError) => {
            "Could not reach the shop's server. Check your connection and try again."
        }
        (Locale::Id, NetworkError) => {
            "Tidak dapat menghubungi server toko. Periksa koneksi Anda dan coba lagi."
        }
        (Locale::En, PlatformUnavailable) => {
            "DOKU Wallet is not available right now. Please try again in a moment."
        }
        (Locale::Id, PlatformUnavailable) => {
            "DOKU Wallet sedang tidak tersedia. Silakan coba lagi sebentar lagi."
        }
        (Locale::En, RedirectRefused) => {
            "The payment page address did not pass our safety checks, so it was not opened. Please contact the shop."
        }
        (Locale::Id, RedirectRefused) => {
            "Alamat halaman pembayaran tidak lolos pemeriksaan keamanan, jadi tidak dibuka. Silakan hubungi toko."
        }
        (Locale::En, GenericError) => "Something went wrong. Please try again.",
        (Locale::Id, GenericError) => "Terjadi kesalahan. Silakan coba lagi.",
        (Locale::En, SafariTitle) => "Paying from Safari?",
        (Locale::Id, SafariTitle) => "Membayar dari Safari?",
        (Locale::En, SafariBody) => {
            "Safari may not open the DOKU Wallet page. If nothing happens after you press Pay, open this page in Chrome or Firefox on a computer or an Android phone. You can still continue here."
        }
        (Locale::Id, SafariBody) => {
            "Safari mungkin tidak membuka halaman DOKU Wallet. Jika tidak terjadi apa-apa setelah Anda menekan Bayar, buka halaman ini di Chrome atau Firefox pada komputer atau ponsel Android. Anda tetap bisa melanjutkan di sini."
        }
        (Locale::En, RefundedTitle) => "Payment refunded",
        (Locale::Id, RefundedTitle) => "Pembayaran dikembalikan",
    }
}

/// What to tell the customer about a problem document's `code`.
pub fn problem_msg(code: &str) -> Msg {
    // The codes the checkout tells apart, as patterns.
    const ORDER_NOT_FOUND: &str = ProblemCode::OrderNotFound.as_str();
    const ORDER_PAID: &str = ProblemCode::OrderPaid.as_str();
    const PAYMENT_IN_PROGRESS: &str = ProblemCode::PaymentInProgress.as_str();
    const PLATFORM_UNAVAILABLE: &str = ProblemCode::PlatformUnavailable.as_str();
    match code {
        ORDER_NOT_FOUND => Msg::OrderNotFound,
        ORDER_PAID => Msg::AlreadyPaid,
        PAYMENT_IN_PROGRESS => Msg::PaymentInProgress,
        PLATFORM_UNAVAILABLE => Msg::PlatformUnavailable,
        _ => Msg::GenericError,
    }
}

/// The hosted checkout's button that leaves for DOKU (the widget leaves by itself).
pub fn continue_button(locale: Locale) -> &'static str {
    match locale {
        Locale::En => "Continue to DOKU Wallet",
        Locale::Id => "Lanjutkan ke DOKU Wallet",
    }
}

/// The pay button: "Pay Rp 150.000 with DOKU Wallet".
pub fn pay_button(locale: Locale, amount: &str) -> String {
    match locale {
        Locale::En => format!("Pay {amount} with DOKU Wallet"),
        Locale::Id => format!("Bayar {amount} dengan DOKU Wallet"),
    }
}

/// The success line: "Rp 150.000 paid with DOKU Wallet."
pub fn paid(locale: Locale, amount: &str) -> String {
    match locale {
        Locale::En => format!("{amount} paid with DOKU Wallet."),
        Locale::Id => format!("{amount} dibayar dengan DOKU Wallet."),
    }
}

/// "Code 20101", for support.
pub fn code_label(locale: Locale, code: &str) -> String {
    match locale {
        Locale::En => format!("Code {code}"),
        Locale::Id => format!("Kode {code}"),
    }
}

/// Why a payment was declined, from the platform's code when it is known.
pub fn decline_reason(locale: Locale, code: Option<&str>) -> &'static str {
    match (locale, code) {
        (Locale::En, Some("20101")) => {
            "The amount or the number of payments is over your DOKU Wallet limit."
        }
        (Locale::Id, Some("20101")) => {
            "Jumlah atau frekuensi pembayaran melebihi batas DOKU Wallet Anda."
        }
        (Locale::En, Some("20105")) => "The payment was cancelled on the DOKU Wallet page.",
        (Locale::Id, Some("20105")) => "Pembayaran dibatalkan di halaman DOKU Wallet.",
        (Locale::En, Some("20504" | "expired")) => "The payment was not completed in time.",
        (Locale::Id, Some("20504" | "expired")) => "Pembayaran tidak diselesaikan tepat waktu.",
        (Locale::En, _) => "DOKU Wallet declined the payment. No money was taken.",
        (Locale::Id, _) => "DOKU Wallet menolak pembayaran. Tidak ada dana yang diambil.",
    }
}

/// The message under a field whose value `error` refused.
pub fn field_error(locale: Locale, field: Field, error: &FieldError) -> String {
    let email = field == Field::Email;
    match (locale, error) {
        (Locale::En, FieldError::Required) if email => "Enter your email address".into(),
        (Locale::Id, FieldError::Required) if email => "Masukkan alamat email Anda".into(),
        (Locale::En, FieldError::Required) => "Enter your first name".into(),
        (Locale::Id, FieldError::Required) => "Masukkan nama depan Anda".into(),
        (Locale::En, FieldError::TooLong { max }) => format!("Use at most {max} characters"),
        (Locale::Id, FieldError::TooLong { max }) => {
            format!("Gunakan paling banyak {max} karakter")
        }
        (Locale::En, _) if email => "Enter an email address like name@example.com".into(),
        (Locale::Id, _) if email => "Masukkan alamat email seperti nama@contoh.com".into(),
        (Locale::En, _) => "Use letters, spaces, apostrophes, hyphens or periods".into(),
        (Locale::Id, _) => "Gunakan huruf, spasi, apostrof, tanda hubung, atau titik".into(),
    }
}

/// The customer's locale: the configured one, else the first of the browser's
/// languages the checkout speaks, else English.
pub fn choose_locale<'a>(
    configured: Option<Locale>,
    browser: impl IntoIterator<Item = &'a str>,
) -> Locale {
    configured
        .or_else(|| browser.into_iter().find_map(Locale::from_tag))
        .unwrap_or(Locale::En)
}

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

    #[test]
    fn locale_falls_back_from_config_to_browser_to_english() {
        assert_eq!(choose_locale(Some(Locale::Id), ["en-US"]), Locale::Id);
        assert_eq!(choose_locale(None, ["fr-FR", "id-ID", "en"]), Locale::Id);
        assert_eq!(choose_locale(None, ["fr-FR", "de"]), Locale::En);
        assert_eq!(choose_locale(None, []), Locale::En);
    }

    #[test]
    fn field_errors_are_translated() {
        assert_eq!(
            field_error(Locale::Id, Field::Email, &FieldError::Required),
            "Masukkan alamat email Anda"
        );
        assert_eq!(
            field_error(
                Locale::En,
                Field::FirstName,
                &FieldError::TooLong { max: 50 }
            ),
            "Use at most 50 characters"
        );
        assert_eq!(
            field_error(
                Locale::En,
                Field::Email,
                &FieldError::Format("email address")
            ),
            "Enter an email address like name@example.com"
        );
    }

    #[test]
    fn decline_reasons_by_code() {
        assert!(decline_reason(Locale::En, Some("20101")).contains("limit"));
        assert!(decline_reason(Locale::Id, Some("20101")).contains("batas"));
        assert_eq!(
            decline_reason(Locale::En, Some("999")),
            decline_reason(Locale::En, None)
        );
    }

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
