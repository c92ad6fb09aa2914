//! AgentX (RFC 2741) PDU encoding and decoding: the subset a read-only subagent needs
//! (Open, Close, Register, Get, GetNext, GetBulk, Notify, Ping, Response).
//!
//! We always send in network byte order (flag `NETWORK_BYTE_ORDER`), and decode either
//! order, as the RFC lets each side choose per PDU (§6.1).

use thiserror::Error;

/// An object identifier.
pub type Oid = Vec<u32>;

/// Header length (§6.1).
pub const HEADER_LEN: usize = 20;
/// Largest payload we accept: a master never sends a request anywhere near this.
pub const MAX_PAYLOAD: usize = 1 << 20;

/// `h.flags` bits (§6.1).
pub const FLAG_NON_DEFAULT_CONTEXT: u8 = 0x08;
/// Multi-byte fields are big-endian.
pub const FLAG_NETWORK_BYTE_ORDER: u8 = 0x10;

/// PDU types (§6.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum PduType {
    /// agentx-Open-PDU.
    Open = 1,
    /// agentx-Close-PDU.
    Close = 2,
    /// agentx-Register-PDU.
    Register = 3,
    /// agentx-Get-PDU.
    Get = 5,
    /// agentx-GetNext-PDU.
    GetNext = 6,
    /// agentx-GetBulk-PDU.
    GetBulk = 7,
    /// agentx-TestSet-PDU (refused: we are read-only).
    TestSet = 8,
    /// agentx-CommitSet-PDU.
    CommitSet = 9,
    /// agentx-UndoSet-PDU.
    UndoSet = 10,
    /// agentx-CleanupSet-PDU.
    CleanupSet = 11,
    /// agentx-Notify-PDU.
    Notify = 12,
    /// agentx-Ping-PDU.
    Ping = 13,
    /// agentx-Response-PDU.
    Response = 18,
}

impl PduType {
    fn from_u8(v: u8) -> Option<PduType> {
        use PduType::*;
        Some(match v {
            1 => Open,
            2 => Close,
            3 => Register,
            5 => Get,
            6 => GetNext,
            7 => GetBulk,
            8 => TestSet,
            9 => CommitSet,
            10 => UndoSet,
            11 => CleanupSet,
            12 => Notify,
            13 => Ping,
            18 => Response,
            _ => return None,
        })
    }
}

/// Response `res.error` values used here (§6.2.16).
pub mod error {
    /// noAgentXError.
    pub const NONE: u16 = 0;
    /// notWritable (a set on a read-only subagent).
    pub const NOT_WRITABLE: u16 = 17;
    /// processingError.
    pub const PROCESSING: u16 = 268;
}

/// A variable's value (§5.4).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    /// INTEGER.
    Integer(i32),
    /// OCTET STRING.
    OctetString(Vec<u8>),
    /// OBJECT IDENTIFIER.
    Oid(Oid),
    /// IpAddress.
    IpAddress([u8; 4]),
    /// Counter32.
    Counter32(u32),
    /// TimeTicks (hundredths of a second).
    TimeTicks(u32),
    /// Gauge32 / Unsigned32.
    Gauge32(u32),
    /// Counter64.
    Counter64(u64),
    /// noSuchObject.
    NoSuchObject,
    /// noSuchInstance.
    NoSuchInstance,
    /// endOfMibView.
    EndOfMibView,
}

impl Value {
    fn type_code(&self) -> u16 {
        match self {
            Value::Integer(_) => 2,
            Value::OctetString(_) => 4,
            Value::Oid(_) => 6,
            Value::IpAddress(_) => 64,
            Value::Counter32(_) => 65,
            Value::Gauge32(_) => 66,
            Value::TimeTicks(_) => 67,
            Value::Counter64(_) => 70,
            Value::NoSuchObject => 128,
            Value::NoSuchInstance => 129,
            Value::EndOfMibView => 130,
        }
    }
}

/// A request's search range (§5.2): `start` (inclusive when `include`) up to `end`
/// (exclusive; empty: no bound).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchRange {
    /// Where the search starts.
    pub start: Oid,
    /// Whether `start` itself may be returned.
    pub include: bool,
    /// Upper bound (exclusive), empty for none.
    pub end: Oid,
}

