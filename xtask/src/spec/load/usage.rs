//! Which schemas requests and responses reach. Generated types differ by use: a schema a
//! response reaches keeps unknown fields by default, so newer servers lose nothing.

use crate::spec::ir;
use crate::spec::model;

/// Marks every schema reachable from request bodies and from responses, then decides each
/// object's `keep_unknown`: the spec's explicit choice, else whether a response reaches it.
pub(super) fn mark_usage(
    schemas: &mut [ir::Schema],
    raw: &[model::Schema],
    operations: &[ir::Operation],
) {
    compute_usage(schemas, operations);
    for s in schemas {
        if let ir::SchemaKind::Object { keep_unknown, .. } = &mut s.kind {
            let explicit = raw
                .iter()
                .find(|r| r.name.value == s.name)
                .and_then(|r| r.keep_unknown);
            *keep_unknown = explicit.unwrap_or(s.usage.response);
        }
    }
}

/// Marks every schema reachable from request bodies and from responses.
fn compute_usage(schemas: &mut [ir::Schema], ops: &[ir::Operation]) {
    fn mark(schemas: &mut [ir::Schema], name: &str, request: bool) {
        let Some(i) = schemas.iter().position(|s| s.name == name) else {
            return;
        };
        let u = &mut schemas[i].usage;
        let already = if request { u.request } else { u.response };
        if already {
            return;
        }
        if request {
            u.request = true
        } else {
            u.response = true
        }
        let children: Vec<String> = schemas[i]
            .fields()
            .iter()
            .filter_map(|f| named(&f.ty).map(str::to_string))
            .collect();
        for c in children {
            mark(schemas, &c, request);
        }
    }
    for o in ops {
        if let Some(b) = &o.body {
            mark(schemas, b, true);
        }
        for r in &o.responses {
            if let Some(b) = &r.body {
                mark(schemas, b, false);
            }
        }
    }
}

/// The schema a type refers to, through arrays.
fn named(t: &ir::Type) -> Option<&str> {
    match t {
        ir::Type::Object(n) | ir::Type::Enum(n) => Some(n),
        ir::Type::Array(i) => named(i),
        _ => None,
    }
}
