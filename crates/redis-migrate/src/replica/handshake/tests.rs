use super::*;
use proptest::prelude::*;

fn config(
    password: Option<&str>,
    user: Option<&str>,
    resume: Option<(&str, u64)>,
) -> HandshakeConfig {
    HandshakeConfig {
        user: user.map(str::to_owned),
        password: password.map(Secret::new),
        listening_port: 6380,
        resume: resume.map(|(r, o)| (r.to_owned(), o)),
    }
}

fn args(step: &Step) -> Vec<String> {
    match step {
        Step::Send(cmd) => cmd
            .args()
            .map(|a| String::from_utf8_lossy(a).into_owned())
            .collect(),
        Step::Done(o) => panic!("expected a command, got {o:?}"),
    }
}

fn ok() -> Frame {
    Frame::Simple("OK".into())
}

fn err(line: &str) -> Frame {
    Frame::Error(line.to_owned().into())
}

const ID: &str = "8de1d3d1d3f2b4ed4d4ac2c3c1a9d0f6f0f3a1b2";

/// Runs the handshake to PSYNC with OK replies; returns it and the PSYNC arguments.
fn to_psync(cfg: HandshakeConfig) -> (Handshake, Vec<String>) {
    let (mut h, first) = Handshake::start(cfg);
    let mut step = Step::Send(first);
    loop {
        let a = args(&step);
        if a[0] == "PSYNC" {
            return (h, a);
        }
        step = h.on_reply(ok()).unwrap();
    }
}

#[test]
fn sends_auth_ping_replconf_then_psync_in_order() {
    let (mut h, first) = Handshake::start(config(Some("pw"), Some("repl"), None));
    assert_eq!(args(&Step::Send(first)), ["AUTH", "repl", "pw"]);
    assert_eq!(args(&h.on_reply(ok()).unwrap()), ["PING"]);
    let s = h.on_reply(Frame::Simple("PONG".into())).unwrap();
    assert_eq!(args(&s), ["REPLCONF", "listening-port", "6380"]);
    assert_eq!(
        args(&h.on_reply(ok()).unwrap()),
        ["REPLCONF", "capa", "eof", "capa", "psync2"]
    );
    assert_eq!(args(&h.on_reply(ok()).unwrap()), ["PSYNC", "?", "-1"]);
    let done = h
        .on_reply(Frame::Simple(format!("FULLRESYNC {ID} 1234").into()))
        .unwrap();
    assert_eq!(
        done,
        Step::Done(Outcome::FullResync {
            replid: ID.into(),
            offset: 1234
        })
    );
}

#[test]
fn default_user_auth_and_no_password_at_all() {
    let (_, first) = Handshake::start(config(Some("pw"), None, None));
    assert_eq!(args(&Step::Send(first)), ["AUTH", "pw"]);
    let (_, first) = Handshake::start(config(None, None, None));
    assert_eq!(args(&Step::Send(first)), ["PING"]);
}

#[test]
fn resume_asks_for_the_next_byte_and_continue_keeps_or_changes_the_id() {
    let (mut h, psync) = to_psync(config(None, None, Some((ID, 99))));
    assert_eq!(psync, ["PSYNC", ID, "100"]);
    assert_eq!(
        h.on_reply(Frame::Simple("CONTINUE".into())).unwrap(),
        Step::Done(Outcome::Continue {
            replid: ID.into(),
            offset: 99
        })
    );
    let (mut h, _) = to_psync(config(None, None, Some((ID, 99))));
    let new_id = "f".repeat(40);
    assert_eq!(
        h.on_reply(Frame::Simple(format!("CONTINUE {new_id}").into()))
            .unwrap(),
        Step::Done(Outcome::Continue {
            replid: new_id,
            offset: 99
        })
    );
}

#[test]
fn continue_without_a_resume_point_or_a_bad_fullresync_is_unexpected() {
    let (mut h, _) = to_psync(config(None, None, None));
    assert!(matches!(
        h.on_reply(Frame::Simple("CONTINUE".into())),
        Err(HandshakeError::Unexpected { .. })
    ));
    for bad in [
        "FULLRESYNC",
        "FULLRESYNC id",
        "FULLRESYNC id -1",
        "FULLRESYNC id 1 2",
        "NONSENSE",
    ] {
        let (mut h, _) = to_psync(config(None, None, None));
        assert!(
            matches!(
                h.on_reply(Frame::Simple(bad.into())),
                Err(HandshakeError::Unexpected { .. })
            ),
            "{bad}"
        );
    }
}

#[test]
fn loading_and_masterdown_ask_for_a_retry_at_any_stage() {
    for line in [
        "LOADING Redis is loading the dataset in memory",
        "MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'.",
        "NOMASTERLINK Can't SYNC while not connected with my master",
        "ERR max number of clients reached",
    ] {
        let (mut h, _) = to_psync(config(None, None, None));
        assert!(
            matches!(h.on_reply(err(line)), Ok(Step::Done(Outcome::Retry { reason, .. })) if reason == line),
            "{line}"
        );
        let (mut h, _) = Handshake::start(config(None, None, None));
        assert!(matches!(
            h.on_reply(err(line)),
            Ok(Step::Done(Outcome::Retry { .. }))
        ));
    }
}

