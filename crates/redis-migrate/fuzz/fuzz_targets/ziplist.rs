#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = redis_migrate::rdb::codec::ziplist_entries(data);
    let _ = redis_migrate::rdb::codec::zipmap_pairs(data);
});
