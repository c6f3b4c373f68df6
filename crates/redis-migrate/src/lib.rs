//! A Redis migration engine: full and incremental sync over the replication protocol,
//! backup import, resume after a cut, a byte-rate limit and verification.
//!
//! The engine acts as a replica of the source (`PSYNC`), reads the snapshot with a streaming
//! RDB parser and writes it to a standalone target over one pipelined connection, then
//! applies the command stream in order. It depends on nothing of the hwcloud SDK and is
//! useful on its own. Pure logic (the RESP codec, the RDB parser, the replication handshake)
//! is kept apart from I/O so that it can be tested without sockets.

pub mod apply;
pub mod conn;
pub mod endpoint;
pub mod engine;
pub mod import;
pub mod metrics;
pub mod ratelimit;
pub mod rdb;
pub mod replica;
pub mod resp;
pub mod snapshot;
pub mod spool;
pub mod target;
pub mod verify;
