//! The connection under the HTTP/1 dispatcher, so that the refusals actix
//! writes by itself are problem+json like every other refusal.
//!
//! actix-http answers a request head it cannot parse (a control character
//! in a header, a bad method or target, a malformed `Content-Length` or
//! chunk), a head too large and a head that never came with a bare `400`,
//! `431` or `408` and an empty body, before any middleware of ours runs, and
//! then closes the connection. `ProblemIo` wraps each connection's stream:
//! it follows the requests read on it (heads with the same parser actix
//! uses, bodies by their framing) and, when the dispatcher is about to write
//! one of those bare answers for a head it refused, writes the same status
//! with an RFC 9457 body instead. A response whose body merely looks like a
//! bare answer is never touched: rewriting is allowed only once the reading
//! side has itself failed on a head (or none came), which is exactly when
//! the dispatcher ends the connection with its answer as the last bytes.

use actix_tls::accept::openssl::TlsStream;
use actix_web::http::{Method, Uri};
use actix_web::rt::net::TcpStream;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll, ready};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

/// The dispatcher's limit on a request head (`MAX_BUFFER_SIZE` in
/// actix-http's h1 decoder) and on the number of header lines.
const MAX_HEAD: usize = 131_072;
const MAX_HEADERS: usize = 96;

/// Where the reading side is in the stream of requests.
#[derive(Debug)]
enum Reading {
    /// Collecting a request head (possibly nothing yet).
    Head(Vec<u8>),
    /// Inside a body of known length: this many bytes still to come.
    Body(u64),
    /// Inside a chunked body.
    Chunked(Chunk),
    /// A head the dispatcher refuses: its bare answer is coming.
    Refused,
    /// A connection switched to another protocol (WebSocket): nothing
    /// more is HTTP/1 and nothing is rewritten.
    Switched,
}

#[derive(Debug)]
enum Chunk {
    /// The size line (hex digits, perhaps extensions), up to its LF.
    Size(Vec<u8>),
    /// Chunk data still to come, then its CRLF (2 more bytes).
    Data(u64),
    /// After the last chunk: trailer lines, up to an empty one.
    Trailer(Vec<u8>),
}

/// A stream whose bare dispatcher refusals become problem+json.
pub struct ProblemIo<T> {
    inner: T,
    reading: Reading,
    /// Whether a whole request head has been read on this connection (the
    /// dispatcher's 408 is for a first head that never came).
    any_request: bool,
    /// A rewritten answer still to be written out, and how much of it was.
    pending: Vec<u8>,
    written: usize,
}

impl<T> ProblemIo<T> {
    pub fn new(inner: T) -> Self {
        ProblemIo {
            inner,
            reading: Reading::Head(Vec::new()),
            any_request: false,
            pending: Vec::new(),
            written: 0,
        }
    }

    pub fn get_ref(&self) -> &T {
        &self.inner
    }

    /// Follows `bytes`, just read from the client.
    fn follow(&mut self, bytes: &[u8]) {
        // The common case, a large body read piece by piece, without a copy.
        match &mut self.reading {
            Reading::Refused | Reading::Switched => return,
            Reading::Body(left) | Reading::Chunked(Chunk::Data(left))
                if (bytes.len() as u64) < *left =>
            {
                *left -= bytes.len() as u64;
                return;
            }
            _ => {}
        }
        let mut bytes = bytes.to_vec();
        while !bytes.is_empty() {
            match &mut self.reading {
                Reading::Refused | Reading::Switched => return,
                Reading::Head(head) => {
                    head.append(&mut bytes);
                    // What followed a complete head in this read comes back
                    // as its body (or the next request).
                    bytes = self.parse_head();
                }
                Reading::Body(left) | Reading::Chunked(Chunk::Data(left)) => {
                    let n = (*left).min(bytes.len() as u64);
                    *left -= n;
                    bytes.drain(..n as usize);
                    if *left == 0 {
                        // A body ends its request; a chunk's data, its chunk.
                        self.reading = match self.reading {
                            Reading::Body(_) => Reading::Head(Vec::new()),
                            _ => Reading::Chunked(Chunk::Size(Vec::new())),
                        };
                    }
                }
                Reading::Chunked(Chunk::Size(line) | Chunk::Trailer(line)) => {
                    let Some(end) = bytes.iter().position(|b| *b == b'\n') else {
                        line.append(&mut bytes);
                        if line.len() > MAX_HEAD {
                            self.reading = Reading::Refused;
                        }
                        return;
                    };
                    line.extend(bytes.drain(..=end));
                    let text = std::mem::take(line);
                    let text = text.strip_suffix(b"\n").unwrap_or(&text);
                    let text = text.strip_suffix(b"\r").unwrap_or(text);
                    self.reading = match &self.reading {
                        Reading::Chunked(Chunk::Size(_)) => match chunk_size(text) {
                            Some(0) => Reading::Chunked(Chunk::Trailer(Vec::new())),
                            // The data, then its CRLF.
                            Some(n) => Reading::Chunked(Chunk::Data(n.saturating_add(2))),
                            None => Reading::Refused,
                        },
                        _ if text.is_empty() => Reading::Head(Vec::new()),
                        _ => Reading::Chunked(Chunk::Trailer(Vec::new())),
                    };
                }
            }
        }
    }
}

