//! The data-plane options of the builder and the data-plane calls of a running emulator's
//! handle: DCS instances backed by Redis servers (given or started), the networks the engine
//! may reach, the OBS folder, and backups. Kept apart from `server` so that the server's
//! start-up stays one screen; `crate::dataplane::setup` does the work.

use std::path::PathBuf;

use crate::dataplane::{self, setup::RealInstance};
use crate::server::{EmulatorBuilder, EmulatorHandle};

impl EmulatorBuilder {
    /// Backs DCS instance `id` (in the first credential's project) with the Redis server at
    /// `endpoint` (its password included, kept in memory only): migrations to it, backups
    /// of it and imports into it are run by the engine. Other instances stay simulated.
    pub fn instance(
        mut self,
        id: impl Into<String>,
        endpoint: redis_migrate::endpoint::Endpoint,
    ) -> Self {
        self.dataplane.instances.push((id.into(), endpoint));
        self
    }

    /// Starts a `redis-server` for instance `id` and backs the instance with it; the server
    /// stops with the emulator.
    pub fn spawn_redis_as(mut self, id: impl Into<String>) -> Self {
        self.dataplane.spawn.push(id.into());
        self
    }

    /// Starts `n` `redis-server` processes as instances `local-redis-1` … `local-redis-N`.
    pub fn spawn_redis(mut self, n: usize) -> Self {
        let first = self.dataplane.spawn.len();
        for i in 1..=n {
            self.dataplane
                .spawn
                .push(format!("local-redis-{}", first + i));
        }
        self
    }

    /// The server program for [`Self::spawn_redis`] (default: `$REDIS_SERVER`, then
    /// `redis-server` or `valkey-server` on `PATH`).
    pub fn redis_server(mut self, program: impl Into<PathBuf>) -> Self {
        self.dataplane.redis_server = Some(program.into());
        self
    }

    /// Lets the engine connect to this network (`10.0.0.0/8`, `fd00::/8`, one address)
    /// besides loopback; checked at start.
    pub fn allow_network(mut self, cidr: impl Into<String>) -> Self {
        self.dataplane.allow_networks.push(cidr.into());
        self
    }

    /// Emulates OBS buckets as the sub-folders of `dir` (for backup imports).
    pub fn obs_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.dataplane.obs_dir = Some(dir.into());
        self
    }
}

impl EmulatorHandle {
    /// The Redis-backed instances registered at start (spawned servers with their pids).
    pub fn real_instances(&self) -> &[RealInstance] {
        &self.real
    }

    /// Takes a backup of Redis-backed instance `id` (of the first credential's project), as
    /// `POST /_emulator/instances/{id}/backups` does; answers the backup id.
    pub async fn take_backup(&self, id: &str) -> Result<String, String> {
        let project = self.app.plane.default_project.clone();
        dataplane::backup::take(&self.app, &project, id, None)
            .await
            .map(|b| b.backup_id.unwrap_or_default())
            .map_err(|e| e.to_string())
    }
}
