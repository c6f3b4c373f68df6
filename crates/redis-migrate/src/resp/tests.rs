//! The codec on hand-written frames, at its limits, and on random bytes.
use super::*;
use proptest::prelude::*;

fn frame(input: &[u8]) -> Result<Option<Frame>, RespError> {
    parse_frame(&mut BytesMut::from(input), &Limits::default())
}

#[test]
fn parses_each_reply_kind() {
    assert_eq!(frame(b"+OK\r\n").unwrap(), Some(Frame::Simple("OK".into())));
    assert_eq!(
        frame(b"-ERR unknown\r\n").unwrap(),
        Some(Frame::Error("ERR unknown".into()))
    );
    assert_eq!(frame(b":-42\r\n").unwrap(), Some(Frame::Integer(-42)));
    assert_eq!(frame(b"$-1\r\n").unwrap(), Some(Frame::Bulk(None)));
    assert_eq!(
        frame(b"$4\r\na\r\nb\r\n").unwrap(),
        Some(Frame::Bulk(Some("a\r\nb".into())))
    );
    assert_eq!(
        frame(b"*2\r\n:1\r\n*1\r\n$0\r\n\r\n").unwrap(),
        Some(Frame::Array(Some(vec![
            Frame::Integer(1),
            Frame::Array(Some(vec![Frame::Bulk(Some(Bytes::new()))]))
        ])))
    );
}

#[test]
fn incomplete_frames_wait_and_leave_the_buffer_alone() {
    for input in [
        &b"+OK\r"[..],
        b"$5\r\nabc",
        b"*2\r\n:1\r\n",
        b"$5\r\nabcde\r",
    ] {
        let mut buf = BytesMut::from(input);
        assert_eq!(parse_frame(&mut buf, &Limits::default()).unwrap(), None);
        assert_eq!(&buf[..], input);
    }
}

#[test]
fn command_keeps_raw_bytes_and_arguments() {
    let wire = b"*3\r\n$3\r\nSET\r\n$4\r\nk\r\n1\r\n$0\r\n\r\n*1\r\n$4\r\nPING\r\n";
    let mut buf = BytesMut::from(&wire[..]);
    let cmd = parse_command(&mut buf, &Limits::default())
        .unwrap()
        .unwrap();
    assert_eq!(cmd.raw().as_ref(), &wire[..29]);
    assert_eq!(cmd.wire_len(), 29);
    assert!(cmd.is("set"));
    assert_eq!(
        cmd.args().collect::<Vec<_>>(),
        vec![&b"SET"[..], b"k\r\n1", b""]
    );
    let ping = parse_command(&mut buf, &Limits::default())
        .unwrap()
        .unwrap();
    assert!(ping.is("PING"));
    assert!(buf.is_empty());
}

#[test]
fn from_args_round_trips() {
    let cmd = Command::from_args(&[&b"HSET"[..], b"h\r\n", b"", b"v"]);
    let mut buf = BytesMut::from(&cmd.raw()[..]);
    let again = parse_command(&mut buf, &Limits::default())
        .unwrap()
        .unwrap();
    assert_eq!(again, cmd);
    assert_eq!(cmd.arg(1), Some(&b"h\r\n"[..]));
    assert_eq!(cmd.arg(4), None);
}

#[test]
fn lengths_over_the_limits_are_refused_before_allocating() {
    let limits = Limits {
        max_bulk: 10,
        max_array: 3,
        ..Limits::default()
    };
    let mut buf = BytesMut::from(&b"$11\r\n"[..]);
    assert!(matches!(
        parse_frame(&mut buf, &limits),
        Err(RespError::TooLarge { len: 11, .. })
    ));
    let mut buf = BytesMut::from(&b"*4\r\n"[..]);
    assert!(matches!(
        parse_command(&mut buf, &limits),
        Err(RespError::TooLarge { len: 4, .. })
    ));
    let mut buf = BytesMut::from(&b"$99999999999999999999\r\n"[..]);
    assert!(matches!(
        parse_frame(&mut buf, &limits),
        Err(RespError::BadNumber { .. })
    ));
}

#[test]
fn errors_name_the_byte_and_offset() {
    let mut buf = BytesMut::from(&b"*1\r\n:5\r\n"[..]);
    assert_eq!(
        parse_command(&mut buf, &Limits::default()),
        Err(RespError::UnexpectedByte {
            byte: b':',
            offset: 4,
            expected: "'$' starting a command argument"
        })
    );
    assert!(matches!(
        frame(b"$3\r\nabcXY"),
        Err(RespError::UnexpectedByte { offset: 7, .. })
    ));
    assert!(matches!(
        frame(b"?x\r\n"),
        Err(RespError::UnexpectedByte { byte: b'?', .. })
    ));
}

#[test]
fn nesting_is_bounded() {
    let deep = "*1\r\n".repeat(100) + ":1\r\n";
    assert!(matches!(
        frame(deep.as_bytes()),
        Err(RespError::TooDeep { .. })
    ));
}

#[test]
fn integers_parse_exactly_at_the_edges() {
    assert_eq!(parse_i64(b"-9223372036854775808"), Some(i64::MIN));
    assert_eq!(parse_i64(b"9223372036854775807"), Some(i64::MAX));
    assert_eq!(parse_i64(b"9223372036854775808"), None);
    assert_eq!(parse_i64(b"-"), None);
    assert_eq!(parse_i64(b"+1"), None);
    assert_eq!(parse_i64(b""), None);
}

#[test]
fn newline_keepalives_are_skipped() {
    let mut buf = BytesMut::from(&b"\n\n\n$3\r\n"[..]);
    assert_eq!(skip_newlines(&mut buf), 3);
    assert_eq!(&buf[..], b"$3\r\n");
}

proptest! {
    #[test]
    fn never_panics_on_any_input(input in proptest::collection::vec(any::<u8>(), 0..256)) {
        let small = Limits { max_bulk: 64, max_array: 8, max_depth: 4, max_line: 32 };
        let _ = parse_frame(&mut BytesMut::from(&input[..]), &small);
        let _ = parse_command(&mut BytesMut::from(&input[..]), &small);
    }

    #[test]
    fn encoded_commands_parse_back_whole_and_byte_by_byte(
        args in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..40), 1..6)
    ) {
        let mut wire = BytesMut::new();
        encode_command(&mut wire, &args);
        let whole = wire.clone().freeze();
        // Every strict prefix is incomplete, never an error.
        for cut in 0..whole.len() {
            let mut part = BytesMut::from(&whole[..cut]);
            prop_assert_eq!(parse_command(&mut part, &Limits::default()).unwrap(), None);
        }
        let cmd = parse_command(&mut wire, &Limits::default()).unwrap().unwrap();
        prop_assert_eq!(cmd.raw(), &whole);
        prop_assert_eq!(cmd.args().map(<[u8]>::to_vec).collect::<Vec<_>>(), args);
        let mut as_frame = BytesMut::from(&whole[..]);
        prop_assert!(parse_frame(&mut as_frame, &Limits::default()).unwrap().is_some());
    }
}