/// A chunk-size line's size (extensions after `;` ignored).
fn chunk_size(line: &[u8]) -> Option<u64> {
    let digits = line.split(|b| *b == b';').next()?;
    let digits = std::str::from_utf8(digits).ok()?.trim_matches([' ', '\t']);
    if digits.is_empty() || digits.len() > 16 {
        return None;
    }
    u64::from_str_radix(digits, 16).ok()
}

/// What a complete head says comes after it.
enum Next {
    Body(u64),
    Chunked,
    Switched,
}

/// Parses a request head as actix-http does: `Ok(None)` while it is
/// incomplete, `Err` where the dispatcher answers a bare 400 or 431.
fn parse_request_head(head: &[u8]) -> Result<Option<(usize, Next)>, ()> {
    let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
    let mut request = httparse::Request::new(&mut headers);
    let len = match request.parse(head) {
        Ok(httparse::Status::Complete(len)) => len,
        Ok(httparse::Status::Partial) if head.len() < MAX_HEAD => return Ok(None),
        _ => return Err(()),
    };
    let method =
        Method::from_bytes(request.method.unwrap_or_default().as_bytes()).map_err(|_| ())?;
    Uri::try_from(request.path.unwrap_or_default()).map_err(|_| ())?;
    let mut length: Option<u64> = None;
    let mut chunked = false;
    let mut upgrade = method == Method::CONNECT;
    for header in request.headers.iter() {
        let value = std::str::from_utf8(header.value).map_err(|_| ())?.trim();
        if header.name.eq_ignore_ascii_case("content-length") {
            let n: u64 = value.parse().map_err(|_| ())?;
            if length.is_some_and(|m| m != n) {
                return Err(());
            }
            length = Some(n);
        } else if header.name.eq_ignore_ascii_case("transfer-encoding") {
            chunked = value
                .rsplit(',')
                .next()
                .is_some_and(|last| last.trim().eq_ignore_ascii_case("chunked"));
            if !chunked {
                return Err(());
            }
        } else if header.name.eq_ignore_ascii_case("upgrade") {
            upgrade = true;
        }
    }
    let next = if upgrade {
        Next::Switched
    } else if chunked {
        Next::Chunked
    } else {
        Next::Body(length.unwrap_or(0))
    };
    Ok(Some((len, next)))
}

impl<T> ProblemIo<T> {
    /// Parses the head collected so far; gives back what followed it.
    fn parse_head(&mut self) -> Vec<u8> {
        let Reading::Head(head) = &mut self.reading else {
            return Vec::new();
        };
        match parse_request_head(head) {
            Ok(None) => Vec::new(),
            Err(()) => {
                self.reading = Reading::Refused;
                Vec::new()
            }
            Ok(Some((len, next))) => {
                self.any_request = true;
                let rest = head.split_off(len);
                self.reading = match next {
                    Next::Body(0) => Reading::Head(Vec::new()),
                    Next::Body(n) => Reading::Body(n),
                    Next::Chunked => Reading::Chunked(Chunk::Size(Vec::new())),
                    Next::Switched => Reading::Switched,
                };
                rest
            }
        }
    }

    /// Whether a bare dispatcher answer at the end of what is written now
    /// is one for a refused (or never sent) head.
    fn may_rewrite(&self) -> bool {
        match &self.reading {
            Reading::Refused => true,
            Reading::Head(_) => !self.any_request,
            _ => false,
        }
    }
}

/// A client's connection, plain or over TLS.
pub enum Connection {
    Plain(TcpStream),
    Tls(TlsStream<TcpStream>),
}

