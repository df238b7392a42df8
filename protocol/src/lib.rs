//! The contract between the DOKU checkout widget and the merchant proxy.
//!
//! Both sides compile this crate, so a name, an email, an amount or a redirect the
//! widget accepts is exactly one the proxy accepts. It has no web or server
//! dependencies: only `serde` (and `thiserror` for error types).

pub mod api;
pub mod browser;
pub mod customer;
pub mod description;
pub mod field;
pub mod i18n;
pub mod money;
pub mod payment_id;
pub mod problem_code;
pub mod redirect;
pub mod status;

pub use api::{CreateSession, CustomerInput, Locale, OrderView, ProblemDocument, SessionView};
pub use customer::{Email, FirstName};
pub use description::Description;
pub use field::{Field, FieldError, Problem};
pub use money::{Currency, Idr, Kyc, OrderAmount};
pub use problem_code::ProblemCode;
pub use redirect::{
    BodyValue, RedirectData, RedirectError, RedirectMethod, RedirectPolicy, UncheckedRedirect,
};
pub use status::{CheckoutStatus, Transition};
