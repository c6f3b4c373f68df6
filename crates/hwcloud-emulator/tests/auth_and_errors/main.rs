//! Authentication refusals, project isolation, validation errors, limits and faults.

#[path = "../common/mod.rs"]
mod common;

use std::time::{Duration, SystemTime};

use common::*;
use hwcloud_core::signing::Algorithm;
use hwcloud_emulator::{Credential, Emulator};
use serde_json::json;

mod authentication;
mod control_and_faults;
mod validation_and_limits;
