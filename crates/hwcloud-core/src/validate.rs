//! Client-side validation support used by generated `validate()` methods.
//!
//! Generated code walks a value with a [`Validator`], which tracks the field path
//! (`target_server.disks[2].name`) and collects *every* violation instead of stopping
//! at the first, so a user fixes all problems in one round.

use std::collections::HashMap;
use std::fmt;
use std::net::{Ipv4Addr, Ipv6Addr};
use std::sync::{Mutex, OnceLock};

/// One broken constraint: where, which rule, and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    /// Field path in wire names, e.g. `target_server.disks[2].name`.
    pub path: String,
    /// The spec rule that failed, e.g. `max_length`, `required_if`, `format`.
    pub rule: &'static str,
    /// Human-readable explanation, without the path.
    pub message: String,
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {} [{}]", self.path, self.message, self.rule)
    }
}

/// All violations found in one value; never empty.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidationErrors {
    violations: Vec<Violation>,
}

impl ValidationErrors {
    /// The individual violations, in the order the fields were visited.
    pub fn violations(&self) -> &[Violation] {
        &self.violations
    }

    /// Builds an error from a non-empty list of violations.
    pub fn from_violations(violations: Vec<Violation>) -> Option<Self> {
        if violations.is_empty() {
            None
        } else {
            Some(Self { violations })
        }
    }

    /// True when some violation is at `path` (wire-name path).
    pub fn has_path(&self, path: &str) -> bool {
        self.violations.iter().any(|v| v.path == path)
    }
}

impl fmt::Display for ValidationErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.violations.len();
        write!(f, "{n} validation error{}: ", if n == 1 { "" } else { "s" })?;
        for (i, v) in self.violations.iter().enumerate() {
            if i > 0 {
                f.write_str("; ")?;
            }
            write!(f, "{v}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ValidationErrors {}

/// Formats a string field may be required to have.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Dotted-quad IPv4 address.
    Ipv4,
    /// IPv6 address.
    Ipv6,
    /// `YYYY-MM-DD HH:MM:SS`, as the DCS backup file `update_at` field.
    DateTimeLocal,
    /// `host:port[,host:port...]`, as the DCS `addrs` fields.
    HostPortList,
}

impl Format {
    /// Spec name of the format.
    pub fn name(self) -> &'static str {
        match self {
            Format::Ipv4 => "ipv4",
            Format::Ipv6 => "ipv6",
            Format::DateTimeLocal => "date_time_local",
            Format::HostPortList => "host_port_list",
        }
    }

    /// Whether `value` has this format.
    pub fn matches(self, value: &str) -> bool {
        match self {
            Format::Ipv4 => value.parse::<Ipv4Addr>().is_ok(),
            Format::Ipv6 => value.parse::<Ipv6Addr>().is_ok(),
            Format::DateTimeLocal => is_date_time_local(value),
            Format::HostPortList => value.split(',').all(is_host_port),
        }
    }
}

fn is_date_time_local(v: &str) -> bool {
    let b = v.as_bytes();
    if b.len() != 19 {
        return false;
    }
    let digits = |r: std::ops::Range<usize>| b[r].iter().all(u8::is_ascii_digit);
    let num = |r: std::ops::Range<usize>| v[r].parse::<u32>().unwrap_or(99);
    digits(0..4)
        && b[4] == b'-'
        && digits(5..7)
        && b[7] == b'-'
        && digits(8..10)
        && b[10] == b' '
        && digits(11..13)
        && b[13] == b':'
        && digits(14..16)
        && b[16] == b':'
        && digits(17..19)
        && (1..=12).contains(&num(5..7))
        && (1..=31).contains(&num(8..10))
        && num(11..13) < 24
        && num(14..16) < 60
        && num(17..19) < 61
}

fn is_host_port(item: &str) -> bool {
    let item = item.trim();
    let Some((host, port)) = item.rsplit_once(':') else {
        return false;
    };
    let host = host.trim_start_matches('[').trim_end_matches(']');
    !host.is_empty()
        && !host.contains(char::is_whitespace)
        && port.parse::<u16>().is_ok_and(|p| p > 0)
}

/// Walks a value, tracking the current field path and collecting violations.
#[derive(Debug, Default)]
pub struct Validator {
    path: Vec<Segment>,
    violations: Vec<Violation>,
}

#[derive(Debug)]
enum Segment {
    Field(&'static str),
    Index(usize),
}

impl Validator {
    /// A validator at the root of the value.
    pub fn new() -> Self {
        // Room for the nesting of the specs' deepest bodies, so the path grows once at most.
        Validator {
            path: Vec::with_capacity(8),
            violations: Vec::new(),
        }
    }

