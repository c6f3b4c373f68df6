//! Before the run: each project gets DCS instances (with backups) and SMS source servers
//! through the control API, as the console and the SMS agent would register them, and its
//! sentinels — a finished full migration, a running incremental one and a ready SMS task —
//! whose answers are recorded to compare at the end.

use hwcloud_core::signing::Algorithm;
use hwcloud_emulator::{ClockHandle, Credential};
use serde_json::{Value, json};

use super::client::{Auth, Request, Sender};
use super::world::{Kind, Sentinel, World};

/// A signed JSON call for the setup; a non-2xx answer is an error.
pub async fn call(
    sender: &Sender,
    cred: &Credential,
    method: &str,
    path: &str,
    body: Option<Value>,
) -> Result<Value, String> {
    let req = Request {
        method: method.to_owned(),
        path: path.to_owned(),
        query: Vec::new(),
        content_type: "application/json".to_owned(),
        extra_headers: Vec::new(),
        body: body.map(|b| b.to_string().into_bytes()).unwrap_or_default(),
        auth: Auth::Signed(Algorithm::HmacSha256),
    };
    let a = sender.send(cred, &req).await?;
    if !(200..300).contains(&a.status) {
        return Err(format!(
            "{method} {path}: {} {}",
            a.status,
            String::from_utf8_lossy(&a.body)
        ));
    }
    Ok(serde_json::from_slice(&a.body).unwrap_or(Value::Null))
}

fn text(v: &Value, k: &str) -> Result<String, String> {
    v[k].as_str()
        .map(str::to_owned)
        .ok_or_else(|| format!("no {k} in {v}"))
}

/// Registers instances and sources for project `i` and records them in `world`.
pub async fn register(
    sender: &Sender,
    world: &mut World,
    i: usize,
    project: &str,
) -> Result<(), String> {
    for n in 0..3 {
        let v = sender
            .control(
                "/_emulator/dcs/instances",
                json!({"project_id": project, "name": format!("fuzz-{i}-{n}"), "backups": [{}, {}]}),
            )
            .await?;
        world.add(i, Kind::Instance, &text(&v["instance"], "instance_id")?);
        for b in v["backups"].as_array().into_iter().flatten() {
            world.add(i, Kind::Backup, &text(b, "backup_id")?);
        }
    }
    for n in 0..2 {
        let v = sender
            .control(
                "/_emulator/sms/sources",
                json!({"project_id": project, "source_server": {"name": format!("src-{i}-{n}")}}),
            )
            .await?;
        world.add(i, Kind::Source, &text(&v, "id")?);
    }
    Ok(())
}

/// Creates the sentinels of project `i` (after [`register`]); [`snapshot`] records them once
/// the clock has moved them to a settled status.
pub async fn sentinels(
    sender: &Sender,
    clock: &ClockHandle,
    cred: &Credential,
    world: &mut World,
    i: usize,
) -> Result<(), String> {
    let p = cred.project_id.clone();
    let mut rng = fastrand::Rng::with_seed(1);
    let inst: Vec<String> = (0..2)
        .map(|_| world.pick(i, Kind::Instance, &mut rng).unwrap_or_default())
        .collect();
    for (name, method) in [
        ("sentinel-full", "full_amount_migration"),
        ("sentinel-incr", "incremental_migration"),
    ] {
        let created = call(
            sender,
            cred,
            "POST",
            &format!("/v2/{p}/migration/instance"),
            Some(json!({
            "name": name, "vpc_id": "vpc", "subnet_id": "subnet", "security_group_id": "sg"})),
        )
        .await?;
        let id = text(&created, "instance_id")?;
        world.owner.insert(text(&created, "job_id")?, i);
        // The migration machine is ready after a virtual second.
        clock.advance_secs(2.0).map_err(|e| e.to_string())?;
        call(
            sender,
            cred,
            "POST",
            &format!("/v2/{p}/migration/{id}/task"),
            Some(json!({
            "migration_method": method, "resume_mode": "auto", "bandwidth_limit_mb": "100",
            "source_instance": {"id": inst[0], "password": "source-pass"},
            "target_instance": {"id": inst[1], "password": "target-pass"}})),
        )
        .await?;
        world.add_sentinel(
            i,
            Sentinel {
                kind: Kind::DcsTask,
                path: format!("/v2/{p}/migration-task/{id}"),
                id,
                seen: Value::Null,
            },
        );
    }
    let source = world.pick(i, Kind::Source, &mut rng).unwrap_or_default();
    let created = call(
        sender,
        cred,
        "POST",
        "/v3/tasks",
        Some(json!({
        "name": "sentinel-sms", "type": "MIGRATE_FILE", "source_server": {"id": source},
        "target_server": {}, "region_name": "eu-west-0", "region_id": "eu-west-0",
        "project_name": "eu-west-0", "project_id": p})),
    )
    .await?;
    let id = text(&created, "id")?;
    world.add_sentinel(
        i,
        Sentinel {
            kind: Kind::SmsTask,
            path: format!("/v3/tasks/{id}"),
            id,
            seen: Value::Null,
        },
    );
    Ok(())
}

/// Reads every sentinel of project `i` as its owner: `record` keeps the answers, otherwise
/// each answer is compared with the kept one; answers the differences.
pub async fn snapshot(
    sender: &Sender,
    cred: &Credential,
    world: &mut World,
    i: usize,
    record: bool,
) -> Vec<String> {
    let mut problems = Vec::new();
    for s in &mut world.projects[i].sentinels {
        match call(sender, cred, "GET", &s.path, None).await {
            Ok(v) if record => s.seen = v,
            Ok(v) if v != s.seen => problems.push(format!(
                "sentinel {} of project {i} changed: was {}, now {}",
                s.id, s.seen, v
            )),
            Ok(_) => {}
            Err(e) => problems.push(format!("sentinel {} of project {i} unreadable: {e}", s.id)),
        }
    }
    problems
}
