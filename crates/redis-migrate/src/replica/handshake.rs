//! The replica's side of the replication handshake, as a state machine without sockets.
//!
//! Sequence (one command at a time, as Redis's own replica does): `AUTH [user] password`
//! (when a password is set), `PING`, `REPLCONF listening-port <port>`,
//! `REPLCONF capa eof capa psync2`, then `PSYNC ? -1` (fresh start) or
//! `PSYNC <replid> <offset+1>` (resume: the offset of the next byte wanted). The answer to
//! `PSYNC` ends it: `+FULLRESYNC <replid> <offset>`, `+CONTINUE [<new replid>]`, or an error.
//!
//! `-LOADING`, `-MASTERDOWN`, `-NOMASTERLINK`, `-BUSY` and "max number of clients" mean "try
//! again later" ([`Outcome::Retry`]). A source that refuses `PSYNC` or `REPLCONF` (unknown,
//! renamed or not permitted to the ACL user) fails with what to enable. There is no fallback
//! to the old `SYNC`: it carries neither a replication id nor an offset, so nothing could be
//! resumed or acknowledged, and a source that disables `PSYNC` disables `SYNC` the same way.
//!
//! No message built here contains the password: replies to `AUTH` are redacted, because a
//! server that does not know `AUTH` echoes its arguments.

use crate::endpoint::Secret;
use crate::resp::{self, Command, Frame, Limits, RespError};
use bytes::BytesMut;
use std::time::Duration;

/// Longest server message kept in an error.
const MAX_MESSAGE: usize = 300;

/// Delay suggested after a "try again later" reply.
pub const RETRY_AFTER: Duration = Duration::from_secs(1);

/// What the handshake needs to know.
#[derive(Debug, Clone)]
pub struct HandshakeConfig {
    /// ACL user; `None` for the default user.
    pub user: Option<String>,
    pub password: Option<Secret>,
    /// Port announced with `REPLCONF listening-port` (shown by the source in `INFO`).
    pub listening_port: u16,
    /// Where to resume: `(replid, offset of the last byte already had)`.
    pub resume: Option<(String, u64)>,
}

/// How the handshake ended well (or asks to be tried again).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// A snapshot follows; the command stream after it starts at `offset + 1`.
    FullResync { replid: String, offset: u64 },
    /// The stream continues from `offset + 1` (the offset asked for); `replid` is the new id
    /// when the source announced one (after a failover), the old one otherwise.
    Continue { replid: String, offset: u64 },
    /// The source is not ready (loading, its own master down); try again after `after`.
    Retry { reason: String, after: Duration },
}

/// What to do next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// Send this command and feed its reply. Its `Debug` shows no argument (AUTH).
    Send(Command),
    Done(Outcome),
}

/// Why the handshake cannot succeed. Never contains the password.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HandshakeError {
    #[error("authentication as {user} failed (server said: {server_said})")]
    Auth { user: String, server_said: String },
    #[error(
        "the source requires a password (server said: {server_said}); give the source password"
    )]
    PasswordRequired { server_said: String },
    #[error(
        "the source refuses {command} (server said: {server_said}): the replication commands are disabled or renamed; enable PSYNC/SYNC/REPLCONF (remove `rename-command PSYNC`, or grant `+psync +sync +replconf` to the ACL user)"
    )]
    Refused {
        command: &'static str,
        server_said: String,
    },
    #[error("unexpected answer to {command}: {reply}")]
    Unexpected {
        command: &'static str,
        reply: String,
    },
    #[error("the answer to {command} is not RESP: {source}")]
    Protocol {
        command: &'static str,
        #[source]
        source: RespError,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stage {
    Auth,
    Ping,
    ListeningPort,
    Capa,
    Psync,
    Done,
}

impl Stage {
    fn command(self) -> &'static str {
        match self {
            Stage::Auth => "AUTH",
            Stage::Ping => "PING",
            Stage::ListeningPort => "REPLCONF listening-port",
            Stage::Capa => "REPLCONF capa",
            Stage::Psync | Stage::Done => "PSYNC",
        }
    }
}

