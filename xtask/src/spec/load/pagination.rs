//! Pagination: offset and limit are integer query parameters, and the success response has
//! the array of items and the integer total the paginator reads.

use super::checker::{Checker, line};
use crate::spec::ir;
use crate::spec::model;

impl Checker {
    pub(super) fn check_pagination(
        &mut self,
        spec: &ir::Spec,
        o: &ir::Operation,
        raw: &model::Operation,
    ) {
        let Some(p) = &raw.pagination else { return };
        for q in [&p.offset, &p.limit] {
            match o.params.iter().find(|x| x.wire == q.value) {
                Some(x)
                    if x.location == ir::ParamIn::Query
                        && matches!(x.ty, ir::Type::Int32 | ir::Type::Int64) => {}
                _ => self.err(
                    line(q),
                    format!(
                        "pagination of `{}` names `{}`, which is not an integer query parameter",
                        o.name, q.value
                    ),
                    "offset and limit name integer query parameters of the operation",
                ),
            }
        }
        // An operation without a success response is reported where it is defined.
        let Some(success) = o.find_success() else {
            return;
        };
        let Some(schema) = success
            .body
            .as_deref()
            .filter(|b| spec.schemas.iter().any(|s| s.name == *b))
        else {
            self.err(
                line(&p.items),
                format!(
                    "pagination of `{}`: the success response has no body schema",
                    o.name
                ),
                "paginated operations return an object with items and a total",
            );
            return;
        };
        let fields = spec.schema(schema).fields();
        match fields.iter().find(|f| f.wire == p.items.value) {
            Some(f) if matches!(f.ty, ir::Type::Array(_)) => {}
            _ => self.err(
                line(&p.items),
                format!(
                    "pagination of `{}`: `{}` is not an array field of `{schema}`",
                    o.name, p.items.value
                ),
                "name the response field that holds the page's items",
            ),
        }
        match fields.iter().find(|f| f.wire == p.total.value) {
            Some(f) if matches!(f.ty, ir::Type::Int32 | ir::Type::Int64) => {}
            _ => self.err(
                line(&p.total),
                format!(
                    "pagination of `{}`: `{}` is not an integer field of `{schema}`",
                    o.name, p.total.value
                ),
                "name the response field that holds the total count",
            ),
        }
    }
}
