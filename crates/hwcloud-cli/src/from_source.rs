//! `hwcloud sms create-task --from-source SOURCE_ID`: builds the CreateTask body from a
//! registered source server, as the console (and Terraform's SMS task) does: `source_server.id`
//! is the given ID, `target_server.disks` are the server's recommended target disks
//! (ShowServer `init_target_server.disks`: name, size, device use and partitions), and `os_type`
//! is the server's. Everything given with `--body` or field flags wins over what is derived.
//!
//! The merge is pure ([`merge`]); [`create_task`] only fetches the server and sends the task.

use crate::generated::sms::CREATE_TASK_BODY_FIELDS;
use crate::runner::{self, CliError, Outcome};
use clap::{Arg, ArgMatches, Command};
use hwcloud_core::sensitive::without_values;
use hwcloud_sms::types::{InitTargetDisk, PhysicalVolumes, PostTask, SourceServer, TargetDisks};
use serde_json::{Map, Value};

/// The subcommand this module extends.
pub const CREATE_TASK: &str = "create-task";
const FLAG: &str = "from-source";

/// Adds `--from-source` to `sms create-task`.
pub fn augment(sms: Command) -> Command {
    sms.mut_subcommand(CREATE_TASK, |c| {
        c.arg(Arg::new(FLAG).long(FLAG).value_name("SOURCE_ID").help(
            "Build source_server and target_server.disks from this registered source \
                     server (ShowServer), as the console does; --body and field flags override",
        ))
    })
}

/// Whether `sms create-task` was asked to start from a source server.
pub fn requested(m: &ArgMatches) -> bool {
    m.try_get_one::<String>(FLAG).ok().flatten().is_some()
}

/// Fetches the source server, builds the body and creates the task.
pub async fn create_task(
    client: &hwcloud_sms::Client,
    m: &ArgMatches,
    skip_validation: bool,
) -> Result<Outcome, CliError> {
    let source_id = runner::arg(m, FLAG);
    let user = runner::body::<Map<String, Value>>(m, CREATE_TASK_BODY_FIELDS)?;
    let server = client
        .show_server()
        .source_id(&source_id)
        .send()
        .await?
        .output;
    let body = merge(user.unwrap_or_default(), &source_id, &server)?;
    let mut r = client.create_task().body(body);
    if skip_validation {
        r = r.skip_validation();
    }
    runner::finish(r.send().await)
}

/// The CreateTask body: `user`'s fields, completed from the source server where absent.
pub fn merge(
    mut user: Map<String, Value>,
    source_id: &str,
    server: &SourceServer,
) -> Result<PostTask, CliError> {
    let source = user
        .entry("source_server")
        .or_insert_with(|| Value::Object(Map::new()));
    let Some(source) = source.as_object_mut() else {
        return Err(CliError::usage(
            "request body field source_server: expected an object",
        ));
    };
    match source.get("id").and_then(Value::as_str) {
        Some(id) if id != source_id => {
            return Err(CliError::usage(format!(
                "--from-source {source_id:?} but the body's source_server.id is {id:?}"
            )));
        }
        _ => {
            source.insert("id".into(), Value::String(source_id.to_owned()));
        }
    }
    if !user.contains_key("os_type")
        && let Some(os) = &server.os_type
    {
        user.insert("os_type".into(), Value::String(os.as_str().to_owned()));
    }
    let target = user
        .entry("target_server")
        .or_insert_with(|| Value::Object(Map::new()));
    let Some(target) = target.as_object_mut() else {
        return Err(CliError::usage(
            "request body field target_server: expected an object",
        ));
    };
    if !target.contains_key("disks") {
        let disks = target_disks(source_id, server)?;
        let disks = serde_json::to_value(disks)
            .map_err(|e| CliError::usage(format!("cannot encode the target disks: {e}")))?;
        target.insert("disks".into(), disks);
    }
    serde_path_to_error::deserialize(Value::Object(user)).map_err(|e| {
        let path = e.path().to_string();
        CliError::usage(format!(
            "request body field {path}: {}",
            without_values(&e.into_inner().to_string())
        ))
    })
}

