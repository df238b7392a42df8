//! What survives a reload or the trip to DOKU, in `sessionStorage` (per tab): the
//! idempotency key of the current attempt and the payment the customer left to pay.
//! Where storage is unavailable (some private modes), an in-memory copy keeps the
//! current page consistent.

use std::cell::RefCell;

thread_local! {
    static MEMORY: RefCell<Vec<(String, String)>> = const { RefCell::new(Vec::new()) };
}

fn session_storage() -> Option<web_sys::Storage> {
    web_sys::window()?.session_storage().ok().flatten()
}

/// The stored value, else the in-memory copy (kept when storage refused the write).
fn get(name: &str) -> Option<String> {
    session_storage()
        .and_then(|storage| storage.get_item(name).ok().flatten())
        .or_else(|| {
            MEMORY.with(|m| {
                m.borrow()
                    .iter()
                    .find(|(k, _)| k == name)
                    .map(|(_, v)| v.clone())
            })
        })
}

fn set(name: &str, value: &str) {
    let stored = session_storage().is_some_and(|s| s.set_item(name, value).is_ok());
    if !stored {
        remove(name);
        MEMORY.with(|m| m.borrow_mut().push((name.to_string(), value.to_string())));
    }
}

fn remove(name: &str) {
    if let Some(storage) = session_storage() {
        storage.remove_item(name).ok();
    }
    MEMORY.with(|m| m.borrow_mut().retain(|(k, _)| k != name));
}

fn key_name(order_id: &str) -> String {
    format!("doku-checkout:{order_id}:key")
}

fn pending_name(order_id: &str) -> String {
    format!("doku-checkout:{order_id}:pending")
}

/// The idempotency key of the current attempt to pay `order_id`: made once, then reused
/// by every retry, double click and reload until the attempt ends.
pub fn attempt_key(order_id: &str) -> String {
    let name = key_name(order_id);
    if let Some(key) = get(&name) {
        return key;
    }
    let key = random_key();
    set(&name, &key);
    key
}

/// Ends the current attempt (after a decline): the next payment gets a new key.
pub fn end_attempt(order_id: &str) {
    remove(&key_name(order_id));
}

/// The payment the customer left this page to pay, if any.
pub fn pending_payment(order_id: &str) -> Option<String> {
    get(&pending_name(order_id))
}

/// Records that the customer is leaving to pay `payment_id`.
pub fn set_pending_payment(order_id: &str, payment_id: &str) {
    set(&pending_name(order_id), payment_id);
}

/// Forgets the pending payment (its result is final).
pub fn clear_pending_payment(order_id: &str) {
    remove(&pending_name(order_id));
}

/// A random UUID from the browser's cryptographic generator.
fn random_key() -> String {
    let crypto = web_sys::window().and_then(|w| w.crypto().ok());
    if let Some(crypto) = &crypto {
        let uuid = crypto.random_uuid();
        if !uuid.is_empty() {
            return uuid;
        }
    }
    // Older browsers: 16 random bytes as hex.
    let mut bytes = [0u8; 16];
    if let Some(crypto) = crypto {
        crypto.get_random_values_with_u8_array(&mut bytes).ok();
    }
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
