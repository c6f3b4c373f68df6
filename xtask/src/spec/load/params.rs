//! Operation parameters: unique per location, scalar types, path parameters required and
//! matching the path's `{placeholders}` one to one.

use super::checker::{Checker, line};
use crate::spec::ir;
use crate::spec::model;
use std::collections::{BTreeMap, HashMap};

impl Checker {
    pub(super) fn params(
        &mut self,
        o: &model::Operation,
        name: &str,
        kinds: &BTreeMap<String, bool>,
    ) -> Vec<ir::Param> {
        let mut params = Vec::new();
        let mut seen = HashMap::new();
        for p in &o.params {
            let what = format!("parameter `{}` of `{name}`", p.name.value);
            if let Some(prev) = seen.insert((p.name.value.clone(), p.location), line(&p.name)) {
                self.err(
                    line(&p.name),
                    format!("duplicate {what}"),
                    format!("first on line {prev}"),
                );
            }
            let ty = self.ty(&p.ty, None, kinds, &what);
            if matches!(
                ty,
                ir::Type::Object(_)
                    | ir::Type::Array(_)
                    | ir::Type::Json
                    | ir::Type::NumberOrString
            ) {
                self.err(
                    line(&p.ty),
                    format!("{what} has type `{}`", p.ty.value),
                    "parameters are string, bool, int32, int64, f64 or an enum",
                );
            }
            if p.location == model::ParamIn::Path && !p.required {
                self.err(
                    line(&p.name),
                    format!("path {what} is not required"),
                    "path parameters are always `required: true`",
                );
            }
            if p.from_credentials && p.location != model::ParamIn::Path {
                self.err(
                    line(&p.name),
                    format!("{what}: `from_credentials` applies to path parameters"),
                    "only the project id is filled from credentials",
                );
            }
            let rust = self.rust_ident(&p.name, p.rust_name.as_ref(), "parameter");
            let constraints = self.constraints(&p.constraints, &ty, line(&p.name), &what);
            params.push(ir::Param {
                wire: p.name.value.clone(),
                rust,
                location: match p.location {
                    model::ParamIn::Path => ir::ParamIn::Path,
                    model::ParamIn::Query => ir::ParamIn::Query,
                    model::ParamIn::Header => ir::ParamIn::Header,
                },
                ty,
                required: p.required,
                description: p.description.clone(),
                default: p.default.clone(),
                constraints,
                sensitive: p.sensitive,
                from_credentials: p.from_credentials,
                source: p.source.clone(),
                note: p.note.clone(),
            });
        }
        self.path_placeholders(o, name, &params);
        params
    }

    /// Every `{placeholder}` of the path has a path parameter, and every path parameter a
    /// placeholder.
    fn path_placeholders(&mut self, o: &model::Operation, name: &str, params: &[ir::Param]) {
        let placeholders = placeholders(&o.path.value);
        for ph in &placeholders {
            if !params
                .iter()
                .any(|p| p.location == ir::ParamIn::Path && &p.wire == ph)
            {
                self.err(line(&o.path), format!("operation `{name}`: path placeholder `{{{ph}}}` has no path parameter"), format!("add `- {{name: {ph}, in: path, type: string, required: true, ...}}` to `params`"));
            }
        }
        for p in o
            .params
            .iter()
            .filter(|p| p.location == model::ParamIn::Path)
        {
            if !placeholders.contains(&p.name.value) {
                self.err(
                    line(&p.name),
                    format!(
                        "path parameter `{}` of `{name}` is not in the path",
                        p.name.value
                    ),
                    format!("the path is `{}`", o.path.value),
                );
            }
        }
    }
}

fn placeholders(path: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = path;
    while let Some(s) = rest.find('{') {
        let Some(e) = rest[s..].find('}') else { break };
        out.push(rest[s + 1..s + e].to_string());
        rest = &rest[s + e + 1..];
    }
    out
}
