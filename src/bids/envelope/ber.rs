//! A BER reader over a stream (DER is BER): headers, definite and
//! indefinite lengths, nested elements kept or passed over, OCTET STRING
//! contents read as a stream, with a fixed buffer and a count of the bytes
//! held. Everything it reads is untrusted: every length is checked against
//! the element around it, nesting is bounded, and the end of the input in
//! the middle of an element is an error, never a panic.

use super::{EnvelopeError, Result};
use std::cell::Cell;
use std::io::{self, Read};

/// Each reader's buffer.
pub(super) const BUFFER: usize = 64 * 1024;
/// The most nesting we follow.
pub(super) const MAX_DEPTH: usize = 32;

/// Counts the bytes our buffers hold, and the most they held at once.
#[derive(Default)]
pub(super) struct Meter {
    now: Cell<usize>,
    peak: Cell<usize>,
}

impl Meter {
    pub(super) fn hold(&self, n: usize) {
        let now = self.now.get().saturating_add(n);
        self.now.set(now);
        self.peak.set(self.peak.get().max(now));
    }
    pub(super) fn release(&self, n: usize) {
        self.now.set(self.now.get().saturating_sub(n));
    }
    pub(super) fn peak(&self) -> usize {
        self.peak.get()
    }
}

/// An error of ours carried through `std::io::Read`.
pub(super) fn to_io(e: EnvelopeError) -> io::Error {
    io::Error::other(e)
}

pub(super) fn from_io(e: io::Error) -> EnvelopeError {
    if e.get_ref().is_some_and(|inner| inner.is::<EnvelopeError>()) {
        if let Some(inner) = e.into_inner()
            && let Ok(ours) = inner.downcast::<EnvelopeError>()
        {
            return *ours;
        }
        return EnvelopeError::Read("an error lost on the way".into());
    }
    EnvelopeError::Read(e.to_string())
}

/// An ASN.1 tag.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Tag {
    pub(super) class: u8,
    pub(super) constructed: bool,
    pub(super) number: u32,
}

impl Tag {
    pub(super) const fn universal(number: u32, constructed: bool) -> Tag {
        Tag {
            class: 0,
            constructed,
            number,
        }
    }
    pub(super) const fn context(number: u32, constructed: bool) -> Tag {
        Tag {
            class: 2,
            constructed,
            number,
        }
    }
}

pub(super) const INTEGER: Tag = Tag::universal(2, false);
pub(super) const OCTET_STRING: Tag = Tag::universal(4, false);
pub(super) const OCTET_STRING_C: Tag = Tag::universal(4, true);
pub(super) const OID: Tag = Tag::universal(6, false);
pub(super) const SEQUENCE: Tag = Tag::universal(16, true);
pub(super) const SET: Tag = Tag::universal(17, true);
pub(super) const UTC_TIME: Tag = Tag::universal(23, false);
pub(super) const GENERALIZED_TIME: Tag = Tag::universal(24, false);

impl std::fmt::Display for Tag {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match (self.class, self.number) {
            (0, 2) => f.write_str("an INTEGER"),
            (0, 4) => f.write_str("an OCTET STRING"),
            (0, 6) => f.write_str("an OBJECT IDENTIFIER"),
            (0, 16) => f.write_str("a SEQUENCE"),
            (0, 17) => f.write_str("a SET"),
            (2, n) => write!(f, "a [{n}] element"),
            (0, n) => write!(f, "a universal {n} element"),
            (c, n) => write!(f, "an element of class {c} number {n}"),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Length {
    Definite(u64),
    Indefinite,
}

#[derive(Debug, Clone)]
pub(super) struct Header {
    pub(super) tag: Tag,
    pub(super) length: Length,
    /// The header's bytes as read (at most 16).
    pub(super) raw: Vec<u8>,
}

impl Header {
    pub(super) fn is_end_of_contents(&self) -> bool {
        self.tag == Tag::universal(0, false)
    }
}

/// Where a constructed element ends: at a position, or at end-of-contents.
#[derive(Debug, Clone, Copy)]
pub(super) struct Frame {
    pub(super) end: Option<u64>,
    pub(super) depth: usize,
}

/// A BER reader over a stream, with its own fixed buffer.
pub(super) struct Reader<'m, R> {
    input: R,
    buf: Vec<u8>,
    start: usize,
    end: usize,
    /// Bytes consumed so far.
    pos: u64,
    meter: &'m Meter,
}

impl<'m, R: Read> Reader<'m, R> {
    pub(super) fn new(input: R, meter: &'m Meter) -> Self {
        Self::with_buffer(input, meter, BUFFER)
    }

