//! The passes over one parsed file, in the order their checks need: schema names first
//! (every type reference resolves against them), then the service, schemas and operations,
//! then the checks that need the resolved schemas (pagination, waiters).

use super::checker::Checker;
use super::usage::mark_usage;
use crate::spec::ir;
use crate::spec::model;
use std::path::Path;

impl Checker {
    pub(super) fn check(&mut self, raw: model::SpecFile, base_dir: &Path) -> ir::Spec {
        let kinds = self.schema_kinds(&raw.schemas);
        let service = self.service(&raw.service, &kinds);
        let mut schemas: Vec<ir::Schema> =
            raw.schemas.iter().map(|s| self.schema(s, &kinds)).collect();
        let operations: Vec<ir::Operation> = raw
            .operations
            .iter()
            .map(|o| self.operation(o, &kinds, &service, base_dir))
            .collect();
        self.duplicate_operations(&raw.operations);
        mark_usage(&mut schemas, &raw.schemas, &operations);

        let spec = ir::Spec {
            file: self.file.clone(),
            service,
            operations,
            schemas,
            waiters: Vec::new(),
        };
        // Second pass: checks that need the resolved schemas.
        for (o, ro) in spec.operations.iter().zip(&raw.operations) {
            self.check_pagination(&spec, o, ro);
        }
        let waiters = raw
            .waiters
            .iter()
            .filter_map(|w| self.waiter(&spec, w))
            .collect();
        ir::Spec { waiters, ..spec }
    }
}
