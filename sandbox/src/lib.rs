//! A local emulation of the ecommpay platform and the DOKU Wallet pages, so the whole
//! payment journey runs on one machine without an account.