impl AsyncRead for Connection {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Connection::Plain(io) => Pin::new(io).poll_read(cx, buf),
            Connection::Tls(io) => Pin::new(io).poll_read(cx, buf),
        }
    }
}

impl AsyncWrite for Connection {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            Connection::Plain(io) => Pin::new(io).poll_write(cx, buf),
            Connection::Tls(io) => Pin::new(io).poll_write(cx, buf),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Connection::Plain(io) => Pin::new(io).poll_flush(cx),
            Connection::Tls(io) => Pin::new(io).poll_flush(cx),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Connection::Plain(io) => Pin::new(io).poll_shutdown(cx),
            Connection::Tls(io) => Pin::new(io).poll_shutdown(cx),
        }
    }
}

/// The problem an answer of the dispatcher's stands for.
fn problem_of(status: u16) -> Option<&'static str> {
    match status {
        400 => Some("malformed-request"),
        408 => Some("request-timeout"),
        431 => Some("request-head-too-large"),
        _ => None,
    }
}

/// If `written` ends with a bare answer of the dispatcher's (a status of
/// `problem_of`, `content-length: 0`, nothing after the head), the same
/// bytes with that answer made problem+json.
fn rewrite(written: &[u8]) -> Option<Vec<u8>> {
    let mut from = written.len();
    while let Some(start) = find_last(&written[..from], b"HTTP/1.") {
        from = start;
        let tail = &written[start..];
        let mut headers = [httparse::EMPTY_HEADER; 16];
        let mut response = httparse::Response::new(&mut headers);
        let Ok(httparse::Status::Complete(len)) = response.parse(tail) else {
            continue;
        };
        let empty = response
            .headers
            .iter()
            .any(|h| h.name.eq_ignore_ascii_case("content-length") && h.value == b"0");
        let (Some(status), true, true) = (response.code, empty, len == tail.len()) else {
            continue;
        };
        let code = problem_of(status)?;
        let (status, title, explanation) = crate::error::PROBLEMS
            .iter()
            .find(|p| p.0 == code)
            .map(|p| (p.1, p.2, p.3))?;
        let body = serde_json::to_vec(&crate::error::Problem {
            type_: format!("/problems/{code}"),
            title: title.to_string(),
            status,
            detail: explanation.to_string(),
            code: code.to_string(),
            reason: None,
            params: None,
            errors: Vec::new(),
        })
        .ok()?;
        let mut out = written[..start].to_vec();
        out.extend_from_slice(
            format!(
                "HTTP/1.1 {status} {}\r\ncontent-type: application/problem+json\r\ncontent-length: {}\r\nconnection: close\r\n",
                response.reason.unwrap_or(title),
                body.len()
            )
            .as_bytes(),
        );
        for h in response
            .headers
            .iter()
            .filter(|h| h.name.eq_ignore_ascii_case("date"))
        {
            out.extend_from_slice(b"date: ");
            out.extend_from_slice(h.value);
            out.extend_from_slice(b"\r\n");
        }
        out.extend_from_slice(b"\r\n");
        out.extend_from_slice(&body);
        return Some(out);
    }
    None
}

fn find_last(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).rposition(|w| w == needle)
}

impl<T: AsyncRead + Unpin> AsyncRead for ProblemIo<T> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let before = buf.filled().len();
        ready!(Pin::new(&mut this.inner).poll_read(cx, buf))?;
        this.follow(&buf.filled()[before..]);
        Poll::Ready(Ok(()))
    }
}

