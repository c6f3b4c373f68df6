//! The data plane: DCS tasks whose target instance is backed by a real Redis server are run
//! by the migration engine (`redis-migrate`) instead of following the clock.
//!
//! - `record`: what a task stores about its engine (run, checkpoint, log, last figures);
//! - `state`: the live part held by the app (network policy, OBS folder, passwords in memory,
//!   runs in progress, started `redis-server` processes);
//! - `netpolicy`: loopback, plus the networks of `--allow-network`;
//! - `obs`: OBS buckets as folders of `--obs-dir`;
//! - `resolve`: a stored task → the servers, files and options of an engine run;
//! - `mapping`: engine phases, counters and events → DCS statuses, statistics and logs;
//! - `runner`: one engine run per task; `finish`: how a run ended, written into its task;
//! - `hooks`: what the DCS handlers call; `resume`: runs that were cut by a restart;
//! - `backup`: backups the emulator takes of a Redis-backed instance;
//! - `control`: `/_emulator/instances` (registration, list, backups);
//! - `spawn`: `redis-server` processes the emulator starts itself;
//! - `setup`: the options, start-up (spawn, register, resume) and shutdown.
//!
//! An instance is Redis-backed when its record carries a `redis` URL
//! (`crate::dcs::real_instances`); every other task stays simulated, as documented.

pub mod backup;
pub mod control;
pub mod finish;
pub mod hooks;
pub mod mapping;
pub mod netpolicy;
pub mod obs;
pub mod record;
pub mod resolve;
pub mod resume;
pub mod runner;
pub mod setup;
pub mod spawn;
pub mod state;
