//! The data-plane flags of `hwcloud emulator serve`: DCS instances backed by real Redis
//! servers (`--instance ID=URL`, `--spawn-redis N`), the networks the engine may reach
//! (`--allow-network`) and the OBS folder (`--obs-dir`). Passwords come from files or the
//! environment, never from a flag or a URL.

use std::path::PathBuf;

use clap::Args;
use hwcloud_emulator::{EmulatorBuilder, EmulatorHandle, RedisEndpoint};

use crate::redis_cmd::secrets;
use crate::runner::CliError;

/// The data-plane options of `emulator serve`.
#[derive(Debug, Args)]
pub struct DataPlaneArgs {
    /// Back DCS instance ID with the Redis server at URL (redis://HOST:PORT[/DB], no
    /// password; repeatable): migrations to it, backups of it and imports into it run for
    /// real. Its password: --instance-password-file ID=FILE or HWCLOUD_INSTANCE_PASSWORD_<ID>
    #[arg(long = "instance", value_name = "ID=URL", value_parser = parse_instance)]
    instances: Vec<(String, RedisEndpoint)>,

    /// File whose first line is the password of instance ID (repeatable)
    #[arg(long = "instance-password-file", value_name = "ID=FILE", value_parser = parse_file)]
    password_files: Vec<(String, PathBuf)>,

    /// Start N redis-server processes as instances local-redis-1 … local-redis-N (stopped
    /// when the emulator stops)
    #[arg(long, value_name = "N")]
    spawn_redis: Option<usize>,

    /// The server program for --spawn-redis (default: $REDIS_SERVER, then redis-server or
    /// valkey-server on PATH)
    #[arg(long, value_name = "PATH")]
    redis_server: Option<PathBuf>,

    /// Let the engine connect to this network besides loopback (repeatable), e.g. 10.0.0.0/8
    #[arg(long = "allow-network", value_name = "CIDR")]
    allow_network: Vec<String>,

    /// Emulate OBS buckets as the sub-folders of DIR (backup imports read DIR/BUCKET/FILE)
    #[arg(long, value_name = "DIR")]
    obs_dir: Option<PathBuf>,
}

fn parse_instance(text: &str) -> Result<(String, RedisEndpoint), String> {
    let (id, url) = text
        .split_once('=')
        .ok_or("expected ID=redis://HOST:PORT (e.g. cache-1=redis://127.0.0.1:6380)")?;
    let ep = RedisEndpoint::parse(url).map_err(|e| e.to_string())?;
    Ok((id.to_owned(), ep))
}

fn parse_file(text: &str) -> Result<(String, PathBuf), String> {
    let (id, file) = text.split_once('=').ok_or("expected ID=FILE")?;
    Ok((id.to_owned(), PathBuf::from(file)))
}

/// `HWCLOUD_INSTANCE_PASSWORD_<ID>`: the id upper-cased, other characters than letters and
/// digits as `_`.
pub fn password_var(id: &str) -> String {
    let id: String = id
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_uppercase()
            } else {
                '_'
            }
        })
        .collect();
    format!("HWCLOUD_INSTANCE_PASSWORD_{id}")
}

impl DataPlaneArgs {
    /// Adds the options to `builder`; a password file that cannot be used is a
    /// configuration error naming the file, never its content.
    pub fn apply(&self, mut builder: EmulatorBuilder) -> Result<EmulatorBuilder, CliError> {
        for (id, ep) in &self.instances {
            let file = self.password_files.iter().find(|(i, _)| i == id);
            let password = match file {
                Some((_, path)) => Some(secrets::from_file(path)?),
                None => secrets::from_env(&password_var(id))?,
            };
            builder = builder.instance(id.clone(), ep.clone().with_password(password));
        }
        if let Some((id, _)) = self
            .password_files
            .iter()
            .find(|(id, _)| !self.instances.iter().any(|(i, _)| i == id))
        {
            return Err(CliError::usage(format!(
                "--instance-password-file {id}=…: no --instance {id}=URL"
            )));
        }
        if let Some(n) = self.spawn_redis {
            if self.redis_server.is_none() {
                hwcloud_emulator::find_redis_server().map_err(|e| {
                    CliError::config(format!("--spawn-redis needs a Redis server: {e}"))
                })?;
            }
            builder = builder.spawn_redis(n);
        }
        if let Some(p) = &self.redis_server {
            builder = builder.redis_server(p);
        }
        for c in &self.allow_network {
            builder = builder.allow_network(c);
        }
        if let Some(d) = &self.obs_dir {
            builder = builder.obs_dir(d);
        }
        Ok(builder)
    }

    /// Says which instances are real and what the others are.
    pub fn print(&self, handle: &EmulatorHandle) {
        for r in handle.real_instances() {
            match r.pid {
                Some(pid) => println!(
                    "instance {}: {} (redis-server pid {pid}, stopped with the emulator); migrations to it run the engine",
                    r.id, r.url
                ),
                None => println!(
                    "instance {}: {}; migrations to it run the engine",
                    r.id, r.url
                ),
            }
        }
        println!(
            "tasks whose target is another instance id are simulated (statuses follow the clock); register real ones with --instance ID=URL or POST /_emulator/instances"
        );
        if let Some(d) = &self.obs_dir {
            println!("OBS buckets: {}/BUCKET/FILE", d.display());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_parse_and_refuse_passwords_in_urls() {
        let (id, ep) = parse_instance("cache-1=redis://127.0.0.1:6380").unwrap();
        assert_eq!((id.as_str(), ep.port), ("cache-1", 6380));
        assert!(parse_instance("redis://127.0.0.1:6380").is_err());
        let e = parse_instance("c=redis://u:hunter2@127.0.0.1:1").unwrap_err();
        assert!(!e.contains("hunter2"), "{e}");
        assert_eq!(password_var("cache-1"), "HWCLOUD_INSTANCE_PASSWORD_CACHE_1");
    }
}