/// A decoded PDU header (§6.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Header {
    /// The PDU type (`None`: one we do not handle).
    pub ty: Option<PduType>,
    /// `h.flags`.
    pub flags: u8,
    /// `h.sessionID`.
    pub session_id: u32,
    /// `h.transactionID`.
    pub transaction_id: u32,
    /// `h.packetID`.
    pub packet_id: u32,
    /// `h.payload_length`.
    pub payload_len: usize,
}

/// What a request from the master asks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Request {
    /// Get: exact objects.
    Get(Vec<SearchRange>),
    /// GetNext: the next object of each range.
    GetNext(Vec<SearchRange>),
    /// GetBulk (§6.2.7).
    GetBulk {
        /// Ranges answered once.
        non_repeaters: u16,
        /// Times the other ranges are walked.
        max_repetitions: u16,
        /// All ranges.
        ranges: Vec<SearchRange>,
    },
    /// A response to one of our PDUs: `(sysUpTime, error, index)`.
    Response(u32, u16, u16),
    /// Any other PDU (sets, Close, …): answered or acted on by type.
    Other,
}

/// A malformed PDU.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum DecodeError {
    /// The buffer ends inside a field.
    #[error("AgentX PDU truncated")]
    Truncated,
    /// A version other than 1.
    #[error("AgentX version {0} is not 1")]
    Version(u8),
    /// The payload is longer than we accept.
    #[error("AgentX payload of {0} bytes is too long")]
    TooLong(usize),
    /// An OID with more than 128 sub-identifiers (§5.1).
    #[error("AgentX OID too long")]
    OidTooLong,
}

/// Decodes a 20-byte header.
pub fn decode_header(b: &[u8]) -> Result<Header, DecodeError> {
    if b.len() < HEADER_LEN {
        return Err(DecodeError::Truncated);
    }
    if b[0] != 1 {
        return Err(DecodeError::Version(b[0]));
    }
    let flags = b[2];
    let r = Reader {
        b,
        pos: 4,
        big: flags & FLAG_NETWORK_BYTE_ORDER != 0,
    };
    let word = |at: usize| r.u32_at(at);
    let payload_len = word(16)? as usize;
    if payload_len > MAX_PAYLOAD {
        return Err(DecodeError::TooLong(payload_len));
    }
    Ok(Header {
        ty: PduType::from_u8(b[1]),
        flags,
        session_id: word(4)?,
        transaction_id: word(8)?,
        packet_id: word(12)?,
        payload_len,
    })
}

/// Decodes a payload whose header is `h`.
pub fn decode_request(h: &Header, payload: &[u8]) -> Result<Request, DecodeError> {
    let mut r = Reader {
        b: payload,
        pos: 0,
        big: h.flags & FLAG_NETWORK_BYTE_ORDER != 0,
    };
    let skip_context = |r: &mut Reader| -> Result<(), DecodeError> {
        if h.flags & FLAG_NON_DEFAULT_CONTEXT != 0 {
            r.octets()?;
        }
        Ok(())
    };
    Ok(match h.ty {
        Some(PduType::Get) => {
            skip_context(&mut r)?;
            Request::Get(r.ranges()?)
        }
        Some(PduType::GetNext) => {
            skip_context(&mut r)?;
            Request::GetNext(r.ranges()?)
        }
        Some(PduType::GetBulk) => {
            skip_context(&mut r)?;
            let non_repeaters = r.u16()?;
            let max_repetitions = r.u16()?;
            Request::GetBulk {
                non_repeaters,
                max_repetitions,
                ranges: r.ranges()?,
            }
        }
        Some(PduType::Response) => {
            let up = r.u32()?;
            let err = r.u16()?;
            let idx = r.u16()?;
            Request::Response(up, err, idx)
        }
        _ => Request::Other,
    })
}

struct Reader<'a> {
    b: &'a [u8],
    pos: usize,
    big: bool,
}

