//! The top level of a file: the header, then opcodes (AUX, SELECTDB, RESIZEDB, expire
//! times, IDLE, FREQ, FUNCTION2, MODULE_AUX, SLOT_INFO) and keys until EOF and the CRC-64.
//! Each key's value goes raw to the visitor when it asks and the value fits
//! `ParseOptions::raw_limit`, as decoded chunks otherwise.

use super::batch::{Batch, ChunkKind, Sink};
use super::input::Input;
use super::string::{read_len, read_string};
use super::types::*;
use super::value::Decoder;
use super::visit::{KeyMeta, Visitor};
use super::walk::{Walk, Walked};
use super::{MAX_RDB_VERSION, ParseOptions, ParseSummary, RdbError};
use bytes::BytesMut;
use std::io::Read;

pub(crate) struct Parser<'a, R, V> {
    input: Input<R>,
    opts: &'a ParseOptions,
    visitor: &'a mut V,
    batch: Batch,
    scratch: BytesMut,
    blob: BytesMut,
    summary: ParseSummary,
}

/// Opcodes before a key: they apply to the next key only.
#[derive(Default)]
struct KeyAttrs {
    first_offset: Option<u64>,
    expire_at_ms: Option<i64>,
    idle_secs: Option<u64>,
    lfu_freq: Option<u8>,
}

fn stopped(offset: u64) -> impl FnOnce(super::Stop) -> RdbError {
    move |_| RdbError::Stopped { offset }
}

impl<'a, R: Read, V: Visitor> Parser<'a, R, V> {
    pub(crate) fn new(reader: R, opts: &'a ParseOptions, visitor: &'a mut V) -> Self {
        Parser {
            input: Input::new(reader, opts.verify_checksum),
            opts,
            visitor,
            batch: Batch::new(opts),
            scratch: BytesMut::new(),
            blob: BytesMut::new(),
            summary: ParseSummary::default(),
        }
    }

    fn header(&mut self) -> Result<u16, RdbError> {
        let mut magic = [0u8; 9];
        self.input
            .read_exact(&mut magic, "the header (`REDIS` and a version)")?;
        let digits = |d: &[u8]| -> Option<u16> {
            d.iter()
                .all(u8::is_ascii_digit)
                .then(|| d.iter().fold(0u16, |v, &c| v * 10 + (c - b'0') as u16))
        };
        let not_rdb = || RdbError::NotRdb {
            found: magic.escape_ascii().to_string(),
        };
        if magic.starts_with(b"REDIS") {
            let v = digits(&magic[5..]).ok_or_else(not_rdb)?;
            match v {
                0 => Err(not_rdb()),
                1..=MAX_RDB_VERSION => Ok(v),
                _ => Err(RdbError::VersionTooNew {
                    version: v,
                    written_by: if v < VALKEY_FIRST {
                        "versions 13–79 come from Redis releases after 8.0 (or forks using that range)"
                    } else {
                        "versions from 80 are Valkey's, which writes them with a `VALKEY` header"
                    },
                }),
            }
        } else if magic.starts_with(b"VALKEY") {
            let v = digits(&magic[6..]).ok_or_else(not_rdb)?;
            if v == VALKEY_FIRST {
                Ok(v)
            } else {
                Err(RdbError::VersionTooNew {
                    version: v,
                    written_by: "a Valkey release after 9.x",
                })
            }
        } else {
            Err(not_rdb())
        }
    }

