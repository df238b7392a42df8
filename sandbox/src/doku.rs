//! The DOKU side of a purchase: the form the platform posts to DOKU's page (the
//! `redirect_data` body), its `WORDS` digest, and the check DOKU makes on receipt.

use crate::money::doku_amount;
use serde_json::{Map, Value};
use sha1::{Digest, Sha1};

/// Path of the emulated DOKU page that receives the form.
pub const RECEIVE_PATH: &str = "/doku/Suite/Receive";
/// `CHAINMERCHANT` when there is no chain.
const CHAIN_MERCHANT: &str = "NA";
/// `PAYMENTTYPE` of a purchase.
const PAYMENT_TYPE: &str = "SALE";
/// ISO 4217 numeric code of IDR, as DOKU writes currencies.
const IDR_NUMERIC: &str = "360";
/// DOKU's channel for DOKU Wallet.
const PAYMENT_CHANNEL: &str = "41";

/// `WORDS`: SHA-1 (lower-case hex) of `AMOUNT + MALLID + shared key + TRANSIDMERCHANT`,
/// as DOKU computes it.
pub fn words(amount: &str, mall_id: u64, shared_key: &str, trans_id: u64) -> String {
    crate::ids::hex(&Sha1::digest(format!(
        "{amount}{mall_id}{shared_key}{trans_id}"
    )))
}

/// A project's merchant account at DOKU: its `MALLID` and the shared key `WORDS` is
/// computed with.
#[derive(Clone, PartialEq, Eq)]
pub struct DokuMerchant {
    /// `MALLID`.
    pub mall_id: u64,
    /// The key DOKU and the platform share. Never printed.
    pub shared_key: String,
}

impl std::fmt::Debug for DokuMerchant {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "DokuMerchant {{ mall_id: {}, shared_key: ******** }}",
            self.mall_id
        )
    }
}

/// One DOKU payment session: what the platform sent to DOKU for a purchase.
#[derive(Debug, Clone)]
pub struct DokuSession {
    /// `SESSIONID`.
    pub session_id: String,
    /// `MALLID`: the project's DOKU merchant id.
    pub mall_id: u64,
    /// `TRANSIDMERCHANT`: the platform's operation id.
    pub trans_id: u64,
    /// `AMOUNT` and `PURCHASEAMOUNT` (`10000.00`).
    pub amount: String,
    /// `WORDS`.
    pub words: String,
    /// `REQUESTDATETIME` (`YYYYMMDDhhmmss`, UTC).
    pub request_datetime: String,
    /// `NAME`; empty when the merchant did not give it.
    pub name: String,
    /// `EMAIL`; empty when the merchant did not give it.
    pub email: String,
    /// The form reached DOKU's page (the page is only shown after that).
    pub received: bool,
}

/// What is wrong with a form posted to DOKU's page.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DokuError {
    /// A required field is absent or empty.
    #[error("the field {0} is missing")]
    Missing(&'static str),
    /// A field is sent more than once.
    #[error("the field {0} is sent more than once")]
    Repeated(&'static str),
    /// No session has this `SESSIONID`.
    #[error("no DOKU session has this SESSIONID")]
    UnknownSession,
    /// A field differs from what the platform sent for this session.
    #[error("the field {0} does not match this session")]
    Mismatch(&'static str),
    /// `WORDS` is not the digest of the fields with the merchant's shared key.
    #[error(
        "WORDS does not match AMOUNT, MALLID and TRANSIDMERCHANT with the merchant's shared key"
    )]
    Words,
}

/// Fields DOKU requires, in the order the platform sends them (`NAME` and `EMAIL` may be
/// empty and are not in this list).
const REQUIRED: [&str; 13] = [
    "MALLID",
    "CHAINMERCHANT",
    "AMOUNT",
    "PURCHASEAMOUNT",
    "TRANSIDMERCHANT",
    "PAYMENTTYPE",
    "WORDS",
    "REQUESTDATETIME",
    "CURRENCY",
    "PURCHASECURRENCY",
    "SESSIONID",
    "BASKET",
    "PAYMENTCHANNEL",
];

