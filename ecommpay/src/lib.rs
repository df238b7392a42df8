//! The ecommpay payment platform, as a merchant's server talks to it: request
//! signatures, Payment Page URLs, Gate requests and callbacks.
