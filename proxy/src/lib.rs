//! The merchant's DOKU checkout server: it holds the secret key, signs requests, opens
//! payment sessions, receives the platform's callbacks and answers the widget.
//!
//! The binary (`doku-proxy`) is a thin command line over this library, so tests start
//! the same server in-process on a loopback port of their choosing.

pub mod api;
pub mod app;
pub mod auth;
pub mod config;
pub mod extract;
pub mod hosted;
pub mod ids;
pub mod merchant_cli;
pub mod metrics;
pub mod pages;
pub mod platform;
pub mod problem;
pub mod reconciler;
pub mod registration;
pub mod server;
pub mod signature_cli;
pub mod store;
