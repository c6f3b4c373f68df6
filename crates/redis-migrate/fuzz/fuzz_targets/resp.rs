#![no_main]

use bytes::BytesMut;
use libfuzzer_sys::fuzz_target;
use redis_migrate::resp::{Limits, parse_command, parse_frame};

fuzz_target!(|data: &[u8]| {
    let limits = Limits { max_bulk: 1 << 16, max_array: 1 << 10, ..Limits::default() };
    let mut buf = BytesMut::from(data);
    while let Ok(Some(_)) = parse_frame(&mut buf, &limits) {}
    let mut buf = BytesMut::from(data);
    while let Ok(Some(_)) = parse_command(&mut buf, &limits) {}
});
