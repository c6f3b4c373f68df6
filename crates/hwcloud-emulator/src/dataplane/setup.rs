//! The data plane at start-up and shutdown: the options of the builder and of `hwcloud
//! emulator serve`, the `redis-server` processes to start, the instances to register, the
//! runs to resume; and, at the end, engines stopped cleanly and processes killed.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use redis_migrate::endpoint::Endpoint;

use super::control::register_instance;
use super::netpolicy::{Cidr, NetPolicy};
use super::resume;
use super::spawn::{SpawnedRedis, find_server};
use super::state::{Plane, wait_done};
use crate::app::App;

/// How long a shutdown waits for the engines to stop cleanly (checkpoints exact).
const SHUTDOWN: Duration = Duration::from_secs(10);

/// The data plane's options.
#[derive(Debug, Clone, Default)]
pub struct DataPlaneOptions {
    /// Instances backed by Redis servers: (id, server with its password).
    pub instances: Vec<(String, Endpoint)>,
    /// Networks besides loopback the emulator may connect to.
    pub allow_networks: Vec<String>,
    /// The folder that plays OBS (one sub-folder per bucket).
    pub obs_dir: Option<PathBuf>,
    /// Instance ids to back with `redis-server` processes the emulator starts.
    pub spawn: Vec<String>,
    /// The server program for `spawn` (default: `$REDIS_SERVER`, then `PATH`).
    pub redis_server: Option<PathBuf>,
}

/// A Redis-backed instance registered at start-up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RealInstance {
    /// The DCS instance id.
    pub id: String,
    /// `redis://host:port` (never a password).
    pub url: String,
    /// The process id when the emulator started the server itself.
    pub pid: Option<u32>,
}

/// The plane of an emulator whose state is in `data_dir` (or memory).
pub fn plane(
    opts: &DataPlaneOptions,
    data_dir: Option<&Path>,
    default_project: String,
) -> Result<Plane, String> {
    let cidrs = opts
        .allow_networks
        .iter()
        .map(|c| c.parse::<Cidr>().map_err(|e| format!("allow_network: {e}")))
        .collect::<Result<Vec<_>, _>>()?;
    Plane::new(
        NetPolicy::new(cidrs),
        opts.obs_dir.clone(),
        data_dir,
        default_project,
    )
    .map_err(|e| format!("cannot create the data plane's work directory: {e}"))
}

/// Starts the servers to spawn, registers every instance, resumes cut runs.
pub async fn start(app: &Arc<App>, opts: &DataPlaneOptions) -> Result<Vec<RealInstance>, String> {
    let project = app.plane.default_project.clone();
    let mut out = Vec::new();
    if !opts.spawn.is_empty() {
        let binary = match &opts.redis_server {
            Some(b) => b.clone(),
            None => find_server()?,
        };
        for id in &opts.spawn {
            let (b, i) = (binary.clone(), id.clone());
            let server = tokio::task::spawn_blocking(move || SpawnedRedis::start(&b, &i))
                .await
                .map_err(|e| e.to_string())?
                .map_err(|e| format!("cannot start {} for instance {id}: {e}", binary.display()))?;
            let (url, pid) = (server.url(), server.pid());
            app.plane.adopt(server);
            let ep = Endpoint::parse(&url).map_err(|e| e.to_string())?;
            register_instance(app, &project, id, None, ep).await?;
            out.push(RealInstance {
                id: id.clone(),
                url,
                pid: Some(pid),
            });
        }
    }
    for (id, ep) in &opts.instances {
        register_instance(app, &project, id, None, ep.clone()).await?;
        let url = ep.to_string();
        out.push(RealInstance {
            id: id.clone(),
            url,
            pid: None,
        });
    }
    let resumed = resume::resume_all(app).await.map_err(|e| e.msg)?;
    if resumed > 0 {
        tracing::info!(resumed, "engine runs resumed after a restart");
    }
    Ok(out)
}

/// Stops every engine cleanly (bounded), then every server the emulator started; then waits
/// (bounded) until nothing but the caller holds the state, so that a new emulator can open
/// the same data directory at once.
pub async fn shutdown(app: &Arc<App>) {
    let waits = app.plane.shutdown_runs();
    let all = async {
        for done in waits {
            wait_done(done, SHUTDOWN).await;
        }
    };
    let _ = tokio::time::timeout(SHUTDOWN, all).await;
    app.plane.stop_spawned();
    let released = async {
        while Arc::strong_count(app) > 1 {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    };
    let _ = tokio::time::timeout(Duration::from_secs(2), released).await;
}
