//! Waiters: the polled operation exists, its response has the state field, and the success
//! and failure values are values of that field's enum.

use super::checker::{Checker, line};
use super::suggest::closest;
use crate::spec::ir;
use crate::spec::model;

impl Checker {
    pub(super) fn waiter(&mut self, spec: &ir::Spec, w: &model::Waiter) -> Option<ir::Waiter> {
        let Some(op) = spec.operations.iter().find(|o| o.name == w.operation.value) else {
            self.err(
                line(&w.operation),
                format!(
                    "waiter `{}` polls unknown operation `{}`",
                    w.name.value, w.operation.value
                ),
                closest(
                    &w.operation.value,
                    spec.operations.iter().map(|o| o.name.as_str()),
                )
                .map(|c| format!("did you mean `{c}`?"))
                .unwrap_or_default(),
            );
            return None;
        };
        // An operation without a success response is reported where it is defined.
        let success = op.find_success()?;
        let schema = success
            .body
            .as_deref()
            .and_then(|b| spec.schemas.iter().find(|s| s.name == b));
        let Some(field) = schema.and_then(|s| s.fields().iter().find(|f| f.wire == w.field.value))
        else {
            self.err(
                line(&w.field),
                format!(
                    "waiter `{}`: `{}` is not a field of `{}`'s response",
                    w.name.value, w.field.value, op.name
                ),
                "name the response field holding the state",
            );
            return None;
        };
        if let ir::Type::Enum(e) = &field.ty {
            let known = self.enum_known.get(e).cloned().unwrap_or_default();
            for v in w.success.iter().chain(&w.failure) {
                if !known.contains(&v.value) {
                    self.err(
                        line(v),
                        format!(
                            "waiter `{}`: `{}` is not a value of `{e}`",
                            w.name.value, v.value
                        ),
                        closest(&v.value, known.iter().map(String::as_str))
                            .map(|c| format!("did you mean `{c}`?"))
                            .unwrap_or_default(),
                    );
                }
            }
        } else if field.ty != ir::Type::String {
            self.err(
                line(&w.field),
                format!(
                    "waiter `{}`: field `{}` is not a string or enum",
                    w.name.value, w.field.value
                ),
                "waiters compare a state field",
            );
        }
        if w.success.is_empty() {
            self.err(
                line(&w.name),
                format!("waiter `{}` has no success values", w.name.value),
                "list the states that end the wait successfully",
            );
        }
        Some(ir::Waiter {
            name: w.name.value.clone(),
            description: w.description.clone(),
            operation: op.name.clone(),
            field: field.wire.clone(),
            success: w.success.iter().map(|v| v.value.clone()).collect(),
            failure: w.failure.iter().map(|v| v.value.clone()).collect(),
            source: w.source.clone(),
        })
    }
}