impl DokuSession {
    /// A session for `idr_minor` rupiah minor units.
    pub fn new(
        session_id: String,
        merchant: &DokuMerchant,
        trans_id: u64,
        idr_minor: u64,
        request_datetime: String,
        name: Option<&str>,
        email: Option<&str>,
    ) -> DokuSession {
        let amount = doku_amount(idr_minor);
        DokuSession {
            words: words(&amount, merchant.mall_id, &merchant.shared_key, trans_id),
            session_id,
            mall_id: merchant.mall_id,
            trans_id,
            amount,
            request_datetime,
            name: name.unwrap_or_default().to_string(),
            email: email.unwrap_or_default().to_string(),
            received: false,
        }
    }

    /// `BASKET`: one line `name,price,quantity,total`.
    fn basket(&self) -> String {
        format!("Sale,{0},1,{0}", self.amount)
    }

    /// The form's fields, as the `redirect_data` body carries them (ids as numbers).
    pub fn fields(&self) -> Map<String, Value> {
        let text = |s: &str| Value::String(s.to_string());
        [
            ("MALLID", Value::from(self.mall_id)),
            ("CHAINMERCHANT", text(CHAIN_MERCHANT)),
            ("AMOUNT", text(&self.amount)),
            ("PURCHASEAMOUNT", text(&self.amount)),
            ("TRANSIDMERCHANT", Value::from(self.trans_id)),
            ("PAYMENTTYPE", text(PAYMENT_TYPE)),
            ("WORDS", text(&self.words)),
            ("REQUESTDATETIME", text(&self.request_datetime)),
            ("CURRENCY", text(IDR_NUMERIC)),
            ("PURCHASECURRENCY", text(IDR_NUMERIC)),
            ("SESSIONID", text(&self.session_id)),
            ("NAME", text(&self.name)),
            ("EMAIL", text(&self.email)),
            ("BASKET", text(&self.basket())),
            ("PAYMENTCHANNEL", text(PAYMENT_CHANNEL)),
        ]
        .into_iter()
        .map(|(name, value)| (name.to_string(), value))
        .collect()
    }

    /// The fields as a browser posts them: every value as text.
    pub fn form_fields(&self) -> Vec<(String, String)> {
        self.fields()
            .into_iter()
            .map(|(name, value)| {
                let text = match value {
                    Value::String(text) => text,
                    other => other.to_string(),
                };
                (name, text)
            })
            .collect()
    }

    /// Checks a posted form against this session: every field as sent, and `WORDS`
    /// recomputed from the posted `AMOUNT`, `MALLID` and `TRANSIDMERCHANT`.
    pub fn check(
        &self,
        form: &[(String, String)],
        merchant: &DokuMerchant,
    ) -> Result<(), DokuError> {
        for name in REQUIRED {
            field(form, name)?;
        }
        let expected = self.form_fields();
        for name in REQUIRED.into_iter().filter(|name| *name != "WORDS") {
            let want = expected
                .iter()
                .find(|(key, _)| key == name)
                .map(|(_, value)| value.as_str());
            if Some(field(form, name)?) != want {
                return Err(DokuError::Mismatch(name));
            }
        }
        let recomputed = words(
            field(form, "AMOUNT")?,
            merchant.mall_id,
            &merchant.shared_key,
            self.trans_id,
        );
        if field(form, "WORDS")? != recomputed {
            return Err(DokuError::Words);
        }
        Ok(())
    }
}

/// The one non-empty value of `name` in `form`.
pub fn field<'a>(form: &'a [(String, String)], name: &'static str) -> Result<&'a str, DokuError> {
    optional_field(form, name)?.ok_or(DokuError::Missing(name))
}

