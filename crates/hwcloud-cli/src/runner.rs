//! What the generated operation commands call: flag parsing, `--body` merging, running the
//! request, and turning SDK errors into exit codes.

use crate::field_order::FieldOrder;
use clap::ArgMatches;
use futures_core::Stream;
use futures_util::StreamExt;
use hwcloud_core::sensitive::without_values;
use hwcloud_core::{Error, Response};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};
use std::io::Read;
use std::str::FromStr;

/// Exit codes of `hwcloud`.
pub mod exit {
    /// Success.
    pub const OK: u8 = 0;
    /// A Redis job failed, or `redis verify` found differences.
    pub const FAILED: u8 = 1;
    /// Usage or validation error: nothing was sent.
    pub const USAGE: u8 = 2;
    /// The service answered with an error (or a waited-for resource failed).
    pub const SERVICE: u8 = 3;
    /// Transport error or timeout.
    pub const TRANSPORT: u8 = 4;
    /// Credentials or configuration error.
    pub const CONFIG: u8 = 5;
}

/// A failed command: what to print and how to exit.
#[derive(Debug)]
pub struct CliError {
    /// Exit code (see [`exit`]).
    pub code: u8,
    /// Message for stderr.
    pub message: String,
}

impl CliError {
    /// A usage error (exit 2).
    pub fn usage(message: impl Into<String>) -> Self {
        CliError {
            code: exit::USAGE,
            message: message.into(),
        }
    }

    /// A configuration error (exit 5).
    pub fn config(message: impl Into<String>) -> Self {
        CliError {
            code: exit::CONFIG,
            message: message.into(),
        }
    }
}

impl From<Error> for CliError {
    fn from(e: Error) -> Self {
        let code = match &e {
            Error::Validation(_) | Error::Build(_) => exit::USAGE,
            Error::Credentials(_) | Error::Config(_) => exit::CONFIG,
            Error::Transport(_) | Error::CallTimeout { .. } | Error::WaitTimeout { .. } => {
                exit::TRANSPORT
            }
            _ => exit::SERVICE,
        };
        let message = match &e {
            Error::Service(s) => {
                let mut m = format!(
                    "service error\n  status:     {}\n  code:       {}\n  message:    {}\n  request id: {}",
                    s.status,
                    s.code,
                    s.message,
                    s.request_id.as_deref().unwrap_or("-")
                );
                if let Some(enc) = &s.encoded_authorization_message {
                    m.push_str(&format!("\n  encoded authorization message: {enc}"));
                }
                m
            }
            other => other.to_string(),
        };
        CliError { code, message }
    }
}

impl From<hwcloud_core::BuildError> for CliError {
    fn from(e: hwcloud_core::BuildError) -> Self {
        Error::from(e).into()
    }
}

/// A successful command's result.
#[derive(Debug)]
pub struct Outcome {
    /// The decoded output as JSON.
    pub value: Value,
    /// The order the output's types write their fields in (`value` sorts them).
    pub order: FieldOrder,
    /// `X-Request-Id`.
    pub request_id: Option<String>,
}

/// How a body-field flag's text becomes JSON.
#[derive(Debug, Clone, Copy)]
pub enum FieldKind {
    /// A JSON string.
    Text,
    /// A JSON integer.
    Int,
    /// A JSON number.
    Float,
    /// `true` or `false`.
    Bool,
}

/// The text of argument `id`, empty when absent.
pub fn arg(m: &ArgMatches, id: &str) -> String {
    m.get_one::<String>(id).cloned().unwrap_or_default()
}

/// Refuses a value bound for the request line or a header: longer than
/// [`MAX_PATH_PARAM_LEN`](hwcloud_core::operation::MAX_PATH_PARAM_LEN) bytes or holding a
/// control character. `shown` names the flag or argument; the value is never echoed.
pub fn check_request_text(shown: &str, value: &str) -> Result<(), CliError> {
    if value.is_empty() {
        return Ok(());
    }
    hwcloud_core::operation::check_path_value(value)
        .map_err(|problem| CliError::usage(format!("{shown} {problem}")))
}

/// The value of the required positional argument `id` (shown as `shown`), checked with
/// [`check_request_text`].
pub fn id_arg(m: &ArgMatches, id: &str, shown: &str) -> Result<String, CliError> {
    let value = arg(m, id);
    check_request_text(shown, &value)?;
    Ok(value)
}

