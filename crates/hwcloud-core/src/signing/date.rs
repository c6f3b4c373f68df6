//! `X-Sdk-Date` (`YYYYMMDDTHHMMSSZ`, UTC) without a date library.
//!
//! The civil-date conversions are Howard Hinnant's `days_from_civil` / `civil_from_days`
//! (proleptic Gregorian calendar, days counted from 1970-01-01).

use std::time::{Duration, SystemTime, UNIX_EPOCH};

const SECS_PER_DAY: i64 = 86_400;

/// Days since 1970-01-01 of the civil date `y-m-d` (`m` 1..=12, `d` 1..=31).
pub(crate) fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400; // [0, 399]
    let m = i64::from(m);
    let mp = if m > 2 { m - 3 } else { m + 9 }; // March = 0
    let doy = (153 * mp + 2) / 5 + i64::from(d) - 1; // [0, 365]
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy; // [0, 146096]
    era * 146_097 + doe - 719_468
}

/// The civil date `(year, month, day)` of a day count since 1970-01-01.
pub fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097; // [0, 146096]
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365; // [0, 399]
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100); // [0, 365]
    let mp = (5 * doy + 2) / 153; // [0, 11]
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32; // [1, 31]
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32; // [1, 12]
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

fn is_leap(y: i64) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

fn days_in_month(y: i64, m: u32) -> u32 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap(y) => 29,
        2 => 28,
        _ => 0,
    }
}

/// Whole seconds since the epoch, rounded towards minus infinity (like Python's
/// `strftime`, which drops the fraction).
fn unix_seconds(t: SystemTime) -> i64 {
    match t.duration_since(UNIX_EPOCH) {
        Ok(d) => i64::try_from(d.as_secs()).unwrap_or(i64::MAX),
        Err(e) => {
            let d = e.duration();
            let secs = i64::try_from(d.as_secs()).unwrap_or(i64::MAX);
            -secs - i64::from(d.subsec_nanos() > 0)
        }
    }
}

/// `YYYYMMDDTHHMMSSZ` for `t`, in UTC.
pub(crate) fn format(t: SystemTime) -> String {
    let secs = unix_seconds(t);
    let days = secs.div_euclid(SECS_PER_DAY);
    let rem = secs.rem_euclid(SECS_PER_DAY);
    let (y, m, d) = civil_from_days(days);
    let (h, mi, s) = (rem / 3600, rem / 60 % 60, rem % 60);
    let Ok(y4 @ 0..=9999) = u32::try_from(y) else {
        // Outside the four-digit years `{:04}` pads differently; keep its exact output.
        return format!("{y:04}{m:02}{d:02}T{h:02}{mi:02}{s:02}Z");
    };
    // Called on every signature: write the digits directly instead of going through `format!`.
    let mut out = String::with_capacity(16);
    push_digits(&mut out, y4, 4);
    push_digits(&mut out, m, 2);
    push_digits(&mut out, d, 2);
    out.push('T');
    // `rem` is in 0..86_400, so these fit in u32.
    push_digits(&mut out, h as u32, 2);
    push_digits(&mut out, mi as u32, 2);
    push_digits(&mut out, s as u32, 2);
    out.push('Z');
    out
}

/// Appends the last `width` decimal digits of `v`, zero-padded.
fn push_digits(out: &mut String, v: u32, width: u32) {
    for i in (0..width).rev() {
        out.push(char::from(b'0' + (v / 10u32.pow(i) % 10) as u8));
    }
}

fn digits(b: &[u8]) -> Option<u32> {
    b.iter().try_fold(0u32, |acc, &c| {
        c.is_ascii_digit().then(|| acc * 10 + u32::from(c - b'0'))
    })
}