/// The value of `name` in `form` if present and non-empty; an error if repeated.
pub fn optional_field<'a>(
    form: &'a [(String, String)],
    name: &'static str,
) -> Result<Option<&'a str>, DokuError> {
    let mut values = form.iter().filter(|(key, _)| key == name);
    let first = values.next().map(|(_, value)| value.as_str());
    if values.next().is_some() {
        return Err(DokuError::Repeated(name));
    }
    Ok(first.filter(|value| !value.trim().is_empty()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn merchant(key: &str) -> DokuMerchant {
        DokuMerchant {
            mall_id: 4038,
            shared_key: key.into(),
        }
    }

    fn session() -> DokuSession {
        DokuSession::new(
            "7d28088c".into(),
            &merchant("shared"),
            1_447_000_002_341,
            1_000_000,
            "20181218142352".into(),
            Some("Riza"),
            Some("riza@testpay.com"),
        )
    }

    #[test]
    fn words_is_sha1_of_amount_mall_key_and_transaction() {
        // printf '%s' '10000.004038shared1447000002341' | sha1sum
        assert_eq!(
            words("10000.00", 4038, "shared", 1_447_000_002_341),
            "fce58b7faaaf8e752bc082d56f85ccca27628798"
        );
        assert_eq!(
            session().words,
            words("10000.00", 4038, "shared", 1_447_000_002_341)
        );
    }

    #[test]
    fn fields_are_the_seeds_in_its_order_and_types() {
        let fields = session().fields();
        let names: Vec<&str> = fields.keys().map(String::as_str).collect();
        assert_eq!(
            names,
            [
                "MALLID",
                "CHAINMERCHANT",
                "AMOUNT",
                "PURCHASEAMOUNT",
                "TRANSIDMERCHANT",
                "PAYMENTTYPE",
                "WORDS",
                "REQUESTDATETIME",
                "CURRENCY",
                "PURCHASECURRENCY",
                "SESSIONID",
                "NAME",
                "EMAIL",
                "BASKET",
                "PAYMENTCHANNEL"
            ]
        );
        assert_eq!(fields["MALLID"], Value::from(4038));
        assert_eq!(fields["TRANSIDMERCHANT"], Value::from(1_447_000_002_341u64));
        assert_eq!(fields["AMOUNT"], "10000.00");
        assert_eq!(fields["BASKET"], "Sale,10000.00,1,10000.00");
        assert_eq!(fields["CURRENCY"], "360");
        assert_eq!(fields["PAYMENTCHANNEL"], "41");
    }

    #[test]
    fn the_posted_form_is_checked_field_by_field_and_by_words() {
        let session = session();
        let form = session.form_fields();
        assert_eq!(session.check(&form, &merchant("shared")), Ok(()));
        assert_eq!(
            session.check(&form, &merchant("other key")),
            Err(DokuError::Words)
        );

        let with = |name: &str, value: &str| -> Vec<(String, String)> {
            form.iter()
                .map(|(k, v)| {
                    (
                        k.clone(),
                        if k == name {
                            value.to_string()
                        } else {
                            v.clone()
                        },
                    )
                })
                .collect()
        };
        assert_eq!(
            session.check(&with("WORDS", "0000"), &merchant("shared")),
            Err(DokuError::Words)
        );
        assert_eq!(
            session.check(&with("AMOUNT", "1.00"), &merchant("shared")),
            Err(DokuError::Mismatch("AMOUNT"))
        );
        assert_eq!(
            session.check(&with("BASKET", ""), &merchant("shared")),
            Err(DokuError::Missing("BASKET"))
        );
        // NAME and EMAIL may be empty.
        assert_eq!(
            session.check(&with("NAME", ""), &merchant("shared")),
            Ok(())
        );

        let mut repeated = form.clone();
        repeated.push(("MALLID".into(), "1".into()));
        assert_eq!(
            session.check(&repeated, &merchant("shared")),
            Err(DokuError::Repeated("MALLID"))
        );
    }
}
