//! `--query EXPR`: a JMESPath expression (as in aws-cli and KooCLI) applied to a command's
//! result before it is printed.

use serde_json::Value;

use crate::runner::CliError;

/// A compiled `--query`.
pub struct Query(jmespath::Expression<'static>);

impl Query {
    /// Compiles `expr`. A syntax error is a usage error (exit 2), found before anything is
    /// sent.
    pub fn compile(expr: &str) -> Result<Query, CliError> {
        jmespath::compile(expr)
            .map(Query)
            .map_err(|e| CliError::usage(format!("--query: {e}")))
    }

    /// The expression applied to `value`. An evaluation error (e.g. a function given the
    /// wrong type) is a usage error as well: the expression does not fit the result.
    pub fn apply(&self, value: &Value) -> Result<Value, CliError> {
        let result = self
            .0
            .search(value)
            .map_err(|e| CliError::usage(format!("--query: {e}")))?;
        serde_json::to_value(&*result)
            .map_err(|e| CliError::usage(format!("--query: cannot print the result: {e}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn projections_filters_and_functions() {
        let v = json!({"count": 2, "migration_tasks": [
            {"task_id": "a", "status": "SUCCESS", "n": 1},
            {"task_id": "b", "status": "FAILED", "n": 12345678901234_i64}
        ]});
        let q = |e: &str| Query::compile(e).unwrap().apply(&v).unwrap();
        assert_eq!(q("migration_tasks[].task_id"), json!(["a", "b"]));
        assert_eq!(
            q("migration_tasks[?status=='FAILED'].{id: task_id, n: n}"),
            json!([{"id": "b", "n": 12345678901234_i64}])
        );
        assert_eq!(q("length(migration_tasks)"), json!(2));
        assert_eq!(q("missing"), Value::Null);
    }

    #[test]
    fn bad_expressions_are_usage_errors() {
        let e = Query::compile("migration_tasks[").err().unwrap();
        assert_eq!(e.code, crate::runner::exit::USAGE);
        assert!(e.message.starts_with("--query: "), "{}", e.message);
        let e = Query::compile("length(count)")
            .unwrap()
            .apply(&json!({"count": 1}))
            .unwrap_err();
        assert_eq!(e.code, crate::runner::exit::USAGE);
    }
}