impl<T: AsyncWrite + Unpin> ProblemIo<T> {
    /// Writes out what remains of a rewritten answer.
    fn poll_pending(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        while self.written < self.pending.len() {
            let n =
                ready!(Pin::new(&mut self.inner).poll_write(cx, &self.pending[self.written..]))?;
            if n == 0 {
                return Poll::Ready(Err(io::ErrorKind::WriteZero.into()));
            }
            self.written += n;
        }
        self.pending.clear();
        self.written = 0;
        Poll::Ready(Ok(()))
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for ProblemIo<T> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        ready!(this.poll_pending(cx))?;
        if this.may_rewrite()
            && let Some(rewritten) = rewrite(buf)
        {
            // Taken whole; what the socket does not take now goes out with
            // the next write, the flush or the shutdown.
            this.pending = rewritten;
            if let Poll::Ready(Err(e)) = this.poll_pending(cx) {
                return Poll::Ready(Err(e));
            }
            return Poll::Ready(Ok(buf.len()));
        }
        Pin::new(&mut this.inner).poll_write(cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        ready!(this.poll_pending(cx))?;
        Pin::new(&mut this.inner).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        ready!(this.poll_pending(cx))?;
        Pin::new(&mut this.inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(io: &mut ProblemIo<()>, pieces: &[&[u8]]) {
        for piece in pieces {
            io.follow(piece);
        }
    }

    const BARE: &[u8] = b"HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\nconnection: close\r\ndate: Sun, 06 Dec 2026 01:12:28 GMT\r\n\r\n";

    #[test]
    fn a_refused_head_gets_a_problem() {
        let mut io = ProblemIo::new(());
        read(
            &mut io,
            &[b"POST /x HTTP/1.1\r\nContent-Type: a\x01\r\n\r\n"],
        );
        assert!(io.may_rewrite());
        let out = rewrite(BARE).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(
            text.starts_with(
                "HTTP/1.1 400 Bad Request\r\ncontent-type: application/problem+json\r\n"
            )
        );
        assert!(text.contains("date: Sun, 06 Dec 2026 01:12:28 GMT\r\n"));
        let body: serde_json::Value =
            serde_json::from_str(text.split("\r\n\r\n").nth(1).unwrap()).unwrap();
        assert_eq!(body["code"], "malformed-request");
        assert_eq!(body["status"], 400);
        let length: usize = text
            .lines()
            .find_map(|l| l.strip_prefix("content-length: "))
            .unwrap()
            .parse()
            .unwrap();
        assert_eq!(length, text.split("\r\n\r\n").nth(1).unwrap().len());
    }

    #[test]
    fn only_the_last_answer_of_a_pipeline_is_rewritten() {
        let ok = b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n{}";
        let both = [&ok[..], BARE].concat();
        let out = rewrite(&both).unwrap();
        assert!(out.starts_with(ok));
        assert!(out.len() > both.len());
        // A body that merely ends like a bare answer is not one: the
        // answer must end exactly where its empty body does.
        assert!(rewrite(&[BARE, b"x"].concat()).is_none());
        assert!(rewrite(b"HTTP/1.1 204 No Content\r\ncontent-length: 0\r\n\r\n").is_none());
    }

    #[test]
    fn well_formed_requests_are_followed_through_their_bodies() {
        let mut io = ProblemIo::new(());
        assert!(io.may_rewrite(), "a first head that never comes: 408");
        // A body whose bytes look like a bad head is a body.
        read(
            &mut io,
            &[
                b"POST /a HTTP/1.1\r\nContent-Length: 10\r\n\r\n\x01\x01",
                b"\x01\x01\x01\x01\x01\x01\x01\x01GET /b HTTP/1.1\r\n\r\n",
            ],
        );
        assert!(matches!(io.reading, Reading::Head(ref h) if h.is_empty()));
        assert!(!io.may_rewrite(), "answers to good requests are left alone");
        read(
            &mut io,
            &[
                b"POST /c HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3;x=y\r\n\x01\x01\x01\r\n",
                b"0\r\nT: v\r\n\r\n",
            ],
        );
        assert!(matches!(io.reading, Reading::Head(ref h) if h.is_empty()));
        read(&mut io, &[b"GET /d HTTP/1.1\r\nX: \x7f\r\n\r\n"]);
        assert!(io.may_rewrite());
    }

    #[test]
    fn what_the_dispatcher_refuses_is_refused_here() {
        for head in [
            &b"GET /x HTTP/1.1\r\nContent-Length: abc\r\n\r\n"[..],
            b"GET /x HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
            b"GET /x HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n",
            b"G@T /x HTTP/1.1\r\n\r\n",
            b"GET /x HTTP/1.1\r\nHo st: y\r\n\r\n",
        ] {
            let mut io = ProblemIo::new(());
            io.any_request = true;
            io.follow(head);
            assert!(io.may_rewrite(), "{}", String::from_utf8_lossy(head));
        }
        let mut io = ProblemIo::new(());
        io.any_request = true;
        io.follow(&vec![b'a'; MAX_HEAD + 1]);
        assert!(io.may_rewrite(), "a head too large");
    }

    #[test]
    fn a_switched_connection_is_left_alone() {
        let mut io = ProblemIo::new(());
        io.follow(b"GET /ws HTTP/1.1\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n\x01\x02");
        assert!(!io.may_rewrite());
    }
}
