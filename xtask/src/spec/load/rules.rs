//! Cross-field rules of an object schema: they name fields of the same schema, and their
//! conditions compare a bool, string or enum field with values of its type.

use super::checker::{Checker, line};
use super::constraints::FORMATS;
use super::suggest::closest;
use crate::spec::ir;
use crate::spec::model;

impl Checker {
    fn field_ref<'f>(
        &mut self,
        sname: &str,
        name: &model::Str,
        fields: &'f [ir::Field],
    ) -> Option<&'f ir::Field> {
        let found = fields.iter().find(|f| f.wire == name.value);
        if found.is_none() {
            let hint = match closest(&name.value, fields.iter().map(|f| f.wire.as_str())) {
                Some(c) => {
                    format!("did you mean `{c}`? rules name wire field names of the same schema")
                }
                None => "rules name wire field names of the same schema".into(),
            };
            self.err(
                line(name),
                format!(
                    "rule in `{sname}` names field `{}`, which `{sname}` does not have",
                    name.value
                ),
                hint,
            );
        }
        found
    }

    fn cond(
        &mut self,
        sname: &str,
        when: &model::Str,
        equals: &Option<Vec<serde_json::Value>>,
        not_equals: &Option<Vec<serde_json::Value>>,
        fields: &[ir::Field],
    ) -> Option<ir::Cond> {
        let field = self.field_ref(sname, when, fields)?.clone();
        let (values, negate) = match (equals, not_equals) {
            (Some(v), None) => (v.clone(), false),
            (None, Some(v)) => (v.clone(), true),
            _ => {
                self.err(
                    line(when),
                    format!("rule in `{sname}`: give exactly one of `equals` or `not_equals`"),
                    "e.g. `when: migration_type` with `equals: [online_migration]`",
                );
                return None;
            }
        };
        if values.is_empty() {
            self.err(
                line(when),
                format!("rule in `{sname}`: empty value list"),
                "list at least one value",
            );
        }
        for v in &values {
            let ok = match (&field.ty, v) {
                (ir::Type::Bool, serde_json::Value::Bool(_)) => true,
                (ir::Type::String, serde_json::Value::String(_)) => true,
                (ir::Type::Enum(e), serde_json::Value::String(s)) => {
                    self.enum_known.get(e).is_none_or(|vals| vals.contains(s))
                }
                _ => false,
            };
            if !ok {
                self.err(line(when), format!("rule in `{sname}`: value {v} does not fit field `{}` ({:?})", field.wire, field.ty), "conditions compare bool, string or enum fields with values of that type (enum values by wire name)");
            }
        }
        Some(if negate {
            ir::Cond::NotEquals(field.wire, values)
        } else {
            ir::Cond::Equals(field.wire, values)
        })
    }

    pub(super) fn rule(
        &mut self,
        sname: &str,
        r: &model::Rule,
        fields: &[ir::Field],
    ) -> Option<ir::Rule> {
        match r {
            model::Rule::RequiredIf(c) => {
                for f in &c.fields {
                    self.field_ref(sname, f, fields);
                }
                let cond = self.cond(sname, &c.when, &c.equals, &c.not_equals, fields)?;
                Some(ir::Rule::RequiredIf {
                    fields: c.fields.iter().map(|f| f.value.clone()).collect(),
                    cond,
                })
            }
            model::Rule::ExactlyOneOf(names) | model::Rule::AtLeastOneOf(names) => {
                if names.len() < 2 {
                    self.err(
                        names.first().map(line).unwrap_or(0),
                        format!("rule in `{sname}` lists fewer than two fields"),
                        "one-of rules need at least two fields",
                    );
                }
                for f in names {
                    if let Some(field) = self.field_ref(sname, f, fields)
                        && field.required
                    {
                        self.err(
                            line(f),
                            format!(
                                "one-of rule in `{sname}` names required field `{}`",
                                f.value
                            ),
                            "fields in a one-of rule must be optional",
                        );
                    }
                }
                let names = names.iter().map(|f| f.value.clone()).collect();
                Some(match r {
                    model::Rule::ExactlyOneOf(_) => ir::Rule::ExactlyOneOf(names),
                    _ => ir::Rule::AtLeastOneOf(names),
                })
            }
            model::Rule::FormatIf(fi) => {
                if let Some(field) = self.field_ref(sname, &fi.field, fields)
                    && field.ty != ir::Type::String
                {
                    self.err(
                        line(&fi.field),
                        format!(
                            "format_if in `{sname}`: `{}` is not a string",
                            fi.field.value
                        ),
                        "format_if applies to string fields",
                    );
                }
                if !FORMATS.contains(&fi.format.value.as_str()) {
                    self.err(
                        line(&fi.format),
                        format!("unknown format `{}`", fi.format.value),
                        format!("formats are {}", FORMATS.join(", ")),
                    );
                }
                let cond = self.cond(sname, &fi.when, &fi.equals, &fi.not_equals, fields)?;
                Some(ir::Rule::FormatIf {
                    field: fi.field.value.clone(),
                    format: fi.format.value.clone(),
                    cond,
                })
            }
            model::Rule::DeprecatedIf(d) => {
                if d.why.trim().is_empty() {
                    self.err(
                        line(&d.when),
                        format!("deprecated_if in `{sname}` has an empty `why`"),
                        "say why the use is deprecated and what to use instead",
                    );
                }
                let cond = self.cond(sname, &d.when, &d.equals, &d.not_equals, fields)?;
                Some(ir::Rule::DeprecatedIf {
                    cond,
                    why: d.why.trim().to_string(),
                })
            }
        }
    }
}
