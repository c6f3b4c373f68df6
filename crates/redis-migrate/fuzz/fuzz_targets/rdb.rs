//! Whole files: the first byte picks the options (raw or chunked, tiny or default limits).
#![no_main]

use libfuzzer_sys::fuzz_target;
use redis_migrate::rdb::{self, KeyMeta, ParseOptions, Visitor};

struct Sink(bool);

impl Visitor for Sink {
    fn wants_raw(&mut self, _: &KeyMeta) -> bool {
        self.0
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, file)) = data.split_first() else { return };
    let opts = if mode & 2 == 0 {
        ParseOptions { max_string: 1 << 20, ..ParseOptions::default() }
    } else {
        ParseOptions { raw_limit: 64, batch_items: 2, batch_bytes: 5, max_string: 1 << 20, verify_checksum: mode & 4 == 0 }
    };
    let _ = rdb::parse(file, &opts, &mut Sink(mode & 1 == 1));
});
