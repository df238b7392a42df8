//! Properties of the signature that every input must have.

use ecommpay::{Signer, string_to_sign};
use proptest::prelude::*;
use serde_json::{Map, Value};

/// JSON values up to three levels deep, with keys that include `:` and digits.
fn json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        "[a-zA-Z0-9 :;&=]{0,8}".prop_map(Value::String),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map("[a-z0-9:]{1,4}", inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

fn object() -> impl Strategy<Value = Map<String, Value>> {
    prop::collection::btree_map("[a-z0-9:_]{1,6}", json(), 1..6).prop_map(|m| {
        m.into_iter()
            .filter(|(k, _)| k != "frame_mode" && k != "signature")
            .collect()
    })
}

/// Every leaf value that renders to text (strings, numbers, booleans), with its path.
fn scalar_paths(value: &Value, path: &mut Vec<String>, out: &mut Vec<Vec<String>>) {
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                if k == "frame_mode" || k == "signature" {
                    continue;
                }
                path.push(k.clone());
                scalar_paths(v, path, out);
                path.pop();
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                path.push(i.to_string());
                scalar_paths(v, path, out);
                path.pop();
            }
        }
        Value::String(_) | Value::Number(_) | Value::Bool(_) => out.push(path.clone()),
        Value::Null => {}
    }
}

fn value_at<'a>(value: &'a mut Value, path: &[String]) -> &'a mut Value {
    path.iter().fold(value, |v, key| match v {
        Value::Object(map) => map.get_mut(key).expect("path exists"),
        Value::Array(items) => &mut items[key.parse::<usize>().expect("an index")],
        _ => unreachable!(),
    })
}

fn changed(value: &Value) -> Value {
    match value {
        Value::String(s) => Value::String(format!("{s}x")),
        Value::Number(n) => Value::from(n.as_i64().map_or(0, |i| i.wrapping_add(1))),
        Value::Bool(b) => Value::Bool(!b),
        other => other.clone(),
    }
}

proptest! {
    #[test]
    fn key_order_never_changes_the_signature(map in object(), seed in any::<u64>()) {
        let mut entries: Vec<(String, Value)> = map.clone().into_iter().collect();
        // A deterministic shuffle from the seed.
        let len = entries.len();
        for i in (1..len).rev() {
            entries.swap(i, (seed as usize).wrapping_mul(i + 7) % (i + 1));
        }
        let shuffled = Value::Object(entries.into_iter().collect());
        let signer = Signer::new("k");
        prop_assert_eq!(signer.sign_value(&Value::Object(map)), signer.sign_value(&shuffled));
    }

    #[test]
    fn any_change_of_a_value_changes_the_signature(map in object(), pick in any::<prop::sample::Index>()) {
        let original = Value::Object(map);
        let mut paths = Vec::new();
        scalar_paths(&original, &mut Vec::new(), &mut paths);
        prop_assume!(!paths.is_empty());
        let path = &paths[pick.index(paths.len())];
        let mut tampered = original.clone();
        let leaf = value_at(&mut tampered, path);
        *leaf = changed(leaf);
        let signer = Signer::new("k");
        prop_assert_ne!(signer.sign_value(&original), signer.sign_value(&tampered));
    }

    #[test]
    fn a_colon_in_a_key_never_collides_with_nesting(a in "[a-z]{1,5}", b in "[a-z]{1,5}", v in "[a-z0-9]{0,5}") {
        let flat = serde_json::json!({ format!("{a}:{b}"): v.clone() });
        let nested = serde_json::json!({ a.clone(): { b.clone(): v.clone() } });
        prop_assert_ne!(string_to_sign(&flat), string_to_sign(&nested));
    }

    #[test]
    fn a_list_never_collides_with_an_object_keyed_by_other_digits(v in "[a-z]{1,5}") {
        let list = serde_json::json!({ "e": [v.clone()] });
        let object = serde_json::json!({ "e": { "00": v.clone() } });
        prop_assert_ne!(string_to_sign(&list), string_to_sign(&object));
    }

    #[test]
    fn the_secret_matters(map in object(), a in "[a-z]{1,8}", b in "[a-z]{1,8}") {
        prop_assume!(a != b);
        let params = Value::Object(map);
        prop_assert_ne!(Signer::new(a).sign_value(&params), Signer::new(b).sign_value(&params));
    }

    #[test]
    fn signing_never_panics(value in json()) {
        let _ = Signer::new("k").sign_value(&value);
    }
}