/// Parses exactly `YYYYMMDDTHHMMSSZ` (16 ASCII characters, a real calendar date, year 0001 or
/// later, seconds 00..=59). Python's `strptime` is a little looser (it accepts unpadded
/// fields); this parser is not.
pub(crate) fn parse(s: &str) -> Option<SystemTime> {
    let b = s.as_bytes();
    if b.len() != 16 || b[8] != b'T' || b[15] != b'Z' {
        return None;
    }
    let y = i64::from(digits(&b[0..4])?);
    let mo = digits(&b[4..6])?;
    let d = digits(&b[6..8])?;
    let h = i64::from(digits(&b[9..11])?);
    let mi = i64::from(digits(&b[11..13])?);
    let sec = i64::from(digits(&b[13..15])?);
    if y < 1 || !(1..=12).contains(&mo) || d < 1 || d > days_in_month(y, mo) {
        return None;
    }
    if h > 23 || mi > 59 || sec > 59 {
        return None;
    }
    let total = days_from_civil(y, mo, d) * SECS_PER_DAY + h * 3600 + mi * 60 + sec;
    if total >= 0 {
        UNIX_EPOCH.checked_add(Duration::from_secs(total.unsigned_abs()))
    } else {
        UNIX_EPOCH.checked_sub(Duration::from_secs(total.unsigned_abs()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(secs: i64) -> SystemTime {
        if secs >= 0 {
            UNIX_EPOCH + Duration::from_secs(secs as u64)
        } else {
            UNIX_EPOCH - Duration::from_secs(secs.unsigned_abs())
        }
    }

    #[test]
    fn civil_round_trip() {
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(days_from_civil(2000, 3, 1), 11_017);
        assert_eq!(days_from_civil(1969, 12, 31), -1);
        assert_eq!(civil_from_days(-1), (1969, 12, 31));
        for z in -800_000..800_000 {
            let (y, m, d) = civil_from_days(z);
            assert!((1..=12).contains(&m) && d >= 1 && d <= days_in_month(y, m));
            assert_eq!(days_from_civil(y, m, d), z);
        }
    }

    #[test]
    fn format_known_instants() {
        assert_eq!(format(UNIX_EPOCH), "19700101T000000Z");
        assert_eq!(format(at(1_710_491_400)), "20240315T083000Z");
        assert_eq!(format(at(1_709_251_199)), "20240229T235959Z");
        assert_eq!(format(at(1_709_251_200)), "20240301T000000Z");
        assert_eq!(format(at(946_684_799)), "19991231T235959Z");
        assert_eq!(format(at(951_782_400)), "20000229T000000Z");
        assert_eq!(format(at(4_102_444_800)), "21000101T000000Z");
        assert_eq!(format(at(-1)), "19691231T235959Z");
        // The fraction is dropped (rounded down), also before the epoch.
        assert_eq!(
            format(UNIX_EPOCH + Duration::from_millis(1_999)),
            "19700101T000001Z"
        );
        assert_eq!(
            format(UNIX_EPOCH - Duration::from_millis(500)),
            "19691231T235959Z"
        );
    }

    #[test]
    fn parse_known_values() {
        assert_eq!(parse("20240315T083000Z"), Some(at(1_710_491_400)));
        assert_eq!(parse("19700101T000000Z"), Some(UNIX_EPOCH));
        assert_eq!(parse("19691231T235959Z"), Some(at(-1)));
        assert_eq!(parse("20240229T235959Z"), Some(at(1_709_251_199)));
        assert_eq!(parse("00010101T000000Z"), Some(at(-62_135_596_800)));
    }

    #[test]
    fn parse_rejects_bad_values() {
        for bad in [
            "",
            "20240315T083000",
            "20240315T083000z",
            "20240315t083000Z",
            "2024031T5083000Z",
            "20240315 083000Z",
            " 20240315T083000Z",
            "20240315T083000Z ",
            "2024-03-15T08:30:00Z",
            "20230229T000000Z",
            "21000229T000000Z",
            "20241301T000000Z",
            "20240001T000000Z",
            "20240100T000000Z",
            "20240431T000000Z",
            "20240101T240000Z",
            "20240101T006000Z",
            "20240101T000060Z",
            "00000101T000000Z",
            "2024+315T083000Z",
            "２０２４0315T083000Z",
        ] {
            assert_eq!(parse(bad), None, "{bad:?}");
        }
        assert!(parse("20000229T000000Z").is_some());
    }

    #[test]
    fn format_parse_round_trip() {
        let mut s: i64 = -5_000_000_000;
        while s < 10_000_000_000 {
            let t = at(s);
            assert_eq!(parse(&format(t)), Some(t), "{s}");
            s += 7_777_777;
        }
    }
}