    /// Runs `f` with `name` pushed on the path.
    pub fn field(&mut self, name: &'static str, f: impl FnOnce(&mut Self)) {
        self.path.push(Segment::Field(name));
        f(self);
        self.path.pop();
    }

    /// Runs `f` with `[index]` pushed on the path.
    pub fn index(&mut self, index: usize, f: impl FnOnce(&mut Self)) {
        self.path.push(Segment::Index(index));
        f(self);
        self.path.pop();
    }

    /// The current path plus `name`, as it appears in messages.
    pub fn path_of(&self, name: &str) -> String {
        let mut out = String::new();
        for seg in &self.path {
            match seg {
                Segment::Field(f) => {
                    if !out.is_empty() {
                        out.push('.');
                    }
                    out.push_str(f);
                }
                Segment::Index(i) => {
                    out.push('[');
                    out.push_str(&i.to_string());
                    out.push(']');
                }
            }
        }
        if !name.is_empty() {
            if !out.is_empty() {
                out.push('.');
            }
            out.push_str(name);
        }
        out
    }

    /// Records a violation of `rule` at field `name` below the current path.
    pub fn report(&mut self, name: &str, rule: &'static str, message: impl Into<String>) {
        let path = self.path_of(name);
        self.violations.push(Violation {
            path,
            rule,
            message: message.into(),
        });
    }

    /// A field the spec marks required is absent.
    pub fn required(&mut self, name: &str, present: bool) {
        if !present {
            self.report(name, "required", "is required but missing");
        }
    }

    /// String length (in characters) at least `min`.
    pub fn min_length(&mut self, name: &str, value: &str, min: usize) {
        let len = value.chars().count();
        if len < min {
            self.report(
                name,
                "min_length",
                format!("shorter than {min} character{} (got {len})", plural(min)),
            );
        }
    }

    /// String length (in characters) at most `max`.
    pub fn max_length(&mut self, name: &str, value: &str, max: usize) {
        // A string has at most as many characters as bytes: skip counting when it fits.
        if value.len() <= max {
            return;
        }
        let len = value.chars().count();
        if len > max {
            self.report(
                name,
                "max_length",
                format!("longer than {max} character{} (got {len})", plural(max)),
            );
        }
    }

    /// Number at least `min`.
    pub fn minimum<T: PartialOrd + fmt::Display>(&mut self, name: &str, value: T, min: T) {
        if value < min {
            self.report(name, "minimum", format!("{value} is less than {min}"));
        }
    }

    /// Number at most `max`.
    pub fn maximum<T: PartialOrd + fmt::Display>(&mut self, name: &str, value: T, max: T) {
        if value > max {
            self.report(name, "maximum", format!("{value} is greater than {max}"));
        }
    }

    /// A string holding an integer (such as `bandwidth_limit_mb`) within `min..=max`.
    pub fn integer_string_range(&mut self, name: &str, value: &str, min: i64, max: i64) {
        match value.trim().parse::<i64>() {
            Ok(n) if n < min => self.report(name, "minimum", format!("{n} is less than {min}")),
            Ok(n) if n > max => self.report(name, "maximum", format!("{n} is greater than {max}")),
            Ok(_) => {}
            Err(_) => self.report(
                name,
                "integer",
                format!("`{value}` is not an integer (expected {min}..={max})"),
            ),
        }
    }

    /// Array has at least `min` items.
    pub fn min_items(&mut self, name: &str, len: usize, min: usize) {
        if len < min {
            self.report(
                name,
                "min_items",
                format!("has {len} item{}, at least {min} required", plural(len)),
            );
        }
    }

    /// Array has at most `max` items.
    pub fn max_items(&mut self, name: &str, len: usize, max: usize) {
        if len > max {
            self.report(
                name,
                "max_items",
                format!("has {len} item{}, at most {max} allowed", plural(len)),
            );
        }
    }

    /// String matches the regular expression `pattern` (anchored by the spec author).
    pub fn pattern(&mut self, name: &str, value: &str, pattern: &'static str) {
        if !pattern_matches(pattern, value) {
            self.report(
                name,
                "pattern",
                format!("does not match pattern `{pattern}`"),
            );
        }
    }

    /// String has `format`.
    pub fn format(&mut self, name: &str, value: &str, format: Format) {
        if !format.matches(value) {
            self.report(
                name,
                "format",
                format!("`{value}` is not a valid {}", format.name()),
            );
        }
    }

    /// An enum value outside the documented set where the docs fix the set.
    pub fn closed_enum(&mut self, name: &str, known: bool, value: &str, allowed: &[&str]) {
        if !known {
            self.report(
                name,
                "enum",
                format!("`{value}` is not one of {}", allowed.join(", ")),
            );
        }
    }

