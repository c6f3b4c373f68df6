//! Writing commands as RESP.

use bytes::BytesMut;

/// Appends `*N\r\n$len\r\narg\r\n…` for `args` to `out`.
pub fn encode_command<A: AsRef<[u8]>>(out: &mut BytesMut, args: &[A]) {
    let body: usize = args.iter().map(|a| a.as_ref().len() + 16).sum();
    out.reserve(16 + body);
    encode_len(out, b'*', args.len());
    for a in args {
        encode_bulk(out, a.as_ref());
    }
}

/// Appends one bulk string, `$len\r\nbytes\r\n`.
pub fn encode_bulk(out: &mut BytesMut, bytes: &[u8]) {
    encode_len(out, b'$', bytes.len());
    out.extend_from_slice(bytes);
    out.extend_from_slice(b"\r\n");
}

/// Appends a length line such as `*3\r\n` or `$5\r\n`.
pub fn encode_len(out: &mut BytesMut, kind: u8, len: usize) {
    out.extend_from_slice(&[kind]);
    let mut digits = [0u8; 20];
    let mut i = digits.len();
    let mut n = len;
    loop {
        i -= 1;
        digits[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    out.extend_from_slice(&digits[i..]);
    out.extend_from_slice(b"\r\n");
}