#[test]
fn a_refused_psync_says_what_to_enable() {
    for line in [
        "ERR unknown command 'PSYNC', with args beginning with: '?' '-1' ",
        "NOPERM this user has no permissions to run the 'psync' command",
    ] {
        let (mut h, _) = to_psync(config(None, None, None));
        let e = h.on_reply(err(line)).unwrap_err();
        let text = e.to_string();
        assert!(matches!(
            e,
            HandshakeError::Refused {
                command: "PSYNC",
                ..
            }
        ));
        assert!(text.contains(line), "{text}");
        assert!(text.contains("rename-command PSYNC"), "{text}");
        assert!(text.contains("+psync +sync +replconf"), "{text}");
    }
}

#[test]
fn a_refused_replconf_is_fatal_other_replconf_errors_are_not() {
    let (mut h, _) = Handshake::start(config(None, None, None));
    h.on_reply(Frame::Simple("PONG".into())).unwrap();
    let e = h
        .on_reply(err(
            "NOPERM this user has no permissions to run the 'replconf' command",
        ))
        .unwrap_err();
    assert!(matches!(
        e,
        HandshakeError::Refused {
            command: "REPLCONF",
            ..
        }
    ));

    let (mut h, _) = Handshake::start(config(None, None, None));
    h.on_reply(Frame::Simple("PONG".into())).unwrap();
    let s = h.on_reply(err("ERR Unrecognized REPLCONF option")).unwrap();
    assert_eq!(args(&s)[1], "capa");
}

#[test]
fn auth_errors_never_show_the_password() {
    for line in [
        "WRONGPASS invalid username-password pair or user is disabled.",
        "ERR unknown command 'AUTH', with args beginning with: 'hunter2' ",
    ] {
        let (mut h, _) = Handshake::start(config(Some("hunter2"), Some("app"), None));
        let e = h.on_reply(err(line)).unwrap_err();
        assert!(matches!(e, HandshakeError::Auth { .. }), "{e:?}");
        let shown = format!("{e} {e:?}");
        assert!(!shown.contains("hunter2"), "{shown}");
        assert!(shown.contains("app"), "{shown}");
    }
    let (h, first) = Handshake::start(config(Some("hunter2"), None, None));
    assert!(!format!("{h:?} {first:?}").contains("hunter2"));
}

#[test]
fn auth_without_a_password_set_on_the_source_is_harmless() {
    let (mut h, _) = Handshake::start(config(Some("pw"), None, None));
    let s = h
        .on_reply(err("ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?"))
        .unwrap();
    assert_eq!(args(&s), ["PING"]);
}

#[test]
fn noauth_says_a_password_is_needed() {
    let (mut h, _) = Handshake::start(config(None, None, None));
    let e = h
        .on_reply(err("NOAUTH Authentication required."))
        .unwrap_err();
    assert!(matches!(e, HandshakeError::PasswordRequired { .. }));
}

#[test]
fn feed_skips_keepalives_and_waits_for_a_whole_reply() {
    let (mut h, _) = to_psync(config(None, None, None));
    let mut buf = BytesMut::from(&b"\n\n+FULLRES"[..]);
    assert_eq!(h.feed(&mut buf).unwrap(), None);
    buf.extend_from_slice(format!("YNC {ID} 7\r\n\n$12").as_bytes());
    assert_eq!(
        h.feed(&mut buf).unwrap(),
        Some(Step::Done(Outcome::FullResync {
            replid: ID.into(),
            offset: 7
        }))
    );
    assert_eq!(
        &buf[..],
        b"\n$12",
        "the transfer preamble is left in the buffer"
    );
    let mut garbage = BytesMut::from(&b"?x\r\n"[..]);
    let (mut h, _) = to_psync(config(None, None, None));
    assert!(matches!(
        h.feed(&mut garbage),
        Err(HandshakeError::Protocol {
            command: "PSYNC",
            ..
        })
    ));
}

proptest! {
    #[test]
    fn any_reply_at_any_stage_never_panics(
        stage in 0usize..6,
        reply in proptest::collection::vec(any::<u8>(), 0..200),
        words in proptest::collection::vec("[A-Z+:$*-]{0,3}[ a-z0-9]{0,50}\r\n", 0..4),
    ) {
        let (mut h, _) = Handshake::start(config(Some("pw"), Some("u"), Some((ID, 5))));
        for _ in 0..stage {
            if !matches!(h.on_reply(ok()), Ok(Step::Send(_))) {
                break;
            }
        }
        let _ = h.feed(&mut BytesMut::from(&reply[..]));
        let mut buf = BytesMut::from(words.concat().as_bytes());
        for _ in 0..8 {
            match h.feed(&mut buf) {
                Ok(Some(Step::Send(_))) => {}
                _ => break,
            }
        }
    }
}
