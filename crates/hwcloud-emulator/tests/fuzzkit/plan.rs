//! One fuzz request drawn for an operation: its class (valid, invalid, cross-project,
//! refused authentication, off the spec), its path, query, headers and body, and what the
//! checks must know about it.

use fastrand::Rng;
use hwcloud_core::signing::Algorithm;
use serde_json::Value;

use super::client::{Auth, Request};
use super::draw::{Gen, token};
use super::mutate::{self, Mutation};
use super::schema::{Direction, is_valid};
use super::spec::{Operation, Service, Spec};
use super::world::{Kind, World};

/// What a request is meant to exercise.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Class {
    /// Everything drawn from the schemas, for the signer's own project and objects.
    Valid,
    /// One input made invalid.
    Invalid(Invalid),
    /// Names another project's project id or objects.
    Cross,
    /// Valid request with a refused authentication.
    BadAuth,
    /// A method or path that is no operation, or a body over the gateway's limit.
    OffSpec,
}

/// Which input was made invalid.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Invalid {
    Body(Mutation),
    /// A path id outside `[A-Za-z0-9_.-]{1,max}`.
    PathId,
    /// A well-formed id of no object.
    UnknownId,
    /// A query parameter of the wrong type, out of range or not in its enum.
    Query,
    /// A content type other than the documented one.
    ContentType,
}

/// A drawn request and what the checks need to know about it.
#[derive(Debug, Clone)]
pub struct Planned {
    pub op: Option<usize>,
    pub class: Class,
    /// Index of the signing project (0 or 1).
    pub signer: usize,
    pub req: Request,
    /// Whether the emulator must refuse it (a 2xx answer is a failure).
    pub must_refuse: bool,
    /// Whether the body (if any) is valid for the documented schema.
    pub body_valid: bool,
    /// Ids of the other project the request names.
    pub sent_foreign: Vec<String>,
}

/// Project ids of the two credentials.
pub struct Projects<'a> {
    pub ids: [&'a str; 2],
}

/// Draws the class of the next request.
pub fn draw_class(rng: &mut Rng) -> Class {
    match rng.u8(..100) {
        0..=44 => Class::Valid,
        45..=79 => Class::Invalid(Invalid::Body(Mutation::EmptyBody)), // refined in `plan`
        80..=89 => Class::Cross,
        90..=94 => Class::BadAuth,
        _ => Class::OffSpec,
    }
}

fn hint_for(world: &World, owner: usize, cross: bool, path: &str, rng: &mut Rng) -> Option<Value> {
    let kind = match path {
        "target_instance.id" | "source_instance.id" => Kind::Instance,
        "backup_files.backup_id" => Kind::Backup,
        "source_server.id" => Kind::Source,
        "migration_tasks[]" | "task_id_list[]" => Kind::DcsTask,
        "ids[]" => Kind::SmsTask,
        _ => return None,
    };
    if rng.u8(..5) == 0 {
        return None;
    }
    let task = matches!(kind, Kind::DcsTask | Kind::SmsTask);
    let id = if cross && task {
        world.sentinel(owner, kind, rng)
    } else {
        world.pick(owner, kind, rng)
    };
    id.map(Value::String)
}