/// The value of flag `--id` parsed as `T`, naming the flag on error. Every flag value is
/// checked with [`check_request_text`] first: flags fill paths, queries and headers.
pub fn flag<T: FromStr>(m: &ArgMatches, id: &str) -> Result<Option<T>, CliError>
where
    T::Err: std::fmt::Display,
{
    match m.get_one::<String>(id) {
        None => Ok(None),
        Some(s) => {
            check_request_text(&format!("--{id}"), s)?;
            s.parse::<T>()
                .map(Some)
                .map_err(|e| CliError::usage(format!("--{id}: {e} (got {s:?})")))
        }
    }
}

/// The value of flag `--id` as an enum, by its wire value.
pub fn enum_flag<T: DeserializeOwned>(m: &ArgMatches, id: &str) -> Result<Option<T>, CliError> {
    match m.get_one::<String>(id) {
        None => Ok(None),
        Some(s) => serde_json::from_value(Value::String(s.clone()))
            .map(Some)
            .map_err(|e| CliError::usage(format!("--{id}: {e}"))),
    }
}

/// The request body: `--body FILE|-` (JSON object), with field flags laid over its top-level
/// fields. `None` when neither is given. Decoding errors name the field path.
pub fn body<T: DeserializeOwned>(
    m: &ArgMatches,
    fields: &[(&str, &str, FieldKind)],
) -> Result<Option<T>, CliError> {
    let mut object = match m.get_one::<String>("body") {
        None => None,
        Some(src) => Some(read_body(src)?),
    };
    for (wire, id, kind) in fields {
        let Some(text) = m.get_one::<String>(id) else {
            continue;
        };
        let value = match kind {
            FieldKind::Text => Value::String(text.clone()),
            FieldKind::Int => text
                .parse::<i64>()
                .map(Value::from)
                .map_err(|e| CliError::usage(format!("--{id}: {e} (got {text:?})")))?,
            FieldKind::Float => text
                .parse::<f64>()
                .map(Value::from)
                .map_err(|e| CliError::usage(format!("--{id}: {e} (got {text:?})")))?,
            FieldKind::Bool => text.parse::<bool>().map(Value::from).map_err(|_| {
                CliError::usage(format!("--{id}: expected true or false (got {text:?})"))
            })?,
        };
        object
            .get_or_insert_with(Map::new)
            .insert((*wire).to_owned(), value);
    }
    let Some(object) = object else {
        return Ok(None);
    };
    let value = Value::Object(object);
    serde_path_to_error::deserialize(&value)
        .map(Some)
        .map_err(|e| {
            let path = e.path().to_string();
            // What was wrong and what was expected, never the value (it may be a password).
            let inner = without_values(&e.into_inner().to_string());
            if path == "." {
                CliError::usage(format!("request body: {inner}"))
            } else {
                CliError::usage(format!("request body field {path}: {inner}"))
            }
        })
}

fn read_body(src: &str) -> Result<Map<String, Value>, CliError> {
    let (text, name) = if src == "-" {
        let mut s = String::new();
        std::io::stdin()
            .read_to_string(&mut s)
            .map_err(|e| CliError::usage(format!("--body -: cannot read stdin: {e}")))?;
        (s, "stdin".to_owned())
    } else {
        let s = std::fs::read_to_string(src)
            .map_err(|e| CliError::usage(format!("--body {src}: {e}")))?;
        (s, src.to_owned())
    };
    match serde_json::from_str::<Value>(&text) {
        Ok(Value::Object(m)) => Ok(m),
        Ok(_) => Err(CliError::usage(format!(
            "--body {name}: expected a JSON object"
        ))),
        Err(e) => Err(CliError::usage(format!(
            "--body {name}: not valid JSON at line {}, column {}: {e}",
            e.line(),
            e.column()
        ))),
    }
}

/// Turns a call's result into an outcome.
pub fn finish<T: Serialize>(r: Result<Response<T>, Error>) -> Result<Outcome, CliError> {
    let r = r?;
    let value = serde_json::to_value(&r.output)
        .map_err(|e| CliError::usage(format!("cannot print the output: {e}")))?;
    Ok(Outcome {
        value,
        order: FieldOrder::of(&r.output),
        request_id: r.request_id,
    })
}

/// Every item of a paginated list, as one JSON array.
pub async fn collect_items<T: Serialize>(
    items: impl Stream<Item = Result<T, Error>>,
) -> Result<Outcome, CliError> {
    let mut out = Vec::new();
    let mut order = FieldOrder::default();
    let mut items = std::pin::pin!(items);
    while let Some(item) = items.next().await {
        let item = item?;
        order.add(&item);
        out.push(
            serde_json::to_value(&item)
                .map_err(|e| CliError::usage(format!("cannot print an item: {e}")))?,
        );
    }
    Ok(Outcome {
        value: Value::Array(out),
        order,
        request_id: None,
    })
}