impl Reader<'_> {
    fn take(&mut self, n: usize) -> Result<&[u8], DecodeError> {
        let end = self.pos.checked_add(n).ok_or(DecodeError::Truncated)?;
        let s = self.b.get(self.pos..end).ok_or(DecodeError::Truncated)?;
        self.pos = end;
        Ok(s)
    }
    fn u32_at(&self, at: usize) -> Result<u32, DecodeError> {
        let s: [u8; 4] = self
            .b
            .get(at..at + 4)
            .and_then(|s| s.try_into().ok())
            .ok_or(DecodeError::Truncated)?;
        Ok(if self.big {
            u32::from_be_bytes(s)
        } else {
            u32::from_le_bytes(s)
        })
    }
    fn u32(&mut self) -> Result<u32, DecodeError> {
        let v = self.u32_at(self.pos)?;
        self.pos += 4;
        Ok(v)
    }
    fn u16(&mut self) -> Result<u16, DecodeError> {
        let s: [u8; 2] = self
            .take(2)?
            .try_into()
            .map_err(|_| DecodeError::Truncated)?;
        Ok(if self.big {
            u16::from_be_bytes(s)
        } else {
            u16::from_le_bytes(s)
        })
    }
    fn octets(&mut self) -> Result<Vec<u8>, DecodeError> {
        let n = self.u32()? as usize;
        let v = self.take(n)?.to_vec();
        self.take((4 - n % 4) % 4)?;
        Ok(v)
    }
    /// An OID and its `include` byte (§5.1).
    fn oid(&mut self) -> Result<(Oid, bool), DecodeError> {
        let h = self.take(4)?;
        let (n, prefix, include) = (h[0] as usize, h[1], h[2] != 0);
        if n > 128 {
            return Err(DecodeError::OidTooLong);
        }
        let mut oid = Vec::with_capacity(n + 5);
        if prefix != 0 {
            oid.extend_from_slice(&[1, 3, 6, 1, u32::from(prefix)]);
        }
        for _ in 0..n {
            oid.push(self.u32()?);
        }
        Ok((oid, include))
    }
    fn ranges(&mut self) -> Result<Vec<SearchRange>, DecodeError> {
        let mut v = Vec::new();
        while self.pos < self.b.len() {
            let (start, include) = self.oid()?;
            let (end, _) = self.oid()?;
            v.push(SearchRange {
                start,
                include,
                end,
            });
        }
        Ok(v)
    }
}

/// Builds one PDU (always network byte order).
#[derive(Debug)]
pub struct Writer {
    buf: Vec<u8>,
}

