//! Value constraints of fields and parameters: each applies to the types it can check, bounds
//! are ordered, patterns compile and formats are known.

use super::checker::{Checker, line};
use crate::spec::ir;
use crate::spec::model;

/// Formats a string field may declare.
pub(super) const FORMATS: &[&str] = &["ipv4", "ipv6", "date_time_local", "host_port_list"];

impl Checker {
    pub(super) fn constraints(
        &mut self,
        c: &model::Constraints,
        ty: &ir::Type,
        l: u64,
        what: &str,
    ) -> ir::Constraints {
        let is_string = matches!(ty, ir::Type::String);
        let is_array = matches!(ty, ir::Type::Array(_));
        let bad = |this: &mut Self, key: &str, needs: &str| {
            this.err(
                l,
                format!("{what}: `{key}` does not apply to type {ty:?}"),
                format!("`{key}` applies to {needs}"),
            );
        };
        if (c.min_length.is_some() || c.max_length.is_some()) && !is_string {
            bad(self, "min_length/max_length", "strings");
        }
        if (c.minimum.is_some() || c.maximum.is_some()) && !ty.is_numeric() {
            bad(
                self,
                "minimum/maximum",
                "int32, int64 and f64 (use integer_range for numeric strings)",
            );
        }
        if (c.min_items.is_some() || c.max_items.is_some()) && !is_array {
            bad(self, "min_items/max_items", "arrays");
        }
        if c.integer_range.is_some() && !is_string {
            bad(self, "integer_range", "strings that hold integers");
        }
        if let Some(p) = &c.pattern {
            if !is_string {
                bad(self, "pattern", "strings");
            }
            if let Err(e) = regex_lite::Regex::new(&p.value) {
                self.err(
                    line(p),
                    format!("{what}: pattern does not compile: {e}"),
                    "patterns use Rust regex syntax; anchor them with ^...$",
                );
            }
        }
        if let Some(f) = &c.format {
            if !is_string {
                bad(self, "format", "strings");
            }
            if !FORMATS.contains(&f.value.as_str()) {
                self.err(
                    line(f),
                    format!("{what}: unknown format `{}`", f.value),
                    format!("formats are {}", FORMATS.join(", ")),
                );
            }
        }
        let pairs = [
            (
                c.min_length.map(|v| v as f64),
                c.max_length.map(|v| v as f64),
                "min_length",
                "max_length",
            ),
            (c.minimum, c.maximum, "minimum", "maximum"),
            (
                c.min_items.map(|v| v as f64),
                c.max_items.map(|v| v as f64),
                "min_items",
                "max_items",
            ),
            (
                c.integer_range.map(|r| r[0] as f64),
                c.integer_range.map(|r| r[1] as f64),
                "integer_range[0]",
                "integer_range[1]",
            ),
        ];
        for (lo, hi, a, b) in pairs {
            if let (Some(lo), Some(hi)) = (lo, hi)
                && lo > hi
            {
                self.err(
                    l,
                    format!("{what}: {a} ({lo}) is greater than {b} ({hi})"),
                    "swap them or fix the bound",
                );
            }
        }
        ir::Constraints {
            min_length: c.min_length,
            max_length: c.max_length,
            minimum: c.minimum,
            maximum: c.maximum,
            min_items: c.min_items,
            max_items: c.max_items,
            pattern: c.pattern.as_ref().map(|p| p.value.clone()),
            format: c.format.as_ref().map(|p| p.value.clone()),
            integer_range: c.integer_range,
        }
    }
}
