//! The sandbox over real HTTP on loopback: Payment Page, Gate, the DOKU page, callback
//! delivery, expiry and fault injection. Every callback's signature is verified with
//! `ecommpay::verify_callback`.

mod callbacks;
mod faults;
mod gate;
mod lifecycle;
mod payment_page;
mod support;