impl Writer {
    /// Starts a PDU of type `ty`; `flags` gets `NETWORK_BYTE_ORDER` added.
    pub fn new(
        ty: PduType,
        flags: u8,
        session_id: u32,
        transaction_id: u32,
        packet_id: u32,
    ) -> Self {
        let mut buf = Vec::with_capacity(64);
        buf.extend_from_slice(&[1, ty as u8, flags | FLAG_NETWORK_BYTE_ORDER, 0]);
        for w in [session_id, transaction_id, packet_id, 0] {
            buf.extend_from_slice(&w.to_be_bytes());
        }
        Writer { buf }
    }
    /// Appends raw bytes.
    pub fn bytes(&mut self, b: &[u8]) -> &mut Self {
        self.buf.extend_from_slice(b);
        self
    }
    /// Appends a 32-bit word.
    pub fn u32(&mut self, v: u32) -> &mut Self {
        self.bytes(&v.to_be_bytes())
    }
    /// Appends a 16-bit word.
    pub fn u16(&mut self, v: u16) -> &mut Self {
        self.bytes(&v.to_be_bytes())
    }
    /// Appends an octet string, padded to 4 bytes.
    pub fn octets(&mut self, s: &[u8]) -> &mut Self {
        self.u32(s.len() as u32);
        self.bytes(s);
        self.bytes(&[0u8; 3][..(4 - s.len() % 4) % 4])
    }
    /// Appends an OID, using the `1.3.6.1.X` prefix compression when it applies.
    pub fn oid(&mut self, oid: &[u32], include: bool) -> &mut Self {
        let (prefix, rest) = match oid {
            [1, 3, 6, 1, p, rest @ ..] if *p > 0 && *p < 256 => (*p as u8, rest),
            _ => (0, oid),
        };
        // §5.1 allows 128 sub-identifiers; ours are far shorter.
        let rest = &rest[..rest.len().min(128)];
        self.bytes(&[rest.len() as u8, prefix, u8::from(include), 0]);
        for s in rest {
            self.u32(*s);
        }
        self
    }
    /// Appends a variable binding (§5.4).
    pub fn varbind(&mut self, name: &[u32], v: &Value) -> &mut Self {
        self.u16(v.type_code()).u16(0).oid(name, false);
        match v {
            Value::Integer(i) => self.u32(*i as u32),
            Value::OctetString(s) => self.octets(s),
            Value::Oid(o) => self.oid(o, false),
            Value::IpAddress(a) => self.octets(a),
            Value::Counter32(c) | Value::TimeTicks(c) | Value::Gauge32(c) => self.u32(*c),
            // §5.4: Counter64 is two 32-bit words, high first in network byte order.
            Value::Counter64(c) => self.u32((*c >> 32) as u32).u32(*c as u32),
            Value::NoSuchObject | Value::NoSuchInstance | Value::EndOfMibView => self,
        }
    }
    /// The finished PDU, payload length filled in.
    pub fn finish(mut self) -> Vec<u8> {
        let len = (self.buf.len() - HEADER_LEN) as u32;
        self.buf[16..20].copy_from_slice(&len.to_be_bytes());
        self.buf
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn oid_prefix_compression_round_trips() {
        let mut w = Writer::new(PduType::Get, 0, 7, 8, 9);
        w.oid(&[1, 3, 6, 1, 2, 1, 68, 1, 3, 1, 3, 2, 51], true)
            .oid(&[], false)
            .oid(&[1, 3, 6, 1, 4, 1, 9586], false)
            .oid(&[1, 3, 6, 1, 6, 3, 1, 1, 4, 1, 0], false);
        let pdu = w.finish();
        // prefix 2, 8 sub-ids after 1.3.6.1.2, include 1.
        assert_eq!(&pdu[HEADER_LEN..HEADER_LEN + 4], &[8, 2, 1, 0]);
        let h = decode_header(&pdu).unwrap();
        assert_eq!(h.ty, Some(PduType::Get));
        assert_eq!((h.session_id, h.transaction_id, h.packet_id), (7, 8, 9));
        assert_eq!(h.payload_len, pdu.len() - HEADER_LEN);
        match decode_request(&h, &pdu[HEADER_LEN..]).unwrap() {
            Request::Get(r) => {
                assert_eq!(r.len(), 2);
                assert_eq!(r[0].start, vec![1, 3, 6, 1, 2, 1, 68, 1, 3, 1, 3, 2, 51]);
                assert!(r[0].include);
                assert!(r[0].end.is_empty());
                assert_eq!(r[1].start, vec![1, 3, 6, 1, 4, 1, 9586]);
                assert_eq!(r[1].end, vec![1, 3, 6, 1, 6, 3, 1, 1, 4, 1, 0]);
            }
            other => panic!("{other:?}"),
        }
    }

    /// A little-endian GetBulk as a master may send it (net-snmp answers in the order the
    /// subagent chose, but the RFC lets the master pick).
    #[test]
    fn decodes_little_endian_getbulk_with_context() {
        let mut p = vec![1, 7, FLAG_NON_DEFAULT_CONTEXT, 0];
        for w in [1u32, 2, 3, 0] {
            p.extend_from_slice(&w.to_le_bytes());
        }
        // context "ab" (padded), non_repeaters 1, max_repetitions 10
        p.extend_from_slice(&2u32.to_le_bytes());
        p.extend_from_slice(b"ab\0\0");
        p.extend_from_slice(&1u16.to_le_bytes());
        p.extend_from_slice(&10u16.to_le_bytes());
        p.extend_from_slice(&[2, 2, 0, 0]);
        p.extend_from_slice(&1u32.to_le_bytes());
        p.extend_from_slice(&68u32.to_le_bytes());
        p.extend_from_slice(&[0, 0, 0, 0]);
        let len = (p.len() - HEADER_LEN) as u32;
        p[16..20].copy_from_slice(&len.to_le_bytes());
        let h = decode_header(&p).unwrap();
        assert_eq!(h.payload_len, 28);
        assert_eq!(
            decode_request(&h, &p[HEADER_LEN..]).unwrap(),
            Request::GetBulk {
                non_repeaters: 1,
                max_repetitions: 10,
                ranges: vec![SearchRange {
                    start: vec![1, 3, 6, 1, 2, 1, 68],
                    include: false,
                    end: vec![],
                }],
            }
        );
    }

    #[test]
    fn varbind_encodings() {
        let mut w = Writer::new(PduType::Response, 0, 0, 0, 0);
        w.varbind(&[1, 3, 6, 1, 2, 1, 68, 1, 1, 0], &Value::Integer(-2))
            .varbind(&[1, 2], &Value::IpAddress([10, 0, 0, 1]))
            .varbind(&[1, 2], &Value::OctetString(vec![1, 2, 3, 4, 5]))
            .varbind(&[1, 2], &Value::EndOfMibView);
        let p = w.finish();
        let b = &p[HEADER_LEN..];
        // Integer: type 2, name (4 + 5*4 bytes), value.
        assert_eq!(&b[..4], &[0, 2, 0, 0]);
        assert_eq!(&b[4..8], &[5, 2, 0, 0]);
        assert_eq!(&b[28..32], &(-2i32).to_be_bytes());
        // IpAddress: type 64, name [1,2] unprefixed, length 4 + bytes.
        assert_eq!(&b[32..36], &[0, 64, 0, 0]);
        assert_eq!(&b[36..40], &[2, 0, 0, 0]);
        assert_eq!(&b[48..56], &[0, 0, 0, 4, 10, 0, 0, 1]);
        // Octet string of 5 is padded to 8.
        assert_eq!(&b[72..84], &[0, 0, 0, 5, 1, 2, 3, 4, 5, 0, 0, 0]);
        // endOfMibView: header and name only.
        assert_eq!(&b[84..88], &[0, 130, 0, 0]);
        assert_eq!(b.len(), 88 + 12);
        // Counter64: type 70, high word first; Gauge32: type 66.
        let mut w = Writer::new(PduType::Response, 0, 0, 0, 0);
        w.varbind(&[1, 2], &Value::Counter64(0x1_0000_0002))
            .varbind(&[1, 2], &Value::Gauge32(7));
        let p = w.finish();
        let b = &p[HEADER_LEN..];
        assert_eq!(&b[..4], &[0, 70, 0, 0]);
        assert_eq!(&b[16..24], &[0, 0, 0, 1, 0, 0, 0, 2]);
        assert_eq!(&b[24..28], &[0, 66, 0, 0]);
        assert_eq!(&b[40..44], &[0, 0, 0, 7]);
    }

    #[test]
    fn rejects_bad_input() {
        assert_eq!(decode_header(&[1; 10]), Err(DecodeError::Truncated));
        let mut h = [0u8; 20];
        h[0] = 2;
        assert_eq!(decode_header(&h), Err(DecodeError::Version(2)));
        h[0] = 1;
        h[2] = FLAG_NETWORK_BYTE_ORDER;
        h[16..20].copy_from_slice(&u32::MAX.to_be_bytes());
        assert!(matches!(decode_header(&h), Err(DecodeError::TooLong(_))));
        let hdr = Header {
            ty: Some(PduType::GetNext),
            flags: FLAG_NETWORK_BYTE_ORDER,
            session_id: 0,
            transaction_id: 0,
            packet_id: 0,
            payload_len: 8,
        };
        // An OID claiming 3 sub-ids with none present.
        assert_eq!(
            decode_request(&hdr, &[3, 0, 0, 0, 0, 0, 0, 1]),
            Err(DecodeError::Truncated)
        );
    }
}
