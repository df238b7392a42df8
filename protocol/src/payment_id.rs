//! Payment ids in URLs. Back from DOKU, the widget and the proxy's hosted page both read
//! which payment to ask about from the query, and nothing else the URL says.

/// Whether `id` has the shape of a payment id the proxy issues: `pay_` and letters or
/// digits, at most 64 characters.
pub fn is_payment_id(id: &str) -> bool {
    id.len() <= 64
        && id
            .strip_prefix("pay_")
            .is_some_and(|rest| !rest.is_empty() && rest.bytes().all(|b| b.is_ascii_alphanumeric()))
}

/// The query parameter `name` of `query` (`?a=b&payment_id=pay_…`, the `?` optional),
/// if it is a well-formed payment id.
pub fn payment_id_param(query: &str, name: &str) -> Option<String> {
    query
        .trim_start_matches('?')
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value.to_string())
        .filter(|id| is_payment_id(id))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_well_formed_payment_id_is_read() {
        let id = |query| payment_id_param(query, "payment_id");
        assert_eq!(id("?payment_id=pay_abc234"), Some("pay_abc234".into()));
        assert_eq!(
            id("?o=1&payment_id=pay_x&status=success"),
            Some("pay_x".into())
        );
        assert_eq!(id("opening=pay_x&payment_id=pay_y"), Some("pay_y".into()));
        assert_eq!(
            payment_id_param("opening=pay_x", "opening"),
            Some("pay_x".into())
        );
        for refused in [
            "?payment_id=<script>",
            "?payment_id=ord_1",
            "?payment_id=pay_",
            "?payment_id=pay_a_b",
            "?status=success",
            "",
        ] {
            assert_eq!(id(refused), None, "{refused}");
        }
        assert!(!is_payment_id(&format!("pay_{}", "a".repeat(61))));
    }
}
