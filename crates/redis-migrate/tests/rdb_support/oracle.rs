//! What the server says a key holds, in the same model as the decoded value.

use super::{Key, Stream, Value};
use redis_migrate::rdb::{Consumer, PendingEntry, StreamGroup, StreamId, StreamMeta};
use redis_test_server::{Connection, Reply};
use std::collections::{BTreeMap, BTreeSet};

pub fn call(c: &mut Connection, args: &[&[u8]]) -> Reply {
    let r = c.call(args).expect("server reachable");
    if let Reply::Error(e) = &r {
        panic!(
            "{:?} failed: {e}",
            args.iter()
                .map(|a| a.escape_ascii().to_string())
                .collect::<Vec<_>>()
        );
    }
    r
}

fn bytes(r: &Reply) -> Vec<u8> {
    r.as_bytes().map(<[u8]>::to_vec).unwrap_or_default()
}

fn array(r: Reply) -> Vec<Reply> {
    match r {
        Reply::Array(Some(v)) => v,
        Reply::Array(None) => Vec::new(),
        other => panic!("expected an array, got {other:?}"),
    }
}

fn int(r: &Reply) -> i64 {
    match r {
        Reply::Integer(i) => *i,
        other => String::from_utf8_lossy(other.as_bytes().unwrap_or_default())
            .parse()
            .unwrap_or_else(|_| panic!("expected an integer, got {other:?}")),
    }
}

fn id(r: &Reply) -> StreamId {
    let text = String::from_utf8(bytes(r)).unwrap();
    let (ms, seq) = text.split_once('-').expect("an id");
    StreamId {
        ms: ms.parse().unwrap(),
        seq: seq.parse().unwrap(),
    }
}

/// A flat `[name, value, …]` reply as a map.
fn map(r: Reply) -> BTreeMap<String, Reply> {
    let items = array(r);
    items
        .chunks(2)
        .map(|p| (String::from_utf8(bytes(&p[0])).unwrap(), p[1].clone()))
        .collect()
}

pub fn value(c: &mut Connection, key: &[u8]) -> Value {
    let t = String::from_utf8(bytes(&call(c, &[b"TYPE", key]))).unwrap();
    match t.as_str() {
        "string" => Value::String(bytes(&call(c, &[b"GET", key]))),
        "list" => Value::List(
            array(call(c, &[b"LRANGE", key, b"0", b"-1"]))
                .iter()
                .map(bytes)
                .collect(),
        ),
        "set" => Value::Set(
            array(call(c, &[b"SMEMBERS", key]))
                .iter()
                .map(bytes)
                .collect::<BTreeSet<_>>(),
        ),
        "zset" => {
            let flat = array(call(c, &[b"ZRANGE", key, b"0", b"-1", b"WITHSCORES"]));
            Value::ZSet(
                flat.chunks(2)
                    .map(|p| {
                        let s = String::from_utf8(bytes(&p[1])).unwrap();
                        (bytes(&p[0]), s.parse::<f64>().unwrap())
                    })
                    .collect(),
            )
        }
        "hash" => {
            let flat = array(call(c, &[b"HGETALL", key]));
            Value::Hash(
                flat.chunks(2)
                    .map(|p| (bytes(&p[0]), (bytes(&p[1]), None)))
                    .collect(),
            )
        }
        "stream" => Value::Stream(stream(c, key)),
        other => panic!("unexpected type {other}"),
    }
}