/// The kinds of error replies that decide what happens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ErrorKind {
    TryLater,
    NoAuth,
    NoPerm,
    WrongPass,
    UnknownCommand,
    NoPasswordSet,
    Other,
}

fn classify(line: &str) -> ErrorKind {
    let upper = line.to_ascii_uppercase();
    let starts = |p: &str| upper.starts_with(p);
    if starts("LOADING")
        || starts("MASTERDOWN")
        || starts("NOMASTERLINK")
        || starts("BUSY")
        || starts("TRYAGAIN")
        || upper.contains("MAX NUMBER OF CLIENTS")
    {
        ErrorKind::TryLater
    } else if starts("NOAUTH") {
        ErrorKind::NoAuth
    } else if starts("NOPERM") {
        ErrorKind::NoPerm
    } else if starts("WRONGPASS") || upper.contains("INVALID PASSWORD") {
        ErrorKind::WrongPass
    } else if upper.contains("UNKNOWN COMMAND") {
        ErrorKind::UnknownCommand
    } else if upper.contains("WITHOUT ANY PASSWORD CONFIGURED") {
        ErrorKind::NoPasswordSet
    } else {
        ErrorKind::Other
    }
}

/// The handshake in progress.
#[derive(Debug)]
pub struct Handshake {
    config: HandshakeConfig,
    stage: Stage,
    limits: Limits,
}

impl Handshake {
    /// Starts a handshake; returns it and the first command to send.
    pub fn start(config: HandshakeConfig) -> (Handshake, Command) {
        let stage = if config.password.is_some() {
            Stage::Auth
        } else {
            Stage::Ping
        };
        let h = Handshake {
            config,
            stage,
            limits: Limits::default(),
        };
        let first = h.command_for(stage);
        (h, first)
    }

