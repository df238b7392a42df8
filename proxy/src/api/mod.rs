//! The HTTP API: the merchant's endpoints (bearer key), the widget's checkout endpoints
//! (CORS for the configured origins) and the platform's callback endpoint.

pub mod callbacks;
pub mod orders;
pub mod payouts;
pub mod reports;
pub mod sessions;
