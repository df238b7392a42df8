//! The contract between the DOKU checkout widget and the merchant proxy.
//!
//! Both sides compile this crate, so a name or an email the widget accepts is exactly
//! one the proxy accepts. It has no web or server dependencies: only `serde`.

pub mod customer;
pub mod field;

pub use customer::{Email, FirstName};
pub use field::{Field, FieldError, Problem};
