//! A local emulation of the ecommpay platform and the DOKU Wallet pages, so the whole
//! payment journey runs on one machine without an account.
//!
//! - Payment Page (`/payment`), Gate (`/v2/payment/wallet/doku/sale`, `.../payout`,
//!   `/v2/payment/status`) and the DOKU page (`/doku/Suite/Receive`), with the
//!   platform's signatures (from the `ecommpay` crate), limits, currency rules, test
//!   amounts and threshold time.
//! - Signed callbacks, retried with exponential backoff and logged attempt by attempt.
//! - Fault injection per project or payment ([`Faults`]) and inspection of a payment's
//!   state and deliveries ([`Sandbox::payment`], or the `/sandbox/...` JSON API).
//!
//! ```no_run
//! # async fn run() -> Result<(), ecommpay_sandbox::StartError> {
//! let mut config = ecommpay_sandbox::Config::default();
//! config.listen = "127.0.0.1:0".parse().expect("an address");
//! let running = ecommpay_sandbox::spawn(config).await?;
//! println!("Payment Page at {}", running.url("/payment"));
//! # Ok(()) }
//! ```

mod callback_body;
mod clock;
pub mod config;
mod contact;
mod control;
pub mod delivery;
pub mod doku;
mod doku_pages;
pub mod faults;
mod gate_api;
mod html;
mod ids;
pub mod money;
pub mod outcome;
pub mod payment;
mod payment_page;
mod request_error;
mod routes;
mod sandbox;
mod server;

pub use config::{Config, ConfigError, DeliveryConfig, ProjectConfig};
pub use faults::Faults;
pub use payment::PaymentView;
pub use payment_page::check_payment_page_request;
pub use sandbox::{Sandbox, StartError, UnknownProject};
pub use server::{RunningSandbox, serve, spawn};