    /// A reader with a buffer of `size` bytes (1 to 64 KiB), for small
    /// inputs.
    pub(super) fn with_buffer(input: R, meter: &'m Meter, size: usize) -> Self {
        let size = size.clamp(1, BUFFER);
        meter.hold(size);
        Reader {
            input,
            buf: vec![0; size],
            start: 0,
            end: 0,
            pos: 0,
            meter,
        }
    }

    /// Makes bytes available; `false` at the end of the input.
    fn fill(&mut self) -> Result<bool> {
        if self.start < self.end {
            return Ok(true);
        }
        loop {
            match self.input.read(&mut self.buf) {
                Ok(n) => {
                    self.start = 0;
                    self.end = n.min(self.buf.len());
                    return Ok(self.end > 0);
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(from_io(e)),
            }
        }
    }

    fn truncated(&self, what: &str) -> EnvelopeError {
        if self.pos == 0 {
            EnvelopeError::Empty
        } else {
            EnvelopeError::Truncated(format!("it ends after {} bytes, in {what}", self.pos))
        }
    }

    fn byte(&mut self, what: &str) -> Result<u8> {
        if !self.fill()? {
            return Err(self.truncated(what));
        }
        let b = self.buf.get(self.start).copied().unwrap_or_default();
        self.start += 1;
        self.pos += 1;
        Ok(b)
    }

    /// Reads some bytes (at least one, at most `out.len()`).
    fn some(&mut self, out: &mut [u8], what: &str) -> Result<usize> {
        if out.is_empty() {
            return Ok(0);
        }
        if !self.fill()? {
            return Err(self.truncated(what));
        }
        let n = out.len().min(self.end - self.start);
        let (Some(dst), Some(src)) = (out.get_mut(..n), self.buf.get(self.start..self.start + n))
        else {
            return Err(EnvelopeError::Read("buffer bounds".into()));
        };
        dst.copy_from_slice(src);
        self.start += n;
        self.pos += n as u64;
        Ok(n)
    }

    /// Appends `n` bytes to `out`, counting them as held.
    fn append(&mut self, mut n: u64, out: &mut Vec<u8>, what: &str) -> Result<()> {
        while n > 0 {
            if !self.fill()? {
                return Err(self.truncated(what));
            }
            let take = (self.end - self.start).min(usize::try_from(n).unwrap_or(usize::MAX));
            let src = self
                .buf
                .get(self.start..self.start + take)
                .ok_or_else(|| EnvelopeError::Read("buffer bounds".into()))?;
            out.extend_from_slice(src);
            self.meter.hold(take);
            self.start += take;
            self.pos += take as u64;
            n -= take as u64;
        }
        Ok(())
    }

    fn skip_bytes(&mut self, mut n: u64, what: &str) -> Result<()> {
        while n > 0 {
            if !self.fill()? {
                return Err(self.truncated(what));
            }
            let take = (self.end - self.start).min(usize::try_from(n).unwrap_or(usize::MAX));
            self.start += take;
            self.pos += take as u64;
            n -= take as u64;
        }
        Ok(())
    }

    /// `Err` unless the input ends here.
    pub(super) fn expect_end(&mut self, what: &str) -> Result<()> {
        if self.fill()? {
            return Err(EnvelopeError::Malformed(format!(
                "bytes follow {what} (at byte {})",
                self.pos
            )));
        }
        Ok(())
    }

    pub(super) fn header(&mut self, what: &str) -> Result<Header> {
        let mut raw = Vec::with_capacity(4);
        let first = self.byte(what)?;
        raw.push(first);
        let class = first >> 6;
        let constructed = first & 0x20 != 0;
        let mut number = u32::from(first & 0x1f);
        if number == 0x1f {
            number = 0;
            for i in 0.. {
                let b = self.byte(what)?;
                raw.push(b);
                if (i == 0 && b == 0x80) || i >= 4 {
                    return Err(EnvelopeError::Malformed(format!(
                        "a tag number out of range in {what}"
                    )));
                }
                number = (number << 7) | u32::from(b & 0x7f);
                if b & 0x80 == 0 {
                    break;
                }
            }
        }
        let first_len = self.byte(what)?;
        raw.push(first_len);
        let length = match first_len {
            n if n < 0x80 => Length::Definite(u64::from(n)),
            0x80 if constructed => Length::Indefinite,
            0x80 => {
                return Err(EnvelopeError::Malformed(format!(
                    "an indefinite length on a primitive element in {what}"
                )));
            }
            n => {
                let count = n & 0x7f;
                if count > 8 {
                    return Err(EnvelopeError::Malformed(format!(
                        "a length of {count} bytes in {what}"
                    )));
                }
                let mut len: u64 = 0;
                for _ in 0..count {
                    let b = self.byte(what)?;
                    raw.push(b);
                    len = (len << 8) | u64::from(b);
                }
                Length::Definite(len)
            }
        };
        let header = Header {
            tag: Tag {
                class,
                constructed,
                number,
            },
            length,
            raw,
        };
        if header.is_end_of_contents() && header.length != Length::Definite(0) {
            return Err(EnvelopeError::Malformed(format!(
                "a broken end-of-contents in {what}"
            )));
        }
        Ok(header)
    }

    /// Reads a header that must have tag `tag`.
    pub(super) fn expect(&mut self, frame: &Frame, tag: Tag, what: &str) -> Result<Header> {
        match self.next(frame, what)? {
            Some(h) if h.tag == tag => Ok(h),
            Some(h) => Err(EnvelopeError::Malformed(format!(
                "{what}: expected {tag}, found {}",
                h.tag
            ))),
            None => Err(EnvelopeError::Malformed(format!("{what} is missing"))),
        }
    }

    pub(super) fn enter(&self, h: &Header, depth: usize, what: &str) -> Result<Frame> {
        if !h.tag.constructed {
            return Err(EnvelopeError::Malformed(format!(
                "{what}: expected a constructed element"
            )));
        }
        if depth >= MAX_DEPTH {
            return Err(EnvelopeError::Malformed(format!(
                "{what}: nested more than {MAX_DEPTH} deep"
            )));
        }
        let end = match h.length {
            Length::Definite(n) => Some(self.pos.checked_add(n).ok_or_else(|| {
                EnvelopeError::Malformed(format!("{what}: a length out of range"))
            })?),
            Length::Indefinite => None,
        };
        Ok(Frame {
            end,
            depth: depth + 1,
        })
    }

    /// The next element inside `frame`, or `None` where it ends.
    pub(super) fn next(&mut self, frame: &Frame, what: &str) -> Result<Option<Header>> {
        match frame.end {
            Some(end) => {
                if self.pos == end {
                    return Ok(None);
                }
                if self.pos > end {
                    return Err(EnvelopeError::Malformed(format!(
                        "{what}: an element overruns the one around it"
                    )));
                }
                let h = self.header(what)?;
                if h.is_end_of_contents() {
                    return Err(EnvelopeError::Malformed(format!(
                        "{what}: an end-of-contents inside a definite length"
                    )));
                }
                if let Length::Definite(n) = h.length
                    && self.pos.checked_add(n).is_none_or(|e| e > end)
                {
                    return Err(EnvelopeError::Malformed(format!(
                        "{what}: an element overruns the one around it"
                    )));
                }
                Ok(Some(h))
            }
            None => {
                let h = self.header(what)?;
                Ok((!h.is_end_of_contents()).then_some(h))
            }
        }
    }

    /// `Err` unless `frame` ends here.
    pub(super) fn close(&mut self, frame: &Frame, what: &str) -> Result<()> {
        match self.next(frame, what)? {
            None => Ok(()),
            Some(h) => Err(EnvelopeError::Malformed(format!(
                "{what}: unexpected {} at its end",
                h.tag
            ))),
        }
    }

    /// A primitive element's value.
    pub(super) fn value(&mut self, h: &Header, cap: usize, what: &str) -> Result<Vec<u8>> {
        let Length::Definite(n) = h.length else {
            return Err(EnvelopeError::Malformed(format!("{what}: not primitive")));
        };
        if h.tag.constructed || n > cap as u64 {
            return Err(EnvelopeError::Malformed(format!(
                "{what}: constructed or longer than {cap} bytes"
            )));
        }
        let mut out = Vec::new();
        self.append(n, &mut out, what)?;
        Ok(out)
    }

    /// A whole element (header and contents) as bytes, at most `cap` of them.
    pub(super) fn capture(
        &mut self,
        h: &Header,
        depth: usize,
        cap: usize,
        what: &str,
    ) -> Result<Vec<u8>> {
        let mut out = h.raw.clone();
        self.meter.hold(out.len());
        self.capture_contents(h, depth, cap, &mut out, what)?;
        Ok(out)
    }

    fn capture_contents(
        &mut self,
        h: &Header,
        depth: usize,
        cap: usize,
        out: &mut Vec<u8>,
        what: &str,
    ) -> Result<()> {
        let too_big = || EnvelopeError::Malformed(format!("{what} takes more than {cap} bytes"));
        match h.length {
            Length::Definite(n) => {
                if (out.len() as u64).saturating_add(n) > cap as u64 {
                    return Err(too_big());
                }
                self.append(n, out, what)
            }
            Length::Indefinite => {
                let frame = self.enter(h, depth, what)?;
                while let Some(child) = self.next(&frame, what)? {
                    if out.len() + child.raw.len() > cap {
                        return Err(too_big());
                    }
                    out.extend_from_slice(&child.raw);
                    self.meter.hold(child.raw.len());
                    self.capture_contents(&child, frame.depth, cap, out, what)?;
                }
                out.extend_from_slice(&[0, 0]);
                self.meter.hold(2);
                Ok(())
            }
        }
    }

    /// Passes over a whole element without keeping it.
    pub(super) fn skip(&mut self, h: &Header, depth: usize, what: &str) -> Result<()> {
        match h.length {
            Length::Definite(n) => self.skip_bytes(n, what),
            Length::Indefinite => {
                let frame = self.enter(h, depth, what)?;
                while let Some(child) = self.next(&frame, what)? {
                    self.skip(&child, frame.depth, what)?;
                }
                Ok(())
            }
        }
    }
}

impl<R> Drop for Reader<'_, R> {
    fn drop(&mut self) {
        self.meter.release(self.buf.len());
    }
}

/// The contents of an OCTET STRING (primitive, or constructed of pieces as
/// BER allows), read as a stream.
pub(super) struct OctetReader<'r, 'm, R> {
    reader: &'r mut Reader<'m, R>,
    frames: Vec<Frame>,
    left_in_piece: u64,
}

impl<'r, 'm, R: Read> OctetReader<'r, 'm, R> {
    /// An OctetReader over a `[0] IMPLICIT OCTET STRING` (an EnvelopedData's
    /// encrypted content): primitive, or constructed of OCTET STRINGs.
    pub(super) fn implicit(
        reader: &'r mut Reader<'m, R>,
        h: &Header,
        depth: usize,
    ) -> Result<Self> {
        let as_octets = Header {
            tag: if h.tag.constructed {
                OCTET_STRING_C
            } else {
                OCTET_STRING
            },
            ..h.clone()
        };
        Self::new(reader, &as_octets, depth)
    }