/// Target disks from the server's recommended layout, field by field (fields the recommendation
/// carries beyond the CreateTask model are not sent).
pub fn target_disks(source_id: &str, server: &SourceServer) -> Result<Vec<TargetDisks>, CliError> {
    let recommended = server
        .init_target_server
        .as_ref()
        .and_then(|t| t.disks.as_deref())
        .unwrap_or_default();
    if recommended.is_empty() {
        return Err(CliError::usage(format!(
            "source server {source_id:?} has no recommended target disks \
             (init_target_server.disks); give target_server.disks with --body"
        )));
    }
    Ok(recommended.iter().map(target_disk).collect())
}

fn target_disk(d: &InitTargetDisk) -> TargetDisks {
    TargetDisks {
        name: d.name.clone(),
        size: d.size,
        device_use: d.device_use.clone(),
        physical_volumes: d
            .physical_volumes
            .as_ref()
            .filter(|p| !p.is_empty())
            .map(|p| p.iter().map(partition).collect()),
        ..TargetDisks::default()
    }
}

fn partition(p: &PhysicalVolumes) -> PhysicalVolumes {
    PhysicalVolumes {
        name: p.name.clone(),
        size: p.size,
        used_size: p.used_size,
        device_use: p.device_use.clone(),
        file_system: p.file_system.clone(),
        mount_point: p.mount_point.clone(),
        index: p.index,
        uuid: p.uuid.clone(),
        ..PhysicalVolumes::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn server() -> SourceServer {
        serde_json::from_value(json!({
            "id": "s1",
            "os_type": "LINUX",
            "init_target_server": {"disks": [{
                "name": "/dev/vda", "size": 100, "used_size": 40, "device_use": "BOOT",
                "physical_volumes": [{"name": "/dev/vda1", "size": 100, "used_size": 40,
                    "device_use": "OS", "file_system": "xfs", "mount_point": "/", "index": 0,
                    "uuid": "u1", "inode_size": 7, "size_per_cluster": 4096}]
            }]}
        }))
        .unwrap()
    }

    fn required() -> Map<String, Value> {
        json!({"name": "t", "type": "MIGRATE_BLOCK", "region_name": "r", "region_id": "r",
               "project_name": "r", "project_id": "p"})
        .as_object()
        .unwrap()
        .clone()
    }

    #[test]
    fn disks_source_and_os_come_from_the_server() {
        let body = merge(required(), "s1", &server()).unwrap();
        let v = serde_json::to_value(&body).unwrap();
        assert_eq!(v["source_server"], json!({"id": "s1"}));
        assert_eq!(v["os_type"], "LINUX");
        // Disk used_size, partition inode_size and unknown partition fields are not copied.
        assert_eq!(
            v["target_server"]["disks"],
            json!([{"name": "/dev/vda", "size": 100, "device_use": "BOOT",
                    "physical_volumes": [{"name": "/dev/vda1", "size": 100, "used_size": 40,
                        "device_use": "OS", "file_system": "xfs", "mount_point": "/",
                        "index": 0, "uuid": "u1"}]}])
        );
        body.validate().unwrap();
    }

    #[test]
    fn the_body_wins_over_the_server() {
        let mut user = required();
        user.insert("os_type".into(), json!("WINDOWS"));
        user.insert(
            "target_server".into(),
            json!({"name": "vm", "disks": [{"name": "C:", "size": 1}]}),
        );
        let v = serde_json::to_value(merge(user, "s1", &server()).unwrap()).unwrap();
        assert_eq!(v["os_type"], "WINDOWS");
        assert_eq!(v["target_server"]["name"], "vm");
        assert_eq!(
            v["target_server"]["disks"],
            json!([{"name": "C:", "size": 1}])
        );
    }

    #[test]
    fn conflicts_and_missing_layouts_are_usage_errors() {
        let mut user = required();
        user.insert("source_server".into(), json!({"id": "other"}));
        let e = merge(user, "s1", &server()).unwrap_err();
        assert!(e.message.contains("\"other\""), "{}", e.message);
        let bare: SourceServer = serde_json::from_value(json!({"id": "s1"})).unwrap();
        let e = merge(required(), "s1", &bare).unwrap_err();
        assert!(
            e.message.contains("init_target_server.disks"),
            "{}",
            e.message
        );
        let e = merge(Map::new(), "s1", &server()).unwrap_err();
        assert!(e.message.contains("missing field"), "{}", e.message);
    }
}
