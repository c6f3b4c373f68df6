//! RDB type bytes and opcodes (Redis `rdb.h`, Valkey `rdb.h`).

use super::ValueKind;

pub(crate) const STRING: u8 = 0;
pub(crate) const LIST: u8 = 1;
pub(crate) const SET: u8 = 2;
pub(crate) const ZSET: u8 = 3;
pub(crate) const HASH: u8 = 4;
pub(crate) const ZSET_2: u8 = 5;
pub(crate) const MODULE_PRE_GA: u8 = 6;
pub(crate) const MODULE_2: u8 = 7;
pub(crate) const HASH_ZIPMAP: u8 = 9;
pub(crate) const LIST_ZIPLIST: u8 = 10;
pub(crate) const SET_INTSET: u8 = 11;
pub(crate) const ZSET_ZIPLIST: u8 = 12;
pub(crate) const HASH_ZIPLIST: u8 = 13;
pub(crate) const LIST_QUICKLIST: u8 = 14;
pub(crate) const STREAM_LISTPACKS: u8 = 15;
pub(crate) const HASH_LISTPACK: u8 = 16;
pub(crate) const ZSET_LISTPACK: u8 = 17;
pub(crate) const LIST_QUICKLIST_2: u8 = 18;
pub(crate) const STREAM_LISTPACKS_2: u8 = 19;
pub(crate) const SET_LISTPACK: u8 = 20;
pub(crate) const STREAM_LISTPACKS_3: u8 = 21;
/// Redis 7.4 RC `HASH_METADATA_PRE_GA`; Valkey 9 (RDB 80) `HASH_2`.
pub(crate) const HASH_2_OR_METADATA_PRE_GA: u8 = 22;
pub(crate) const HASH_LISTPACK_EX_PRE_GA: u8 = 23;
pub(crate) const HASH_METADATA: u8 = 24;
pub(crate) const HASH_LISTPACK_EX: u8 = 25;

/// First RDB version of Valkey's own numbering (`VALKEY080`); 12–79 are Redis's.
pub(crate) const VALKEY_FIRST: u16 = 80;

pub(crate) const OP_SLOT_INFO: u8 = 244;
pub(crate) const OP_FUNCTION2: u8 = 245;
pub(crate) const OP_FUNCTION_PRE_GA: u8 = 246;
pub(crate) const OP_MODULE_AUX: u8 = 247;
pub(crate) const OP_IDLE: u8 = 248;
pub(crate) const OP_FREQ: u8 = 249;
pub(crate) const OP_AUX: u8 = 250;
pub(crate) const OP_RESIZEDB: u8 = 251;
pub(crate) const OP_EXPIRETIME_MS: u8 = 252;
pub(crate) const OP_EXPIRETIME: u8 = 253;
pub(crate) const OP_SELECTDB: u8 = 254;
pub(crate) const OP_EOF: u8 = 255;

/// The logical kind of an RDB value type byte, whatever its encoding; `None` for bytes that
/// are not value types (8, 26–255).
pub fn kind_of(rdb_type: u8) -> Option<ValueKind> {
    Some(match rdb_type {
        STRING => ValueKind::String,
        LIST | LIST_ZIPLIST | LIST_QUICKLIST | LIST_QUICKLIST_2 => ValueKind::List,
        SET | SET_INTSET | SET_LISTPACK => ValueKind::Set,
        ZSET | ZSET_2 | ZSET_ZIPLIST | ZSET_LISTPACK => ValueKind::ZSet,
        HASH
        | HASH_ZIPMAP
        | HASH_ZIPLIST
        | HASH_LISTPACK
        | HASH_2_OR_METADATA_PRE_GA
        | HASH_LISTPACK_EX_PRE_GA
        | HASH_METADATA
        | HASH_LISTPACK_EX => ValueKind::Hash,
        STREAM_LISTPACKS | STREAM_LISTPACKS_2 | STREAM_LISTPACKS_3 => ValueKind::Stream,
        MODULE_PRE_GA | MODULE_2 => ValueKind::Module,
        _ => return None,
    })
}

/// Whether `t` is a value type in a file of RDB `version` (Valkey's numbering has no 23–25).
pub(crate) fn is_value_type(t: u8, version: u16) -> bool {
    match t {
        HASH_LISTPACK_EX_PRE_GA..=HASH_LISTPACK_EX => version < VALKEY_FIRST,
        _ => kind_of(t).is_some(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_cover_every_known_type_and_nothing_else() {
        let known: Vec<u8> = (0..=255u8).filter(|&t| kind_of(t).is_some()).collect();
        let want: Vec<u8> = (0..=7).chain(9..=25).collect();
        assert_eq!(known, want);
        assert_eq!(kind_of(20), Some(ValueKind::Set));
        assert_eq!(kind_of(25), Some(ValueKind::Hash));
        assert!(is_value_type(22, 80) && !is_value_type(23, 80) && is_value_type(25, 12));
    }
}

/// The 9-character module type name encoded in a module id (its top 54 bits, 6 bits per
/// character); the low 10 bits are the module's encoding version.
pub fn module_type_name(module_id: u64) -> String {
    const CHARSET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut id = module_id >> 10;
    let mut name = [0u8; 9];
    for slot in name.iter_mut().rev() {
        *slot = CHARSET[(id & 63) as usize];
        id >>= 6;
    }
    String::from_utf8_lossy(&name).into_owned()
}

#[cfg(test)]
mod module_name_tests {
    #[test]
    fn module_name_round_trip() {
        // Encode "ReJSON-RL" with encoding version 3 the way modules do.
        let charset = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        let mut id = 0u64;
        for c in b"ReJSON-RL" {
            id = (id << 6) | charset.iter().position(|x| x == c).unwrap() as u64;
        }
        let id = (id << 10) | 3;
        assert_eq!(super::module_type_name(id), "ReJSON-RL");
    }
}
