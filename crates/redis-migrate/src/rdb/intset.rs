//! Intsets (RDB type 11): `<encoding u32 = 2|4|8><length u32><sorted integers, little
//! endian>`. The length is checked against the blob before anything is read.

use super::RdbError;
use super::source::Source;

/// Calls `each` with every member in order; the source must hold exactly the intset.
pub(crate) fn for_each<S: Source>(
    src: &mut S,
    mut each: impl FnMut(i64) -> Result<(), RdbError>,
) -> Result<(), RdbError> {
    let blob_len = src.remaining();
    if blob_len < 8 {
        return Err(src.bad(format_args!(
            "{blob_len} bytes is shorter than an intset header"
        )));
    }
    let width = u32::from_le_bytes(src.le()?) as u64;
    let count = u32::from_le_bytes(src.le()?) as u64;
    if !matches!(width, 2 | 4 | 8) || 8 + count * width != blob_len {
        return Err(src.bad(format_args!(
            "{count} members of {width} bytes do not fill a blob of {blob_len}"
        )));
    }
    let mut prev: Option<i64> = None;
    for _ in 0..count {
        let v = match width {
            2 => i16::from_le_bytes(src.le()?) as i64,
            4 => i32::from_le_bytes(src.le()?) as i64,
            _ => i64::from_le_bytes(src.le()?),
        };
        if prev.is_some_and(|p| p >= v) {
            return Err(src.bad(format_args!("members not in ascending order")));
        }
        prev = Some(v);
        each(v)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use crate::rdb::codec::intset_members;

    fn build(width: u32, values: &[i64]) -> Vec<u8> {
        let mut b = Vec::new();
        b.extend_from_slice(&width.to_le_bytes());
        b.extend_from_slice(&(values.len() as u32).to_le_bytes());
        for v in values {
            b.extend_from_slice(&v.to_le_bytes()[..width as usize]);
        }
        b
    }

    #[test]
    fn every_width() {
        assert_eq!(
            intset_members(&build(2, &[-3, 0, 32767])).unwrap(),
            [-3, 0, 32767]
        );
        assert_eq!(
            intset_members(&build(4, &[i32::MIN as i64, 70000])).unwrap(),
            [i32::MIN as i64, 70000]
        );
        assert_eq!(
            intset_members(&build(8, &[i64::MIN, i64::MAX])).unwrap(),
            [i64::MIN, i64::MAX]
        );
    }

    #[test]
    fn bad_width_length_or_order_is_an_error() {
        assert!(intset_members(&build(3, &[1])).is_err());
        let mut b = build(2, &[1, 2]);
        b.pop();
        assert!(intset_members(&b).is_err());
        assert!(intset_members(&build(2, &[2, 1])).is_err());
        assert!(intset_members(&build(2, &[1, 1])).is_err());
        assert!(intset_members(&[2, 0, 0, 0, 255, 255, 255, 255]).is_err());
    }
}
