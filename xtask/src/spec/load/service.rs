//! The `service:` block: the endpoint table of each cloud (a template or explicit https
//! endpoints, each region once) and the error schema every error response falls back to.

use super::checker::{Checker, line};
use crate::spec::ir;
use crate::spec::model;
use std::collections::{BTreeMap, BTreeSet};

impl Checker {
    pub(super) fn service(
        &mut self,
        s: &model::Service,
        kinds: &BTreeMap<String, bool>,
    ) -> ir::Service {
        let mut endpoints = BTreeMap::new();
        for (cloud, ce) in [
            ("huaweicloud", &s.endpoints.huaweicloud),
            ("otc", &s.endpoints.otc),
        ] {
            let Some(ce) = ce else { continue };
            let mut regions = Vec::new();
            let mut seen = BTreeSet::new();
            for r in &ce.regions {
                let (id, endpoint, l) = match r {
                    model::RegionEntry::Id(id) => {
                        let Some(t) = &ce.template else {
                            self.err(
                                line(id),
                                format!("region `{}` has no endpoint and {cloud} has no template", id.value),
                                "write `{id: REGION, endpoint: https://...}` or add `template:` with `{region}`",
                            );
                            continue;
                        };
                        (id.value.clone(), t.replace("{region}", &id.value), line(id))
                    }
                    model::RegionEntry::Explicit(e) => {
                        (e.id.value.clone(), e.endpoint.clone(), line(&e.id))
                    }
                };
                if !endpoint.starts_with("https://") {
                    self.err(
                        l,
                        format!("endpoint `{endpoint}` is not https"),
                        "cloud endpoints are https; plain http is only for --endpoint overrides",
                    );
                }
                if !seen.insert(id.clone()) {
                    self.err(
                        l,
                        format!("duplicate region `{id}` for {cloud}"),
                        "list each region once",
                    );
                }
                regions.push((id, endpoint));
            }
            regions.sort();
            endpoints.insert(
                cloud.to_string(),
                ir::CloudEndpoints {
                    template: ce.template.clone(),
                    regions,
                    note: ce.note.clone(),
                    source: ce.source.clone(),
                },
            );
        }
        if kinds.get(&s.error_schema.value) != Some(&false) {
            self.err(
                line(&s.error_schema),
                format!(
                    "error_schema `{}` is not an object schema of this file",
                    s.error_schema.value
                ),
                "define the error body under `schemas:` and name it here",
            );
        }
        ir::Service {
            name: s.name.value.clone(),
            title: s.title.clone(),
            api_version: s.api_version.clone(),
            crate_name: s.crate_name.value.clone(),
            description: s.description.clone(),
            default_content_type: s.default_content_type.clone(),
            error_schema: s.error_schema.value.clone(),
            endpoints,
            source: s.source.clone(),
        }
    }
}
