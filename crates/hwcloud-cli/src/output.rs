//! Printing results: pretty JSON (default) or tables (comfy-table), fields in the order the
//! SDK's types declare them.

use comfy_table::{Table, presets};
use serde::ser::{Serialize, SerializeMap, SerializeSeq, Serializer};
use serde_json::{Map, Value};

use crate::field_order::FieldOrder;

/// Output format of `--output`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Format {
    /// Pretty-printed JSON.
    #[default]
    Json,
    /// A table: one row per item for lists, `field value` rows for objects.
    Table,
}

/// Renders `value` in `format`, ending with a newline; object keys follow `order`.
pub fn render(value: &Value, format: Format, order: &FieldOrder) -> String {
    match format {
        Format::Json => {
            let mut s = serde_json::to_string_pretty(&Ordered { value, order })
                .unwrap_or_else(|_| serde_json::to_string_pretty(value).unwrap_or_default());
            s.push('\n');
            s
        }
        Format::Table => table(value, order),
    }
}

/// `value` serialized with each object's keys arranged by `order`.
struct Ordered<'a> {
    value: &'a Value,
    order: &'a FieldOrder,
}

impl Serialize for Ordered<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let nested = |value| Ordered {
            value,
            order: self.order,
        };
        match self.value {
            Value::Object(map) => {
                let mut out = s.serialize_map(Some(map.len()))?;
                for key in arranged(map, self.order) {
                    out.serialize_entry(key, &nested(&map[key]))?;
                }
                out.end()
            }
            Value::Array(items) => {
                let mut out = s.serialize_seq(Some(items.len()))?;
                for item in items {
                    out.serialize_element(&nested(item))?;
                }
                out.end()
            }
            scalar => scalar.serialize(s),
        }
    }
}

fn arranged<'m>(map: &'m Map<String, Value>, order: &FieldOrder) -> Vec<&'m str> {
    order.arrange(map.keys().map(String::as_str))
}

/// The text of one table cell: nested values are summarised.
fn cell(v: &Value) -> String {
    match v {
        Value::Null => "-".into(),
        Value::String(s) => s.clone(),
        Value::Array(a) => format!("[{} items]", a.len()),
        Value::Object(_) => "{…}".into(),
        other => other.to_string(),
    }
}

fn is_nested(v: &Value) -> bool {
    matches!(v, Value::Object(_) | Value::Array(_))
}

/// A list becomes rows; an object becomes `field value` rows, followed by each of its lists
/// of objects as a table of its own; a scalar is printed as is.
fn table(value: &Value, order: &FieldOrder) -> String {
    match value {
        Value::Array(items) => rows(items, order),
        Value::Object(map) => {
            let keys = arranged(map, order);
            let is_list = |v: &Value| matches!(v, Value::Array(a) if !a.is_empty() && a.iter().all(Value::is_object));
            let fields: Vec<Vec<String>> = keys
                .iter()
                .filter(|k| !is_list(&map[**k]))
                .map(|k| vec![(*k).to_owned(), cell(&map[*k])])
                .collect();
            let mut out = String::new();
            if !fields.is_empty() {
                out.push_str(&grid(vec!["field".into(), "value".into()], fields));
            }
            for key in keys.iter().filter(|k| is_list(&map[**k])) {
                if !out.is_empty() {
                    out.push('\n');
                }
                out.push_str(&format!("{key}:\n"));
                out.push_str(&rows(
                    map[*key].as_array().map_or(&[], Vec::as_slice),
                    order,
                ));
            }
            out
        }
        scalar => format!("{}\n", cell(scalar)),
    }
}

/// One row per item, one column per scalar field (nested fields are left out); a list of
/// scalars is printed one per line.
fn rows(items: &[Value], order: &FieldOrder) -> String {
    let mut columns: Vec<&str> = Vec::new();
    for map in items.iter().filter_map(Value::as_object) {
        for (k, v) in map {
            if !is_nested(v) && !columns.contains(&k.as_str()) {
                columns.push(k);
            }
        }
    }
    if columns.is_empty() {
        return items.iter().map(|v| format!("{}\n", cell(v))).collect();
    }
    let columns = order.arrange(columns);
    let data = items
        .iter()
        .map(|item| {
            columns
                .iter()
                .map(|c| item.get(c).map_or_else(|| "-".into(), cell))
                .collect()
        })
        .collect();
    grid(columns.iter().map(|c| (*c).to_owned()).collect(), data)
}

fn grid(header: Vec<String>, data: Vec<Vec<String>>) -> String {
    let mut t = Table::new();
    t.load_preset(presets::ASCII_FULL_CONDENSED)
        .set_header(header);
    for row in data {
        t.add_row(row);
    }
    format!("{t}\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// The order a result's structs would write: task_id before status.
    fn order() -> FieldOrder {
        let mut o = FieldOrder::default();
        o.add_json(
            r#"{"count": 1, "migration_tasks": [{"task_id": "a", "status": "S", "x": {}}]}"#,
        );
        o
    }

    #[test]
    fn list_table_columns_in_field_order() {
        let v = json!([{"status": "SUCCESS", "task_id": "a"}, {"status": "RUNNING", "task_id": "bb", "x": {"n": 1}}]);
        assert_eq!(
            render(&v, Format::Table, &order()),
            "\
+---------+---------+
| task_id | status  |
+===================+
| a       | SUCCESS |
| bb      | RUNNING |
+---------+---------+
"
        );
    }

    #[test]
    fn object_table_with_nested_list() {
        let v = json!({"migration_tasks": [{"task_id": "a"}], "count": 1});
        assert_eq!(
            render(&v, Format::Table, &order()),
            "\
+-------+-------+
| field | value |
+===============+
| count | 1     |
+-------+-------+

migration_tasks:
+---------+
| task_id |
+=========+
| a       |
+---------+
"
        );
    }

    #[test]
    fn scalars_and_lists_of_scalars_print_plainly() {
        let o = FieldOrder::default();
        assert_eq!(
            render(&json!(["a", 2, null]), Format::Table, &o),
            "a\n2\n-\n"
        );
        assert_eq!(render(&json!("x"), Format::Table, &o), "x\n");
        assert_eq!(render(&json!([]), Format::Table, &o), "");
    }

    #[test]
    fn json_keys_in_field_order_at_every_level() {
        let v = json!({"migration_tasks": [{"status": "S", "task_id": "a"}], "count": 1});
        assert_eq!(
            render(&v, Format::Json, &order()),
            "{\n  \"count\": 1,\n  \"migration_tasks\": [\n    {\n      \"task_id\": \"a\",\n      \"status\": \"S\"\n    }\n  ]\n}\n"
        );
    }
}