    pub(crate) fn run(mut self) -> Result<ParseSummary, RdbError> {
        let version = self.header()?;
        self.summary.rdb_version = version;
        self.visitor.header(version as u32).map_err(stopped(9))?;
        let mut db = 0u32;
        let mut attrs = KeyAttrs::default();
        loop {
            let at = self.input.offset();
            let op = self.input.u8("an opcode or value type")?;
            let input = &mut self.input;
            let max = self.opts.max_string;
            match op {
                OP_EOF => return self.eof(version),
                OP_SELECTDB => {
                    let n = read_len(input, "a database number")?;
                    db = u32::try_from(n)
                        .map_err(|_| RdbError::bad("SELECTDB", at, format!("database {n}")))?;
                    self.visitor.select_db(db).map_err(stopped(at))?;
                }
                OP_EXPIRETIME => {
                    let secs = i32::from_le_bytes(input.array("an expire time")?);
                    attrs.first_offset.get_or_insert(at);
                    attrs.expire_at_ms = Some(secs as i64 * 1000);
                }
                OP_EXPIRETIME_MS => {
                    let ms = i64::from_le_bytes(input.array("an expire time")?);
                    attrs.first_offset.get_or_insert(at);
                    attrs.expire_at_ms = Some(ms);
                }
                OP_IDLE => {
                    attrs.first_offset.get_or_insert(at);
                    attrs.idle_secs = Some(read_len(input, "an idle time")?);
                }
                OP_FREQ => {
                    attrs.first_offset.get_or_insert(at);
                    attrs.lfu_freq = Some(input.u8("an LFU frequency")?);
                }
                OP_RESIZEDB => {
                    let keys = read_len(input, "a RESIZEDB size")?;
                    let expires = read_len(input, "a RESIZEDB size")?;
                    self.visitor.resize_db(keys, expires).map_err(stopped(at))?;
                }
                OP_SLOT_INFO => {
                    let slot = read_len(input, "a slot number")?;
                    let size = read_len(input, "a slot size")?;
                    let expires = read_len(input, "a slot expires size")?;
                    self.visitor
                        .slot_info(slot, size, expires)
                        .map_err(stopped(at))?;
                }
                OP_AUX => {
                    self.blob.clear();
                    read_string(
                        input,
                        &mut self.blob,
                        max,
                        &mut self.scratch,
                        "an AUX field name",
                    )?;
                    let key = self.blob.split();
                    read_string(
                        input,
                        &mut self.blob,
                        max,
                        &mut self.scratch,
                        "an AUX field value",
                    )?;
                    let value = self.blob.split();
                    self.visitor.aux(&key, &value).map_err(stopped(at))?;
                }
                OP_FUNCTION2 => {
                    self.blob.clear();
                    read_string(
                        input,
                        &mut self.blob,
                        max,
                        &mut self.scratch,
                        "a function library",
                    )?;
                    let code = self.blob.split().freeze();
                    self.summary.functions += 1;
                    self.visitor.function(code).map_err(stopped(at))?;
                }
                OP_FUNCTION_PRE_GA => {
                    return Err(RdbError::bad(
                        "function library",
                        at,
                        "opcode 246 is the Redis 7.0 release-candidate function format, which no release reads",
                    ));
                }
                OP_MODULE_AUX => {
                    let module_id = read_len(input, "a module id")?;
                    let when_op = read_len(input, "a module aux `when` opcode")?;
                    if when_op != 2 {
                        return Err(RdbError::bad(
                            "module aux data",
                            at,
                            format!("`when` opcode {when_op}, expected 2 (unsigned)"),
                        ));
                    }
                    read_len(input, "a module aux `when`")?;
                    match Walk::new(input, u64::MAX, version).module_fields() {
                        Ok(()) => {}
                        Err(Walked::Error(e)) => return Err(e),
                        Err(Walked::TooBig) => {
                            unreachable!("an unlimited walk never runs out of budget")
                        }
                    }
                    self.visitor.module_aux(module_id).map_err(stopped(at))?;
                }
                MODULE_PRE_GA => return Err(super::walk::unsupported_type(op, at)),
                t if is_value_type(t, version) => {
                    let attrs = std::mem::take(&mut attrs);
                    self.key(t, at, db, attrs, version)?;
                }
                0xf0..=0xf3 => {
                    return Err(RdbError::UnknownOpcode {
                        byte: op,
                        offset: at,
                        hint: if op == 243 {
                            " (Valkey 9 writes 243, SLOT_IMPORT, only inside atomic slot migration)"
                        } else {
                            ""
                        },
                    });
                }
                _ => {
                    return Err(RdbError::UnknownType {
                        byte: op,
                        offset: at,
                    });
                }
            }
        }
    }

    fn key(
        &mut self,
        t: u8,
        at: u64,
        db: u32,
        attrs: KeyAttrs,
        version: u16,
    ) -> Result<(), RdbError> {
        self.blob.clear();
        read_string(
            &mut self.input,
            &mut self.blob,
            self.opts.max_string,
            &mut self.scratch,
            "a key",
        )?;
        let meta = KeyMeta {
            db,
            key: self.blob.split().freeze(),
            rdb_type: t,
            expire_at_ms: attrs.expire_at_ms,
            idle_secs: attrs.idle_secs,
            lfu_freq: attrs.lfu_freq,
            offset: attrs.first_offset.unwrap_or(at),
        };
        let value_at = self.input.offset();
        self.visitor.key_start(&meta).map_err(stopped(value_at))?;
        let mut raw_done = false;
        if self.opts.raw_limit > 0 && self.visitor.wants_raw(&meta) {
            self.input.pin();
            let budget = self.opts.raw_limit as u64 - 1;
            match Walk::new(&mut self.input, budget, version).value(t) {
                Ok(()) => {
                    let flow = self.visitor.value_raw_parts(&meta, t, self.input.pinned());
                    self.input.unpin();
                    flow.map_err(stopped(value_at))?;
                    self.summary.raw_values += 1;
                    raw_done = true;
                }
                Err(Walked::TooBig) => {
                    self.input.rewind();
                    self.input.unpin();
                }
                Err(Walked::Error(e)) => return Err(e),
            }
        }
        if !raw_done {
            let mut decoder = Decoder {
                input: &mut self.input,
                sink: Sink {
                    visitor: &mut *self.visitor,
                    meta: &meta,
                    batch: &mut self.batch,
                    kind: ChunkKind::List,
                },
                opts: self.opts,
                scratch: &mut self.scratch,
                blob: &mut self.blob,
                version,
            };
            decoder.value(t)?;
            self.summary.chunked_values += 1;
        }
        self.summary.keys += 1;
        self.visitor
            .key_end(&meta)
            .map_err(stopped(self.input.offset()))
    }

    fn eof(mut self, version: u16) -> Result<ParseSummary, RdbError> {
        let computed = self.input.finish_crc();
        let at = self.input.offset();
        let mut verified = false;
        if version >= 5 {
            let stored = u64::from_le_bytes(self.input.array("the CRC-64 trailer")?);
            if self.opts.verify_checksum && stored != 0 {
                if stored != computed {
                    return Err(RdbError::Checksum {
                        expected: stored,
                        computed,
                        offset: at,
                    });
                }
                verified = true;
            }
        }
        self.visitor.eof(verified).map_err(stopped(at))?;
        self.summary.checksum_verified = verified;
        self.summary.bytes = self.input.offset();
        Ok(self.summary)
    }
}
