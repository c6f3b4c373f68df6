//! A source dataset of every type, read back key by key the way the RDB parser would report
//! it: raw (`DUMP` minus its footer) and as decoded chunks (from the server's replies).

use bytes::Bytes;
use redis_migrate::rdb::{
    Consumer, Flow, HashField, KeyMeta, PendingEntry, StreamEntry, StreamGroup, StreamId,
    StreamMeta, ValueChunk, Visitor,
};
use redis_test_server::{Connection, Reply, Server};

/// One key as the parser would report it.
pub struct SourceKey {
    pub db: u32,
    pub key: Bytes,
    pub rdb_type: u8,
    pub raw: Bytes,
    pub expire: Option<i64>,
    pub chunks: Vec<ValueChunk>,
}

pub struct SourceData {
    pub rdb_version: u32,
    pub keys: Vec<SourceKey>,
}

fn ok(c: &mut Connection, args: &[&[u8]]) -> Reply {
    c.call(args)
        .unwrap()
        .ok()
        .unwrap_or_else(|e| panic!("{args:?}: {e}"))
}

fn s(c: &mut Connection, args: &[&str]) -> Reply {
    let args: Vec<&[u8]> = args.iter().map(|a| a.as_bytes()).collect();
    ok(c, &args)
}

/// Keys of every type and encoding, in db 0 and db 2.
pub fn populate(server: &Server) {
    let mut c = server.connect().unwrap();
    s(&mut c, &["SET", "s:int", "12345"]);
    s(&mut c, &["SET", "s:raw", &"r".repeat(100)]);
    let big: Vec<u8> = (0..20_000u32).map(|i| (i % 251) as u8).collect();
    ok(&mut c, &[b"SET", b"s:big", &big]);
    ok(&mut c, &[b"SET", b"bin:\x00\xff\r\n", b"\x00\x01"]);
    s(&mut c, &["SET", "ttl:far", "v", "PX", "100000000"]);
    s(&mut c, &["RPUSH", "l:small", "a", "b", "c"]);
    for chunk in (0..2000).collect::<Vec<_>>().chunks(500) {
        let mut args = vec!["RPUSH".to_string(), "l:big".into()];
        args.extend(chunk.iter().map(|i| format!("item-{i}")));
        let a: Vec<&str> = args.iter().map(String::as_str).collect();
        s(&mut c, &a);
    }
    s(&mut c, &["SADD", "set:int", "1", "2", "3"]);
    s(&mut c, &["SADD", "set:small", "a", "b"]);
    let mut args = vec!["SADD".to_string(), "set:big".into()];
    args.extend((0..1000).map(|i| format!("m{i}")));
    let a: Vec<&str> = args.iter().map(String::as_str).collect();
    s(&mut c, &a);
    s(
        &mut c,
        &[
            "ZADD", "z:small", "-inf", "a", "0.1", "b", "-0", "c", "+inf", "d", "1e300", "e",
            "3.14159", "f",
        ],
    );
    let mut args = vec!["ZADD".to_string(), "z:big".into()];
    for i in 0..500 {
        args.push(format!("{}", i as f64 / 7.0));
        args.push(format!("m{i}"));
    }
    let a: Vec<&str> = args.iter().map(String::as_str).collect();
    s(&mut c, &a);
    s(&mut c, &["HSET", "h:small", "f", "v", "g", "w"]);
    let mut args = vec!["HSET".to_string(), "h:big".into()];
    for i in 0..1000 {
        args.push(format!("f{i}"));
        args.push(format!("v{i}"));
    }
    let a: Vec<&str> = args.iter().map(String::as_str).collect();
    s(&mut c, &a);
    s(&mut c, &["PEXPIRE", "h:small", "50000000"]);
    // A stream with deleted entries, two groups, consumers and pending entries.
    for i in 1..=50 {
        s(
            &mut c,
            &[
                "XADD",
                "x",
                &format!("{i}-1"),
                "f",
                &format!("v{i}"),
                "n",
                "1",
            ],
        );
    }
    s(&mut c, &["XDEL", "x", "3-1", "50-1"]);
    s(&mut c, &["XGROUP", "CREATE", "x", "g1", "0"]);
    s(&mut c, &["XGROUP", "CREATE", "x", "g2", "10-1"]);
    s(
        &mut c,
        &[
            "XREADGROUP",
            "GROUP",
            "g1",
            "c1",
            "COUNT",
            "5",
            "STREAMS",
            "x",
            ">",
        ],
    );
    s(
        &mut c,
        &[
            "XREADGROUP",
            "GROUP",
            "g1",
            "c2",
            "COUNT",
            "3",
            "STREAMS",
            "x",
            ">",
        ],
    );
    s(&mut c, &["XACK", "x", "g1", "2-1"]);
    s(&mut c, &["XGROUP", "CREATECONSUMER", "x", "g2", "idle"]);
    // Empty streams: one made empty by trimming, one created empty with a group.
    s(&mut c, &["XADD", "x:trimmed", "7-7", "f", "v"]);
    s(&mut c, &["XTRIM", "x:trimmed", "MAXLEN", "0"]);
    s(
        &mut c,
        &["XGROUP", "CREATE", "x:empty", "g", "$", "MKSTREAM"],
    );
    s(&mut c, &["SELECT", "2"]);
    s(&mut c, &["SET", "db2:a", "1"]);
    s(&mut c, &["RPUSH", "db2:l", "x"]);
}

