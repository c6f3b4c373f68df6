//! Printing results: pretty JSON (default) or a plain-text table.

use serde_json::Value;

/// Output format of `--output`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Pretty-printed JSON.
    Json,
    /// A table: one row per item for lists, `field value` rows for objects.
    Table,
}

/// Renders `value` in `format`, ending with a newline.
pub fn render(value: &Value, format: Format) -> String {
    match format {
        Format::Json => {
            let mut s = serde_json::to_string_pretty(value).unwrap_or_default();
            s.push('\n');
            s
        }
        Format::Table => table(value),
    }
}

fn cell(v: &Value) -> String {
    match v {
        Value::Null => "-".into(),
        Value::String(s) => s.clone(),
        Value::Array(a) => format!("[{} items]", a.len()),
        Value::Object(_) => "{…}".into(),
        other => other.to_string(),
    }
}

/// A list of objects becomes rows; an object with one list of objects shows its scalars and
/// then that list; anything else becomes `field value` rows.
fn table(value: &Value) -> String {
    match value {
        Value::Array(items) => rows(items),
        Value::Object(map) => {
            let lists: Vec<(&String, &Vec<Value>)> = map
                .iter()
                .filter_map(|(k, v)| match v {
                    Value::Array(a) if a.iter().all(Value::is_object) && !a.is_empty() => {
                        Some((k, a))
                    }
                    _ => None,
                })
                .collect();
            let pairs: Vec<(String, String)> = map
                .iter()
                .filter(|(k, _)| !lists.iter().any(|(l, _)| l == k))
                .map(|(k, v)| (k.clone(), cell(v)))
                .collect();
            let mut out = grid(
                &["FIELD".into(), "VALUE".into()],
                &pairs
                    .into_iter()
                    .map(|(a, b)| vec![a, b])
                    .collect::<Vec<_>>(),
            );
            for (name, items) in lists {
                out.push_str(&format!("\n{name}:\n"));
                out.push_str(&rows(items));
            }
            out
        }
        other => format!("{}\n", cell(other)),
    }
}

fn rows(items: &[Value]) -> String {
    let mut columns: Vec<String> = Vec::new();
    for item in items {
        if let Value::Object(m) = item {
            for (k, v) in m {
                if !matches!(v, Value::Object(_) | Value::Array(_)) && !columns.contains(k) {
                    columns.push(k.clone());
                }
            }
        }
    }
    if columns.is_empty() {
        return items.iter().map(|v| format!("{}\n", cell(v))).collect();
    }
    let data: Vec<Vec<String>> = items
        .iter()
        .map(|item| {
            columns
                .iter()
                .map(|c| item.get(c).map(cell).unwrap_or_else(|| "-".into()))
                .collect()
        })
        .collect();
    let header: Vec<String> = columns.iter().map(|c| c.to_uppercase()).collect();
    grid(&header, &data)
}

fn grid(header: &[String], data: &[Vec<String>]) -> String {
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for row in data {
        for (i, c) in row.iter().enumerate() {
            widths[i] = widths[i].max(c.chars().count());
        }
    }
    let line = |row: &[String]| {
        let cells: Vec<String> = row
            .iter()
            .enumerate()
            .map(|(i, c)| format!("{c:<w$}", w = widths[i]))
            .collect();
        format!("{}\n", cells.join("  ").trim_end())
    };
    let mut out = line(header);
    for row in data {
        out.push_str(&line(row));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    // serde_json maps are ordered by key (no `preserve_order`), so columns come sorted.
    #[test]
    fn list_table() {
        let v = json!([{"task_id": "a", "status": "SUCCESS"}, {"task_id": "bb", "status": "RUNNING", "x": {"n": 1}}]);
        assert_eq!(
            render(&v, Format::Table),
            "STATUS   TASK_ID\nSUCCESS  a\nRUNNING  bb\n"
        );
    }

    #[test]
    fn object_table_with_nested_list() {
        let v = json!({"count": 1, "migration_tasks": [{"task_id": "a"}]});
        assert_eq!(
            render(&v, Format::Table),
            "FIELD  VALUE\ncount  1\n\nmigration_tasks:\nTASK_ID\na\n"
        );
    }
}
