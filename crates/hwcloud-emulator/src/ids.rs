//! Ids: random ones for new records and requests, and the format rule of ids in paths.

use crate::error::ApiError;

/// A random lower-case hex string of `n` characters.
pub fn hex_id(n: usize) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    (0..n)
        .map(|_| char::from(HEX[fastrand::usize(..16)]))
        .collect()
}

/// A random UUID-shaped id (8-4-4-4-12 hex).
pub fn uuid() -> String {
    format!(
        "{}-{}-4{}-{}-{}",
        hex_id(8),
        hex_id(4),
        hex_id(3),
        hex_id(4),
        hex_id(12)
    )
}

/// How one kind of id in a path is checked: its parameter name, longest length, and the code
/// and message head of the 400 that refuses a bad one (e.g. DCS.4070 "Invalid task ID
/// format").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IdRule {
    /// The path parameter, named in the error.
    pub param: &'static str,
    /// Longest accepted length.
    pub max: usize,
    /// `error_code` of the refusal.
    pub code: &'static str,
    /// Start of the refusal's message.
    pub head: &'static str,
}

impl IdRule {
    /// `Ok` when `value` follows the rule (see [`check_id`]).
    pub fn check(&self, value: &str) -> Result<(), ApiError> {
        check_id(value, self.max, self.code, self.param, self.head)
    }
}

/// Checks an id (`param`): 1..=`max` characters from `[A-Za-z0-9_.-]`; otherwise a 400 with
/// `code` naming `param`, its message starting with `head` (the service's documented text,
/// e.g. DCS.4070 "Invalid task ID format").
pub fn check_id(
    value: &str,
    max: usize,
    code: &str,
    param: &str,
    head: &str,
) -> Result<(), ApiError> {
    let ok = !value.is_empty()
        && value.len() <= max
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'));
    if ok {
        Ok(())
    } else {
        Err(ApiError::invalid_param(
            code,
            param,
            format!(
                "{head}: {param} must be 1 to {max} characters from A-Z, a-z, 0-9, '-', '_' and '.'."
            ),
        ))
    }
}
