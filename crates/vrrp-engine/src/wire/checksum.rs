//! RFC 1071 Internet checksum.

/// One's-complement sum of 16-bit big-endian words over the concatenation of `chunks`
/// (an odd byte at a chunk boundary pairs with the first byte of the next chunk), folded
/// and complemented. Emitting: store the result. Verifying: the result over a message
/// that contains its checksum is 0.
pub fn internet_checksum(chunks: &[&[u8]]) -> u16 {
    let mut sum: u64 = 0;
    // Byte carried over from a chunk of odd length, waiting for its low-order partner.
    let mut pending: Option<u8> = None;
    for chunk in chunks {
        let mut rest: &[u8] = chunk;
        if let Some(hi) = pending.take() {
            match rest.split_first() {
                Some((lo, tail)) => {
                    sum += u64::from(u16::from_be_bytes([hi, *lo]));
                    rest = tail;
                }
                None => {
                    pending = Some(hi);
                    continue;
                }
            }
        }
        let mut words = rest.chunks_exact(2);
        for w in &mut words {
            sum += u64::from(u16::from_be_bytes([w[0], w[1]]));
        }
        if let [last] = words.remainder() {
            pending = Some(*last);
        }
    }
    if let Some(hi) = pending {
        sum += u64::from(u16::from_be_bytes([hi, 0]));
    }
    while sum > 0xffff {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    !(sum as u16)
}