    /// Cross-field rule: `name` must be present when `condition` (described) holds.
    pub fn required_if(&mut self, name: &str, present: bool, holds: bool, condition: &str) {
        if holds && !present {
            self.report(name, "required_if", format!("is required when {condition}"));
        }
    }

    /// Cross-field rule: exactly one of `names` is present.
    pub fn exactly_one_of(&mut self, names: &[&str], present: &[bool]) {
        let count = present.iter().filter(|p| **p).count();
        if count != 1 {
            let what = if count == 0 {
                "none is set"
            } else {
                "several are set"
            };
            self.report(
                names.first().copied().unwrap_or(""),
                "exactly_one_of",
                format!("exactly one of {} must be set, {what}", names.join(", ")),
            );
        }
    }

    /// Cross-field rule: at least one of `names` is present.
    pub fn at_least_one_of(&mut self, names: &[&str], present: &[bool]) {
        if !present.iter().any(|p| *p) {
            self.report(
                names.first().copied().unwrap_or(""),
                "at_least_one_of",
                format!("at least one of {} must be set", names.join(", ")),
            );
        }
    }

    /// Cross-field rule: `name` has `format` when `condition` (described) holds.
    pub fn format_if(
        &mut self,
        name: &str,
        value: &str,
        format: Format,
        holds: bool,
        condition: &str,
    ) {
        if holds && !format.matches(value) {
            self.report(
                name,
                "format_if",
                format!(
                    "`{value}` is not a valid {} (required when {condition})",
                    format.name()
                ),
            );
        }
    }

    /// Finishes the walk.
    pub fn finish(self) -> Result<(), ValidationErrors> {
        match ValidationErrors::from_violations(self.violations) {
            None => Ok(()),
            Some(e) => Err(e),
        }
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// Compiles each spec pattern once per process.
fn pattern_matches(pattern: &'static str, value: &str) -> bool {
    static CACHE: OnceLock<Mutex<HashMap<&'static str, Option<regex_lite::Regex>>>> =
        OnceLock::new();
    let cache = CACHE.get_or_init(Default::default);
    let mut guard = cache.lock().unwrap_or_else(|e| e.into_inner());
    let re = guard
        .entry(pattern)
        .or_insert_with(|| regex_lite::Regex::new(pattern).ok());
    // The spec loader rejects invalid patterns, so `None` cannot happen for generated code;
    // treat it as "no constraint" rather than panicking.
    re.as_ref().is_none_or(|r| r.is_match(value))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_nest_fields_and_indices() {
        let mut v = Validator::new();
        v.field("target_server", |v| {
            v.field("disks", |v| {
                v.index(2, |v| v.max_length("name", &"x".repeat(256), 255));
            })
        });
        let err = v.finish().unwrap_err();
        assert_eq!(err.violations()[0].path, "target_server.disks[2].name");
        assert_eq!(
            err.to_string(),
            "1 validation error: target_server.disks[2].name: longer than 255 characters (got 256) [max_length]"
        );
    }

    #[test]
    fn formats() {
        assert!(Format::Ipv4.matches("192.168.0.1"));
        assert!(!Format::Ipv4.matches("::1"));
        assert!(Format::Ipv6.matches("fe80::1"));
        assert!(!Format::Ipv6.matches("10.0.0.1"));
        assert!(Format::DateTimeLocal.matches("2024-05-01 12:30:00"));
        assert!(!Format::DateTimeLocal.matches("2024-13-01 12:30:00"));
        assert!(!Format::DateTimeLocal.matches("2024-05-01T12:30:00"));
        assert!(Format::HostPortList.matches("192.168.1.1:6379,192.168.0.0:6379"));
        assert!(Format::HostPortList.matches("redis.local:6379"));
        assert!(!Format::HostPortList.matches("192.168.1.1"));
        assert!(!Format::HostPortList.matches("192.168.1.1:0"));
    }

    #[test]
    fn collects_every_violation() {
        let mut v = Validator::new();
        v.min_length("name", "", 1);
        v.maximum("speed_limit", 2000, 1000);
        v.integer_string_range("bandwidth_limit_mb", "0", 1, 10240);
        v.pattern("name", "a b", "^[A-Za-z0-9_-]*$");
        let err = v.finish().unwrap_err();
        let rules: Vec<_> = err.violations().iter().map(|v| v.rule).collect();
        assert_eq!(rules, ["min_length", "maximum", "minimum", "pattern"]);
    }

    #[test]
    fn empty_walk_is_ok() {
        assert!(Validator::new().finish().is_ok());
    }
}
