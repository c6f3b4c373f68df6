#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if data.len() < 2 {
        return;
    }
    let expected = u16::from_le_bytes([data[0], data[1]]) as usize;
    let _ = redis_migrate::rdb::codec::lzf_decompress(&data[2..], expected);
});