fn bulk(r: &Reply) -> Bytes {
    Bytes::copy_from_slice(r.as_bytes().unwrap_or_default())
}

fn items(r: Reply) -> Vec<Reply> {
    match r {
        Reply::Array(Some(v)) => v,
        other => panic!("expected an array, got {other:?}"),
    }
}

fn parse_id(r: &Reply) -> StreamId {
    let text = r.text();
    let (ms, seq) = text.split_once('-').unwrap();
    StreamId {
        ms: ms.parse().unwrap(),
        seq: seq.parse().unwrap(),
    }
}

/// Looks up `name` in a flat key/value reply.
fn field<'a>(flat: &'a [Reply], name: &str) -> Option<&'a Reply> {
    flat.chunks(2)
        .find(|kv| kv[0].text() == name)
        .map(|kv| &kv[1])
}

fn int(r: &Reply) -> u64 {
    match r {
        Reply::Integer(i) => *i as u64,
        other => other.text().parse().unwrap(),
    }
}

fn stream_chunks(c: &mut Connection, key: &[u8]) -> Vec<ValueChunk> {
    let mut out = Vec::new();
    let entries: Vec<StreamEntry> = items(ok(c, &[b"XRANGE", key, b"-", b"+"]))
        .into_iter()
        .map(|e| {
            let e = items(e);
            let fields = items(e[1].clone())
                .chunks(2)
                .map(|kv| (bulk(&kv[0]), bulk(&kv[1])))
                .collect();
            StreamEntry {
                id: parse_id(&e[0]),
                fields,
            }
        })
        .collect();
    for part in entries.chunks(20) {
        out.push(ValueChunk::StreamEntries(part.to_vec()));
    }
    let full = items(ok(c, &[b"XINFO", b"STREAM", key, b"FULL", b"COUNT", b"0"]));
    let f = |name| field(&full, name).unwrap();
    out.push(ValueChunk::StreamMeta(StreamMeta {
        length: int(f("length")),
        last_id: parse_id(f("last-generated-id")),
        first_id: Some(parse_id(f("recorded-first-entry-id"))),
        max_deleted_id: Some(parse_id(f("max-deleted-entry-id"))),
        entries_added: Some(int(f("entries-added"))),
    }));
    for g in items(f("groups").clone()) {
        let g = items(g);
        let gf = |name| field(&g, name).unwrap();
        let pending = items(gf("pending").clone())
            .into_iter()
            .map(|p| {
                let p = items(p);
                PendingEntry {
                    id: parse_id(&p[0]),
                    consumer: bulk(&p[1]),
                    delivery_time_ms: int(&p[2]),
                    delivery_count: int(&p[3]),
                }
            })
            .collect();
        let consumers = items(gf("consumers").clone())
            .into_iter()
            .map(|c| {
                let c = items(c);
                Consumer {
                    name: bulk(field(&c, "name").unwrap()),
                    seen_time_ms: int(field(&c, "seen-time").unwrap()),
                    active_time_ms: None,
                }
            })
            .collect();
        out.push(ValueChunk::StreamGroup(StreamGroup {
            name: bulk(gf("name")),
            last_id: parse_id(gf("last-delivered-id")),
            entries_read: match gf("entries-read") {
                Reply::Integer(n) => Some(*n as u64),
                _ => None,
            },
            pending,
            consumers,
        }));
    }
    out
}