fn stream(c: &mut Connection, key: &[u8]) -> Stream {
    let entries = array(call(c, &[b"XRANGE", key, b"-", b"+"]))
        .into_iter()
        .map(|e| {
            let e = array(e);
            let fields = array(e[1].clone());
            (
                id(&e[0]),
                fields
                    .chunks(2)
                    .map(|p| (bytes(&p[0]), bytes(&p[1])))
                    .collect(),
            )
        })
        .collect();
    let info = map(call(
        c,
        &[b"XINFO", b"STREAM", key, b"FULL", b"COUNT", b"0"],
    ));
    let meta = StreamMeta {
        length: int(&info["length"]) as u64,
        last_id: id(&info["last-generated-id"]),
        first_id: Some(id(&info["recorded-first-entry-id"])),
        max_deleted_id: Some(id(&info["max-deleted-entry-id"])),
        entries_added: Some(int(&info["entries-added"]) as u64),
    };
    let groups = array(info["groups"].clone())
        .into_iter()
        .map(|g| {
            let g = map(g);
            let mut pending: Vec<PendingEntry> = array(g["pending"].clone())
                .into_iter()
                .map(|p| {
                    let p = array(p);
                    PendingEntry {
                        id: id(&p[0]),
                        consumer: bytes(&p[1]).into(),
                        delivery_time_ms: int(&p[2]) as u64,
                        delivery_count: int(&p[3]) as u64,
                    }
                })
                .collect();
            pending.sort_by_key(|p| p.id);
            let consumers = array(g["consumers"].clone())
                .into_iter()
                .map(|cs| {
                    let cs = map(cs);
                    Consumer {
                        name: bytes(&cs["name"]).into(),
                        seen_time_ms: int(&cs["seen-time"]) as u64,
                        active_time_ms: cs.get("active-time").map(|r| int(r) as u64),
                    }
                })
                .collect();
            StreamGroup {
                name: bytes(&g["name"]).into(),
                last_id: id(&g["last-delivered-id"]),
                entries_read: match &g["entries-read"] {
                    Reply::Bulk(None) => None,
                    r => Some(int(r) as u64),
                },
                pending,
                consumers,
            }
        })
        .collect();
    Stream {
        entries,
        meta: Some(meta),
        groups,
    }
}

/// Checks one decoded key against the server (connection already on the key's database).
pub fn check_key(c: &mut Connection, key: &Key) {
    let name = key.meta.key.escape_ascii().to_string();
    let mut decoded = key.value();
    let server = value(c, &key.meta.key);
    if let (Value::Stream(d), Value::Stream(s)) = (&mut decoded, &server) {
        // Files of type 15 carry no first id / max deleted id / entries added.
        let (dm, sm) = (d.meta.as_mut().unwrap(), s.meta.as_ref().unwrap());
        if dm.first_id.is_none() {
            dm.first_id = sm.first_id;
            dm.max_deleted_id = sm.max_deleted_id;
            dm.entries_added = sm.entries_added;
        }
        for g in &mut d.groups {
            g.pending.sort_by_key(|p| p.id);
            if g.entries_read.is_none() {
                g.entries_read = s
                    .groups
                    .iter()
                    .find(|x| x.name == g.name)
                    .and_then(|x| x.entries_read);
            }
            for cs in &mut g.consumers {
                if cs.active_time_ms.is_none() {
                    cs.active_time_ms = s
                        .groups
                        .iter()
                        .find(|x| x.name == g.name)
                        .and_then(|x| x.consumers.iter().find(|y| y.name == cs.name))
                        .and_then(|y| y.active_time_ms);
                }
            }
        }
    }
    assert_eq!(decoded, server, "key {name}");
    let pexpiretime = int(&call(c, &[b"PEXPIRETIME", &key.meta.key]));
    assert_eq!(
        key.meta.expire_at_ms.unwrap_or(-1),
        pexpiretime,
        "expire time of {name}"
    );
}

/// Checks every decoded key against the server, and that the server has no other keys.
pub fn check_all(server: &redis_test_server::Server, keys: &[Key]) {
    let mut per_db: BTreeMap<u32, Vec<&Key>> = BTreeMap::new();
    for k in keys {
        per_db.entry(k.meta.db).or_default().push(k);
    }
    let mut c = server.connect().unwrap();
    for db in 0..16u32 {
        call(&mut c, &[b"SELECT", db.to_string().as_bytes()]);
        let size = int(&call(&mut c, &[b"DBSIZE"])) as usize;
        let ks = per_db.get(&db).map(Vec::as_slice).unwrap_or_default();
        assert_eq!(ks.len(), size, "keys in db {db}");
        for k in ks {
            check_key(&mut c, k);
        }
    }
}
