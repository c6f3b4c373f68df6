//! The order in which a result's fields were written. Results pass through
//! `serde_json::Value` and JMESPath, whose objects keep their keys sorted; the SDK's structs
//! declare their fields in the documented order, which the printed output follows.

use std::collections::HashSet;
use std::fmt;

use serde::Serialize;
use serde::de::{DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};

/// Every distinct key sequence of the objects in a result, in the order first seen.
#[derive(Debug, Clone, Default)]
pub struct FieldOrder {
    sequences: Vec<Vec<String>>,
    seen: HashSet<Vec<String>>,
}

impl FieldOrder {
    /// The order of `value` as serde writes it.
    pub fn of<T: Serialize>(value: &T) -> Self {
        let mut order = FieldOrder::default();
        order.add(value);
        order
    }

    /// Adds the key sequences of `value` (another item of the same result).
    pub fn add<T: Serialize>(&mut self, value: &T) {
        // A value serde cannot write as JSON has no order to follow: its keys stay sorted.
        if let Ok(text) = serde_json::to_string(value) {
            self.add_json(&text);
        }
    }

    /// Adds the key sequences of the objects in JSON `text`.
    pub fn add_json(&mut self, text: &str) {
        let mut de = serde_json::Deserializer::from_str(text);
        let _ = Recorder(self).deserialize(&mut de);
    }

    fn record(&mut self, keys: Vec<String>) {
        if !keys.is_empty() && self.seen.insert(keys.clone()) {
            self.sequences.push(keys);
        }
    }

    /// `keys` in written order: by their place in the recorded object that holds most of
    /// them, then the others by their place in the first object that has them; keys never
    /// written (e.g. `--query` aliases) keep their given order, at the end.
    pub fn arrange<'k>(&self, keys: impl IntoIterator<Item = &'k str>) -> Vec<&'k str> {
        let mut keys: Vec<&str> = keys.into_iter().collect();
        let overlap =
            |seq: &Vec<String>| keys.iter().filter(|k| seq.iter().any(|s| s == *k)).count();
        let best = self
            .sequences
            .iter()
            .enumerate()
            .max_by_key(|(i, seq)| (overlap(seq), std::cmp::Reverse(*i)))
            .map(|(_, seq)| seq);
        let rank = |k: &str| -> (u8, usize) {
            let place = |seq: &Vec<String>| seq.iter().position(|s| s == k);
            if let Some(i) = best.and_then(place) {
                return (0, i);
            }
            match self.sequences.iter().find_map(place) {
                Some(i) => (1, i),
                None => (2, 0),
            }
        };
        keys.sort_by_key(|k| rank(k));
        keys
    }
}

/// Walks JSON, recording each object's keys.
struct Recorder<'o>(&'o mut FieldOrder);

impl<'de> DeserializeSeed<'de> for Recorder<'_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Recorder<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E>(self, _: bool) -> Result<(), E> {
        Ok(())
    }

    fn visit_i64<E>(self, _: i64) -> Result<(), E> {
        Ok(())
    }

    fn visit_u64<E>(self, _: u64) -> Result<(), E> {
        Ok(())
    }

    fn visit_f64<E>(self, _: f64) -> Result<(), E> {
        Ok(())
    }

    fn visit_str<E>(self, _: &str) -> Result<(), E> {
        Ok(())
    }

    fn visit_unit<E>(self) -> Result<(), E> {
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let order = self.0;
        while seq.next_element_seed(Recorder(order))?.is_some() {}
        Ok(())
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let order = self.0;
        let mut keys = Vec::new();
        while let Some(key) = map.next_key::<String>()? {
            map.next_value_seed(Recorder(order))?;
            keys.push(key);
        }
        order.record(keys);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Serialize)]
    struct Task {
        task_id: &'static str,
        status: &'static str,
        #[serde(skip_serializing_if = "Option::is_none")]
        error: Option<&'static str>,
        source: Source,
        created_at: &'static str,
    }

    #[derive(Serialize)]
    struct Source {
        status: &'static str,
        addrs: &'static str,
    }

    fn task(error: Option<&'static str>) -> Task {
        Task {
            task_id: "t",
            status: "S",
            error,
            source: Source {
                status: "x",
                addrs: "a",
            },
            created_at: "c",
        }
    }

    #[test]
    fn keys_follow_the_declaration_order_of_the_object_that_has_them() {
        let mut order = FieldOrder::of(&vec![task(None)]);
        order.add(&task(Some("boom")));
        let sorted = ["created_at", "error", "source", "status", "task_id"];
        assert_eq!(
            order.arrange(sorted),
            ["task_id", "status", "error", "source", "created_at"]
        );
        // The nested object's own order, not the outer one's.
        assert_eq!(order.arrange(["addrs", "status"]), ["status", "addrs"]);
        // Unknown keys (query aliases) keep their order, after the known ones.
        assert_eq!(
            order.arrange(["zz", "aa", "created_at", "task_id"]),
            ["task_id", "created_at", "zz", "aa"]
        );
    }

    proptest::proptest! {
        /// Any text: no panic; `arrange` gives back exactly the keys it was given.
        #[test]
        fn arrange_is_a_permutation(
            text in "[\\[\\]{}:,\"a-c0-9 ]{0,60}",
            keys in proptest::collection::vec("[a-c]{1,2}", 0..6),
        ) {
            let mut order = FieldOrder::default();
            order.add_json(&text);
            let mut got: Vec<&str> = order.arrange(keys.iter().map(String::as_str));
            let mut want: Vec<&str> = keys.iter().map(String::as_str).collect();
            got.sort_unstable();
            want.sort_unstable();
            proptest::prop_assert_eq!(got, want);
        }
    }

    #[test]
    fn no_recorded_order_keeps_the_given_one() {
        let order = FieldOrder::default();
        assert_eq!(order.arrange(["b", "a"]), ["b", "a"]);
        let mut broken = FieldOrder::default();
        broken.add_json("{\"b\": [1, {\"d\": 1, \"c\": 2}], \"a\"");
        assert_eq!(broken.arrange(["c", "d"]), ["d", "c"]);
    }
}
