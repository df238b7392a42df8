//! The ecommpay payment platform, as a merchant's server talks to it for DOKU Wallet.
//!
//! - [`Signer`]: the platform's HMAC-SHA512 signature over flattened, naturally sorted
//!   parameters, for Payment Page URLs, Gate requests and callbacks;
//!   [`string_to_sign`] shows exactly what is signed, to debug a mismatch.
//! - [`PaymentPageRequest`]: a typed Payment Page request, signed into a URL or a POST.
//! - [`gate`]: typed DOKU sale, payout and status requests, and [`GateClient`] to send
//!   them.
//! - [`verify_callback`]: checks a callback's signature, then reads it into a lenient
//!   typed [`Callback`].
//!
//! ```
//! use ecommpay::{PaymentPageRequest, Signer, PAYMENT_PAGE_URL};
//!
//! let signer = Signer::new("project secret");
//! let mut request = PaymentPageRequest::new(120, "order-580", 15_000_000, "IDR", "customer-1");
//! request.force_payment_method = Some("doku".into());
//! let url = request.signed_url(PAYMENT_PAGE_URL, &signer)?;
//! assert!(url.starts_with("https://paymentpage.ecommpay.com/payment?project_id=120&"));
//! assert!(url.contains("&force_payment_method=doku&signature="));
//! # Ok::<(), ecommpay::PaymentPageError>(())
//! ```

pub mod callback;
#[cfg(feature = "client")]
pub mod client;
pub mod gate;
mod natural;
pub mod payment_page;
pub mod signature;
pub mod status;

pub use callback::{Callback, CallbackError, RedirectData, verify_callback};
#[cfg(feature = "client")]
pub use client::{GateClient, GateError};
pub use natural::natural_cmp;
pub use payment_page::{PAYMENT_PAGE_URL, PaymentPageError, PaymentPageRequest, RedirectMode};
pub use signature::{Signer, string_to_sign};
pub use status::PaymentStatus;