/// The decoded chunks of one key, from the server's replies.
fn chunks(c: &mut Connection, key: &[u8], kind: &str) -> Vec<ValueChunk> {
    let all = |c: &mut Connection, args: &[&[u8]]| -> Vec<Bytes> {
        items(ok(c, args)).iter().map(bulk).collect()
    };
    match kind {
        "string" => {
            let v = bulk(&ok(c, &[b"GET", key]));
            v.chunks(7000)
                .map(|p| ValueChunk::String(Bytes::copy_from_slice(p)))
                .collect()
        }
        "list" => all(c, &[b"LRANGE", key, b"0", b"-1"])
            .chunks(300)
            .map(|p| ValueChunk::ListItems(p.to_vec()))
            .collect(),
        "set" => all(c, &[b"SMEMBERS", key])
            .chunks(300)
            .map(|p| ValueChunk::SetMembers(p.to_vec()))
            .collect(),
        "zset" => {
            let flat = all(c, &[b"ZRANGE", key, b"0", b"-1", b"WITHSCORES"]);
            let pairs: Vec<(Bytes, f64)> = flat
                .chunks(2)
                .map(|kv| {
                    let score = std::str::from_utf8(&kv[1]).unwrap().parse().unwrap();
                    (kv[0].clone(), score)
                })
                .collect();
            pairs
                .chunks(300)
                .map(|p| ValueChunk::ZSetMembers(p.to_vec()))
                .collect()
        }
        "hash" => {
            let flat = all(c, &[b"HGETALL", key]);
            let fields: Vec<HashField> = flat
                .chunks(2)
                .map(|kv| HashField {
                    field: kv[0].clone(),
                    value: kv[1].clone(),
                    expire_at_ms: None,
                })
                .collect();
            fields
                .chunks(300)
                .map(|p| ValueChunk::HashFields(p.to_vec()))
                .collect()
        }
        "stream" => stream_chunks(c, key),
        other => panic!("type {other}"),
    }
}

/// Reads every key of the given databases.
pub fn collect(server: &Server, dbs: &[u32]) -> SourceData {
    let mut c = server.connect().unwrap();
    let mut keys = Vec::new();
    let mut rdb_version = 0;
    for &db in dbs {
        s(&mut c, &["SELECT", &db.to_string()]);
        let mut names: Vec<Bytes> = items(s(&mut c, &["KEYS", "*"])).iter().map(bulk).collect();
        names.sort();
        for key in names {
            let payload = bulk(&ok(&mut c, &[b"DUMP", &key]));
            let footer = payload.len() - 10;
            rdb_version = u32::from(u16::from_le_bytes([payload[footer], payload[footer + 1]]));
            let expire = match ok(&mut c, &[b"PEXPIRETIME", &key]) {
                Reply::Integer(t) if t > 0 => Some(t),
                _ => None,
            };
            let kind = ok(&mut c, &[b"TYPE", &key]).text();
            keys.push(SourceKey {
                db,
                rdb_type: payload[0],
                raw: payload.slice(..footer),
                expire,
                chunks: chunks(&mut c, &key, &kind),
                key,
            });
        }
    }
    SourceData { rdb_version, keys }
}

/// Reports `data` to a visitor as the RDB parser does: raw values when the visitor wants
/// them, chunks otherwise.
pub fn feed(v: &mut impl Visitor, data: &SourceData) -> Flow {
    v.header(data.rdb_version)?;
    let mut db = None;
    for k in &data.keys {
        if db != Some(k.db) {
            v.select_db(k.db)?;
            db = Some(k.db);
        }
        let meta = KeyMeta {
            db: k.db,
            key: k.key.clone(),
            rdb_type: k.rdb_type,
            expire_at_ms: k.expire,
            idle_secs: None,
            lfu_freq: None,
            offset: 0,
        };
        v.key_start(&meta)?;
        if v.wants_raw(&meta) {
            v.value_raw(&meta, k.raw.clone())?;
        } else {
            for chunk in &k.chunks {
                v.value_chunk(&meta, chunk.clone())?;
            }
        }
        v.key_end(&meta)?;
    }
    v.eof(true)
}

/// `XINFO STREAM key FULL` without what commands cannot reproduce (consumer seen and active
/// times, the radix tree's shape).
pub fn stream_info(server: &Server, db: u32, key: &[u8]) -> Reply {
    let mut c = server.connect().unwrap();
    s(&mut c, &["SELECT", &db.to_string()]);
    strip(ok(
        &mut c,
        &[b"XINFO", b"STREAM", key, b"FULL", b"COUNT", b"0"],
    ))
}

fn strip(r: Reply) -> Reply {
    const DROP: [&str; 4] = [
        "seen-time",
        "active-time",
        "radix-tree-keys",
        "radix-tree-nodes",
    ];
    match r {
        Reply::Array(Some(v)) => {
            let flat_map =
                v.len() % 2 == 0 && v.chunks(2).all(|kv| matches!(kv[0], Reply::Bulk(Some(_))));
            let mut out = Vec::new();
            if flat_map {
                for kv in v.chunks(2) {
                    if !DROP.contains(&kv[0].text().as_str()) {
                        out.push(kv[0].clone());
                        out.push(strip(kv[1].clone()));
                    }
                }
            } else {
                out.extend(v.into_iter().map(strip));
            }
            Reply::Array(Some(out))
        }
        other => other,
    }
}

/// Every stream key of the data.
pub fn streams(data: &SourceData) -> Vec<(u32, Bytes)> {
    data.keys
        .iter()
        .filter(|k| {
            k.chunks
                .iter()
                .any(|c| matches!(c, ValueChunk::StreamMeta(_)))
        })
        .map(|k| (k.db, k.key.clone()))
        .collect()
}