fn query_value(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// A malformed path id: a character outside `[A-Za-z0-9_.-]` (percent-encoded) or too long.
fn bad_id(rng: &mut Rng) -> String {
    match rng.u8(..4) {
        0 => format!("{}%20{}", token(rng, 4), token(rng, 4)),
        1 => format!("{}%2C", token(rng, 6)),
        2 => "x".repeat(65 + rng.usize(..300)),
        _ => format!("{}%C3%A9", token(rng, 3)),
    }
}

/// Draws a request for `op` (index `oi`) signed by project `signer`, of class `class`.
#[allow(clippy::too_many_arguments, clippy::too_many_lines)]
pub fn plan(
    spec: &Spec,
    oi: usize,
    class: Class,
    signer: usize,
    projects: &Projects<'_>,
    world: &World,
    rng: &mut Rng,
) -> Planned {
    let op: &Operation = &spec.operations[oi];
    let doc = spec.doc(op.service);
    let other = 1 - signer;
    // Refine a drawn `Invalid` into one this operation has room for.
    let class = match class {
        Class::Invalid(_) => {
            let mut options = vec![
                Invalid::PathId,
                Invalid::UnknownId,
                Invalid::Query,
                Invalid::ContentType,
            ];
            options.retain(|o| match o {
                Invalid::PathId | Invalid::UnknownId => {
                    op.path_params().any(|p| p.name != "project_id")
                }
                Invalid::Query => op.query_params().next().is_some(),
                Invalid::ContentType => op.body.is_some(),
                Invalid::Body(_) => true,
            });
            if op.body.is_some() {
                for m in mutate::BODY {
                    options.push(Invalid::Body(*m));
                    options.push(Invalid::Body(*m));
                }
            }
            if options.is_empty() {
                Class::Valid
            } else {
                Class::Invalid(options[rng.usize(..options.len())])
            }
        }
        c => c,
    };
    let cross = class == Class::Cross;
    let mut sent_foreign = Vec::new();
    let mut must_refuse = false;
    // Which cross-project probe: 0 another project in the path or header, 1 another
    // project's object in the path, 2 in the body.
    let probe = if cross { rng.u8(..3) } else { u8::MAX };

    let mut path = op.path.clone();
    for p in op.path_params() {
        let value = if p.name == "project_id" {
            if probe == 0 {
                must_refuse = true;
                projects.ids[other].to_owned()
            } else {
                projects.ids[signer].to_owned()
            }
        } else {
            let kind = Kind::of_param(&p.name, op.service == Service::Dcs);
            match class {
                Class::Invalid(Invalid::PathId) => {
                    must_refuse = true;
                    bad_id(rng)
                }
                Class::Invalid(Invalid::UnknownId) => {
                    // No object has this id: the answer is a not-found refusal, never 2xx.
                    must_refuse = true;
                    format!("{}-{}", token(rng, 8), token(rng, 12))
                }
                _ if probe == 1 || (probe == 2 && op.body.is_none()) => {
                    let id = kind.and_then(|k| match k {
                        Kind::DcsTask | Kind::SmsTask => world.sentinel(other, k, rng),
                        k => world.pick(other, k, rng),
                    });
                    match id {
                        Some(id) => {
                            must_refuse = true;
                            sent_foreign.push(id.clone());
                            id
                        }
                        None => format!("{}-{}", token(rng, 8), token(rng, 12)),
                    }
                }
                _ => World::step_for(&op.id)
                    .filter(|_| p.name == "task_id" && rng.u8(..4) != 0)
                    .and_then(|k| world.pick(signer, k, rng))
                    .or_else(|| kind.and_then(|k| world.pick(signer, k, rng)))
                    .unwrap_or_else(|| format!("{}-{}", token(rng, 8), token(rng, 12))),
            }
        };
        path = path.replace(&format!("{{{}}}", p.name), &value);
    }

    let mut query = Vec::new();
    let query_params: Vec<_> = op.query_params().collect();
    let broken = (class == Class::Invalid(Invalid::Query) && !query_params.is_empty())
        .then(|| rng.usize(..query_params.len()));
    for (i, p) in query_params.iter().enumerate() {
        if broken == Some(i) {
            let s = super::spec::resolve(doc, &p.schema);
            let bad = match (s.get("type").and_then(Value::as_str), s.get("enum")) {
                (_, Some(_)) => "NOT_A_DOCUMENTED_VALUE".to_owned(),
                (Some("integer"), _) if rng.bool() => "twelve".to_owned(),
                (Some("integer"), _) => match (s.get("maximum"), s.get("minimum")) {
                    (Some(max), _) if rng.bool() => (max.as_i64().unwrap_or(0) + 1).to_string(),
                    (_, Some(min)) => (min.as_i64().unwrap_or(0) - 1).to_string(),
                    _ => "1.5".to_owned(),
                },
                (Some("boolean"), _) => "maybe".to_owned(),
                _ => match s.get("maxLength").and_then(Value::as_u64) {
                    Some(max) => "q".repeat(max as usize + 1),
                    None => match s.get("pattern") {
                        Some(_) => "not-digits".to_owned(),
                        None => continue,
                    },
                },
            };
            must_refuse = true;
            query.push((p.name.clone(), bad));
        } else if p.required || rng.u8(..4) == 0 {
            let mut none = |_: &str, _: &mut Rng| None;
            let v = Gen {
                doc,
                rng,
                hint: &mut none,
            }
            .valid(&p.schema, "");
            if v.is_null() {
                continue;
            }
            query.push((p.name.clone(), query_value(&v)));
        }
    }

    let mut extra_headers = Vec::new();
    // Headers and query parameters no operation documents are signed like the others and
    // must not change the answer's class.
    if rng.u8(..10) == 0 {
        extra_headers.push((format!("X-Fuzz-{}", token(rng, 4)), token(rng, 20)));
    }
    if rng.u8(..10) == 0 {
        query.push((format!("fuzz_{}", token(rng, 4)), token(rng, 8)));
    }
    if op.service == Service::Sms {
        if probe == 0 {
            must_refuse = true;
            extra_headers.push(("X-Project-Id".to_owned(), projects.ids[other].to_owned()));
        } else if rng.u8(..4) == 0 {
            extra_headers.push(("X-Project-Id".to_owned(), projects.ids[signer].to_owned()));
        }
    }

    let (mut body, mut body_valid) = (Vec::new(), true);
    let mut content_type = "application/json".to_owned();
    if let Some((media, schema)) = &op.body {
        content_type = media.clone();
        let owner = if probe == 2 { other } else { signer };
        let mut hint = |at: &str, r: &mut Rng| hint_for(world, owner, probe == 2, at, r);
        let value = Gen {
            doc,
            rng,
            hint: &mut hint,
        }
        .valid(schema, "");
        if probe == 2 {
            world.foreign_ids_in(signer, &value, &mut sent_foreign);
        }
        body = serde_json::to_vec(&value).unwrap_or_default();
        match class {
            Class::Invalid(Invalid::Body(m)) => {
                if let Some(b) = mutate::apply(doc, schema, &value, m, rng) {
                    body_valid = serde_json::from_slice::<Value>(&b)
                        .is_ok_and(|v| is_valid(doc, schema, &v, Direction::Request));
                    must_refuse |= !body_valid && m.must_refuse();
                    body = b;
                }
            }
            Class::Invalid(Invalid::ContentType) => {
                content_type = [
                    "text/plain",
                    "application/xml",
                    "application/x-www-form-urlencoded",
                ][rng.usize(..3)]
                .to_owned();
            }
            _ => {}
        }
    }

    let auth = if class == Class::BadAuth {
        must_refuse = true;
        [
            Auth::Missing,
            Auth::WrongSecret,
            Auth::Tampered,
            Auth::Stale,
            Auth::Garbage,
        ][rng.usize(..5)]
    } else {
        Auth::Signed(match rng.u8(..10) {
            0 => Algorithm::HmacSm3,
            1 => Algorithm::V11HmacSha256,
            _ => Algorithm::HmacSha256,
        })
    };
    Planned {
        op: Some(oi),
        class,
        signer,
        req: Request {
            method: op.method.clone(),
            path,
            query,
            content_type,
            extra_headers,
            body,
            auth,
        },
        must_refuse,
        body_valid,
        sent_foreign,
    }
}

/// A request that is no operation: a documented path with a method it does not have, a path
/// with an extra segment or none of the spec's, or a body over the gateway's limit.
pub fn off_spec(
    spec: &Spec,
    signer: usize,
    projects: &Projects<'_>,
    max_body: usize,
    rng: &mut Rng,
) -> Planned {
    let op = &spec.operations[rng.usize(..spec.operations.len())];
    let concrete = op
        .path
        .replace("{project_id}", projects.ids[signer])
        .replace("{task_id}", &token(rng, 10))
        .replace("{job_id}", &token(rng, 10))
        .replace("{instance_id}", &token(rng, 10))
        .replace("{source_id}", &token(rng, 10));
    let methods = ["GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"];
    let routed = |method: &str, path: &str| {
        spec.operations
            .iter()
            .any(|o| o.method == method && matches_template(&o.path, path))
    };
    let free: Vec<&str> = methods
        .iter()
        .copied()
        .filter(|m| !routed(m, &concrete))
        .collect();
    let (method, path, body) = match rng.u8(..4) {
        // An extra segment, unless that names another operation (GET /v3/tasks/x).
        1 if !routed(&op.method, &format!("{concrete}/x")) => (
            op.method.clone(),
            format!("{concrete}/{}", token(rng, 6)),
            Vec::new(),
        ),
        0 | 1 => (
            free[rng.usize(..free.len())].to_owned(),
            concrete,
            Vec::new(),
        ),
        2 => {
            let prefix = ["/v2", "/v3/tasks", "/v9", ""][rng.usize(..4)];
            let path = format!("{prefix}/{}/{}", token(rng, 5), token(rng, 7));
            let method = methods[rng.usize(..methods.len())];
            if routed(method, &path) {
                (free[0].to_owned(), concrete, Vec::new())
            } else {
                (method.to_owned(), path, Vec::new())
            }
        }
        _ => (
            op.method.clone(),
            concrete,
            vec![b' '; max_body + 1 + rng.usize(..1024)],
        ),
    };
    Planned {
        op: None,
        class: Class::OffSpec,
        signer,
        req: Request {
            method,
            path,
            query: Vec::new(),
            content_type: "application/json".to_owned(),
            extra_headers: Vec::new(),
            body,
            auth: Auth::Signed(Algorithm::HmacSha256),
        },
        must_refuse: true,
        body_valid: false,
        sent_foreign: Vec::new(),
    }
}

/// Whether `path` fits `template` (`{name}` matches one non-empty segment).
pub fn matches_template(template: &str, path: &str) -> bool {
    let t: Vec<&str> = template.split('/').collect();
    let p: Vec<&str> = path.split('/').collect();
    t.len() == p.len()
        && t.iter()
            .zip(&p)
            .all(|(t, p)| (t.starts_with('{') && !p.is_empty()) || t == p)
}
