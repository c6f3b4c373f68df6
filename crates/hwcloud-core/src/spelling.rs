//! Which spelling an enum value arrived in, for open enums whose documents spell one value in
//! two ways (DCS `INCRMIGEATING` / `INCRMIGRATING`).
//!
//! A generated enum keeps the spelling inside the variant, so a value read from the service is
//! written back byte for byte, while `==`, hashing and ordering treat both spellings as the
//! same value and waiters compare the canonical wire value.

/// The spelling of a value with documented aliases.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum Spelling {
    /// The wire value the spec names (what values built in code use).
    #[default]
    Canonical,
    /// A documented alias, as received.
    Alias(&'static str),
}

impl Spelling {
    /// The spelling as text: `canonical` or the alias.
    pub fn or(self, canonical: &str) -> &str {
        match self {
            Spelling::Canonical => canonical,
            Spelling::Alias(a) => a,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spells_the_canonical_value_unless_an_alias_was_received() {
        assert_eq!(Spelling::default().or("INCRMIGEATING"), "INCRMIGEATING");
        assert_eq!(
            Spelling::Alias("INCRMIGRATING").or("INCRMIGEATING"),
            "INCRMIGRATING"
        );
    }
}