    pub(super) fn new(reader: &'r mut Reader<'m, R>, h: &Header, depth: usize) -> Result<Self> {
        let what = "the signed content";
        let mut octets = OctetReader {
            frames: Vec::new(),
            left_in_piece: 0,
            reader,
        };
        match (h.tag, h.length) {
            (OCTET_STRING, Length::Definite(n)) => octets.left_in_piece = n,
            (OCTET_STRING_C, _) => {
                let frame = octets.reader.enter(h, depth, what)?;
                octets.frames.push(frame);
            }
            _ => {
                return Err(EnvelopeError::Malformed(format!(
                    "{what}: expected an OCTET STRING, found {}",
                    h.tag
                )));
            }
        }
        Ok(octets)
    }

    pub(super) fn read_some(&mut self, out: &mut [u8]) -> Result<usize> {
        let what = "the signed content";
        loop {
            if self.left_in_piece > 0 {
                let want = out
                    .len()
                    .min(usize::try_from(self.left_in_piece).unwrap_or(usize::MAX));
                let Some(out) = out.get_mut(..want) else {
                    return Ok(0);
                };
                let n = self.reader.some(out, what)?;
                self.left_in_piece -= n as u64;
                return Ok(n);
            }
            let Some(frame) = self.frames.last().copied() else {
                return Ok(0);
            };
            match self.reader.next(&frame, what)? {
                None => {
                    self.frames.pop();
                }
                Some(h) if h.tag == OCTET_STRING => {
                    if let Length::Definite(n) = h.length {
                        self.left_in_piece = n;
                    }
                }
                Some(h) if h.tag == OCTET_STRING_C => {
                    let inner = self.reader.enter(&h, frame.depth, what)?;
                    self.frames.push(inner);
                }
                Some(h) => {
                    return Err(EnvelopeError::Malformed(format!(
                        "{what}: a piece of the OCTET STRING is {}",
                        h.tag
                    )));
                }
            }
        }
    }
}

impl<R: Read> Read for OctetReader<'_, '_, R> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        if out.is_empty() {
            return Ok(0);
        }
        self.read_some(out).map_err(to_io)
    }
}

impl<R: Read> Reader<'_, R> {
    /// The next element inside `frame`, which must be there.
    pub(super) fn expect_any(&mut self, frame: &Frame, what: &str) -> Result<Header> {
        self.next(frame, what)?
            .ok_or_else(|| EnvelopeError::Malformed(format!("{what} ends too early")))
    }

    /// Passes over what is left of `frame`.
    pub(super) fn skip_rest(&mut self, frame: &Frame, what: &str) -> Result<()> {
        while let Some(h) = self.next(frame, what)? {
            self.skip(&h, frame.depth, what)?;
        }
        Ok(())
    }
}

/// DER: `tag`, the definite length of `parts`, `parts`.
pub(super) fn tlv(tag: u8, parts: &[&[u8]]) -> Vec<u8> {
    let len: usize = parts.iter().map(|p| p.len()).sum();
    let mut out = Vec::with_capacity(len + 10);
    out.push(tag);
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes = (len as u64).to_be_bytes();
        let skip = bytes.iter().take_while(|&&b| b == 0).count();
        let significant = bytes.get(skip..).unwrap_or_default();
        out.push(0x80 | significant.len() as u8);
        out.extend_from_slice(significant);
    }
    for part in parts {
        out.extend_from_slice(part);
    }
    out
}
