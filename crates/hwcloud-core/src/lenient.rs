//! Tolerant decoding for fields whose wire type differs from the documented one.
//!
//! The DCS docs type the `/stats` counters and `bandwidth_limit_mb` as strings, while real
//! responses (and the SetOnlineMigrationTask example) carry JSON numbers.

use serde::de::{self, Deserializer, Visitor};
use serde::{Deserialize, Serialize, Serializer};
use std::fmt;

/// A value documented as a string that the service may send as a number.
///
/// It keeps the representation it arrived in, so a response serializes back unchanged.
#[derive(Clone, PartialEq, Eq)]
pub enum NumberOrString {
    /// Arrived as a JSON number.
    Number(serde_json::Number),
    /// Arrived as a JSON string.
    String(String),
}

impl NumberOrString {
    /// The value as an integer, when it is one (strings are parsed, trimmed).
    pub fn as_i64(&self) -> Option<i64> {
        match self {
            Self::Number(n) => n.as_i64().or_else(|| n.as_f64().map(|f| f as i64)),
            Self::String(s) => {
                let s = s.trim();
                s.parse::<i64>()
                    .ok()
                    .or_else(|| s.parse::<f64>().ok().map(|f| f as i64))
            }
        }
    }

    /// The value as a float, when it is numeric.
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Self::Number(n) => n.as_f64(),
            Self::String(s) => s.trim().parse::<f64>().ok(),
        }
    }
}

impl fmt::Display for NumberOrString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Number(n) => write!(f, "{n}"),
            Self::String(s) => f.write_str(s),
        }
    }
}

impl fmt::Debug for NumberOrString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Number(n) => write!(f, "{n}"),
            Self::String(s) => write!(f, "{s:?}"),
        }
    }
}

impl From<i64> for NumberOrString {
    fn from(v: i64) -> Self {
        Self::Number(v.into())
    }
}

impl From<&str> for NumberOrString {
    fn from(v: &str) -> Self {
        Self::String(v.to_owned())
    }
}

impl Serialize for NumberOrString {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Self::Number(n) => n.serialize(s),
            Self::String(v) => s.serialize_str(v),
        }
    }
}

impl<'de> Deserialize<'de> for NumberOrString {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = NumberOrString;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a number or a string")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(NumberOrString::String(v.to_owned()))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
                Ok(NumberOrString::Number(v.into()))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
                Ok(NumberOrString::Number(v.into()))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
                serde_json::Number::from_f64(v)
                    .map(NumberOrString::Number)
                    .ok_or_else(|| E::custom("non-finite number"))
            }
        }
        d.deserialize_any(V)
    }
}

/// serde `with` module for an `Option<String>` that the service may send as a number but
/// that we always send as a JSON string, as the official SDKs do. Nothing else is read: the
/// spec (`lenient`) and the exported OpenAPI (`type: [string, number]`) admit these two.
pub mod string {
    use super::*;

    /// Writes the value as a JSON string.
    pub fn serialize<S: Serializer>(v: &Option<String>, s: S) -> Result<S::Ok, S::Error> {
        match v {
            Some(v) => s.serialize_str(v),
            None => s.serialize_none(),
        }
    }

    /// Reads a string or number into a string; `null` into `None`.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Option<String>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string, number or null")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(Some(v.to_owned()))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
                Ok(Some(v.to_string()))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
                Ok(Some(v.to_string()))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
                Ok(Some(v.to_string()))
            }
            fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(None)
            }
            fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(None)
            }
            fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
                d.deserialize_any(self)
            }
        }
        d.deserialize_option(V)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Serialize, Deserialize)]
    struct Holder {
        #[serde(
            default,
            skip_serializing_if = "Option::is_none",
            with = "crate::lenient::string"
        )]
        bw: Option<String>,
        n: NumberOrString,
    }

    #[test]
    fn number_becomes_string_on_the_way_out() {
        let h: Holder = serde_json::from_str(r#"{"bw":123,"n":100}"#).unwrap();
        assert_eq!(h.bw.as_deref(), Some("123"));
        assert_eq!(h.n.as_i64(), Some(100));
        assert_eq!(
            serde_json::to_string(&h).unwrap(),
            r#"{"bw":"123","n":100}"#
        );
    }

    #[test]
    fn string_keeps_representation() {
        let h: Holder = serde_json::from_str(r#"{"n":"12.5"}"#).unwrap();
        assert_eq!(h.bw, None);
        assert_eq!(h.n.as_f64(), Some(12.5));
        assert_eq!(h.n.as_i64(), Some(12));
        assert_eq!(serde_json::to_string(&h).unwrap(), r#"{"n":"12.5"}"#);
    }

    #[test]
    fn rejects_objects() {
        assert!(serde_json::from_str::<Holder>(r#"{"n":{}}"#).is_err());
        assert!(serde_json::from_str::<Holder>(r#"{"n":1,"bw":[1]}"#).is_err());
    }

    /// A bool is neither of the two documented forms (the OpenAPI fuzzer had a lenient field
    /// sent as `true` accepted, as "true").
    #[test]
    fn rejects_bools() {
        assert!(serde_json::from_str::<Holder>(r#"{"n":1,"bw":true}"#).is_err());
        assert!(serde_json::from_str::<Holder>(r#"{"n":true}"#).is_err());
    }
}
