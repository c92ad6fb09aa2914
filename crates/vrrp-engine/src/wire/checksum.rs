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

#[cfg(test)]
mod tests {
    use super::internet_checksum;

    #[test]
    fn rfc1071_example() {
        // RFC 1071 §3: the words 0001 f203 f4f5 f6f7 sum to ddf2 (one's complement 220d).
        let data = [0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7];
        assert_eq!(internet_checksum(&[&data]), !0xddf2);
    }

    #[test]
    fn chunking_does_not_matter() {
        let data: Vec<u8> = (0..41u8).map(|i| i.wrapping_mul(37)).collect();
        let whole = internet_checksum(&[&data]);
        for a in 0..data.len() {
            for b in a..data.len() {
                assert_eq!(
                    internet_checksum(&[&data[..a], &data[a..b], &[], &data[b..]]),
                    whole
                );
            }
        }
    }

    #[test]
    fn odd_length_pads_with_zero_and_verifies() {
        // Checksum field at an even offset, message of odd length.
        let mut data = vec![0xab, 0xcd, 0, 0, 0xef];
        assert_eq!(
            internet_checksum(&[&[0xab, 0xcd, 0xef]]),
            internet_checksum(&[&[0xab, 0xcd, 0xef, 0]])
        );
        let sum = internet_checksum(&[&data]);
        data[2..4].copy_from_slice(&sum.to_be_bytes());
        assert_eq!(internet_checksum(&[&data]), 0);
        assert_eq!(internet_checksum(&[]), 0xffff);
    }
}