    /// The command currently waiting for its reply (for messages).
    pub fn waiting_for(&self) -> &'static str {
        self.stage.command()
    }

    fn command_for(&self, stage: Stage) -> Command {
        match stage {
            Stage::Auth => {
                let pw = self.config.password.as_ref().map_or("", Secret::expose);
                match &self.config.user {
                    Some(user) => Command::from_args(&["AUTH", user, pw]),
                    None => Command::from_args(&["AUTH", pw]),
                }
            }
            Stage::Ping => Command::from_args(&["PING"]),
            Stage::ListeningPort => Command::from_args(&[
                "REPLCONF",
                "listening-port",
                &self.config.listening_port.to_string(),
            ]),
            Stage::Capa => Command::from_args(&["REPLCONF", "capa", "eof", "capa", "psync2"]),
            Stage::Psync | Stage::Done => match &self.config.resume {
                Some((replid, offset)) => {
                    Command::from_args(&["PSYNC", replid, &offset.saturating_add(1).to_string()])
                }
                None => Command::from_args(&["PSYNC", "?", "-1"]),
            },
        }
    }

    fn advance(&mut self, to: Stage) -> Step {
        self.stage = to;
        Step::Send(self.command_for(to))
    }

    /// Takes the reply off the front of `buf` (skipping the `\n` keepalives a source may
    /// send before answering `PSYNC`); `Ok(None)` until it is complete.
    pub fn feed(&mut self, buf: &mut BytesMut) -> Result<Option<Step>, HandshakeError> {
        resp::skip_newlines(buf);
        match resp::parse_frame(buf, &self.limits) {
            Ok(Some(frame)) => self.on_reply(frame).map(Some),
            Ok(None) => Ok(None),
            Err(source) => Err(HandshakeError::Protocol {
                command: self.stage.command(),
                source,
            }),
        }
    }

    /// Handles the reply to the command sent last.
    pub fn on_reply(&mut self, reply: Frame) -> Result<Step, HandshakeError> {
        let command = self.stage.command();
        if let Frame::Error(line) = &reply {
            let said = self.server_said(line);
            return self.on_error(classify(&said), said);
        }
        match self.stage {
            Stage::Auth => Ok(self.advance(Stage::Ping)),
            Stage::Ping => Ok(self.advance(Stage::ListeningPort)),
            Stage::ListeningPort => Ok(self.advance(Stage::Capa)),
            Stage::Capa => Ok(self.advance(Stage::Psync)),
            Stage::Psync => {
                let outcome = self.psync_reply(&reply)?;
                self.stage = Stage::Done;
                Ok(Step::Done(outcome))
            }
            Stage::Done => Err(HandshakeError::Unexpected {
                command,
                reply: short(&format!("{reply:?}")),
            }),
        }
    }

    fn on_error(&mut self, kind: ErrorKind, said: String) -> Result<Step, HandshakeError> {
        let retry = |said: String| {
            Ok(Step::Done(Outcome::Retry {
                reason: said,
                after: RETRY_AFTER,
            }))
        };
        match (self.stage, kind) {
            (_, ErrorKind::TryLater) => retry(said),
            (Stage::Auth, ErrorKind::NoPasswordSet) => Ok(self.advance(Stage::Ping)),
            (Stage::Auth, _) => Err(HandshakeError::Auth {
                user: self.config.user.clone().unwrap_or_else(|| "default".into()),
                server_said: said,
            }),
            (_, ErrorKind::NoAuth) => Err(HandshakeError::PasswordRequired { server_said: said }),
            // PING is only a probe; an ACL user may lack it.
            (Stage::Ping, _) => Ok(self.advance(Stage::ListeningPort)),
            (Stage::ListeningPort | Stage::Capa, ErrorKind::NoPerm | ErrorKind::UnknownCommand) => {
                Err(HandshakeError::Refused {
                    command: "REPLCONF",
                    server_said: said,
                })
            }
            // Like Redis's own replica: an old source that ignores an option is fine.
            (Stage::ListeningPort, _) => Ok(self.advance(Stage::Capa)),
            (Stage::Capa, _) => Ok(self.advance(Stage::Psync)),
            (Stage::Psync, _) => Err(HandshakeError::Refused {
                command: "PSYNC",
                server_said: said,
            }),
            (Stage::Done, _) => Err(HandshakeError::Unexpected {
                command: "PSYNC",
                reply: said,
            }),
        }
    }

    fn psync_reply(&self, reply: &Frame) -> Result<Outcome, HandshakeError> {
        let unexpected = || HandshakeError::Unexpected {
            command: "PSYNC",
            reply: short(&format!("{reply:?}")),
        };
        let Frame::Simple(line) = reply else {
            return Err(unexpected());
        };
        let text = std::str::from_utf8(line).map_err(|_| unexpected())?;
        let mut words = text.split(' ');
        match words.next() {
            Some("FULLRESYNC") => {
                let replid = words.next().filter(|r| valid_replid(r));
                let offset = words.next().and_then(|o| o.parse::<u64>().ok());
                match (replid, offset, words.next()) {
                    (Some(replid), Some(offset), None) => Ok(Outcome::FullResync {
                        replid: replid.to_owned(),
                        offset,
                    }),
                    _ => Err(unexpected()),
                }
            }
            Some("CONTINUE") => {
                let Some((old, offset)) = &self.config.resume else {
                    return Err(unexpected());
                };
                let replid = match (words.next(), words.next()) {
                    (None, _) => old.clone(),
                    (Some(new), None) if valid_replid(new) => new.to_owned(),
                    _ => return Err(unexpected()),
                };
                Ok(Outcome::Continue {
                    replid,
                    offset: *offset,
                })
            }
            _ => Err(unexpected()),
        }
    }

    /// The error line as text, without the password, bounded.
    fn server_said(&self, line: &[u8]) -> String {
        let text = String::from_utf8_lossy(line);
        let text = match &self.config.password {
            Some(pw) if !pw.expose().is_empty() => text.replace(pw.expose(), "***"),
            _ => text.into_owned(),
        };
        short(&text)
    }
}

/// A replication id: 40 characters in Redis; any short printable word is accepted.
fn valid_replid(s: &str) -> bool {
    !s.is_empty() && s.len() <= 64 && s.bytes().all(|b| b.is_ascii_graphic())
}

fn short(s: &str) -> String {
    match s.char_indices().nth(MAX_MESSAGE) {
        Some((at, _)) => format!("{}…", &s[..at]),
        None => s.to_owned(),
    }
}

#[cfg(test)]
mod tests;
