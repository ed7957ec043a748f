//! E-mail out: an SMTP server (STARTTLS, implicit TLS, or plain on the
//! loopback interface only; with or without authentication), or, with none
//! configured, one `.eml` file per message under the data folder. Messages
//! are built with lettre: text and HTML alternatives, attachments, the
//! notification's own Message-ID, and `Auto-Submitted: auto-generated`
//! (RFC 3834) so that auto-responders stay quiet.

use super::Attachment;
use super::outbox::{Due, Outcome};
use anyhow::Context;
use lettre::message::header::{self, ContentType, HeaderName, HeaderValue};
use lettre::message::{Mailbox, MultiPart, SinglePart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Certificate, Tls, TlsParameters};
use lettre::{SmtpTransport, Transport};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// How the SMTP connection is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Security {
    /// No TLS: allowed only to a server on the loopback interface.
    Plain,
    /// STARTTLS, required (never falls back to plain text).
    StartTls,
    /// TLS from the first byte (SMTPS, usually port 465).
    Tls,
}

/// An SMTP server, as configured by URL:
/// `smtp://[user:password@]host[:port]` (plain, loopback only),
/// `smtp://…?tls=required` (STARTTLS), `smtps://…` (implicit TLS).
/// User and password are percent-decoded.
#[derive(Clone, PartialEq, Eq)]
pub struct SmtpServer {
    pub host: String,
    pub port: u16,
    pub security: Security,
    pub credentials: Option<(String, String)>,
}

impl std::fmt::Debug for SmtpServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmtpServer")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("security", &self.security)
            .field("user", &self.credentials.as_ref().map(|c| &c.0))
            .finish()
    }
}

fn percent_decode(s: &str) -> anyhow::Result<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = s
                .get(i + 1..i + 3)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
                .context("a bad %-escape in the SMTP URL")?;
            out.push(hex);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).context("the SMTP URL's user or password is not UTF-8")
}

fn is_loopback(host: &str) -> bool {
    host == "localhost"
        || host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

impl SmtpServer {
    pub fn parse(url: &str) -> anyhow::Result<SmtpServer> {
        let (scheme, rest) = url
            .split_once("://")
            .context("the SMTP URL needs a scheme: smtp:// or smtps://")?;
        let (rest, query) = match rest.split_once('?') {
            Some((r, q)) => (r, Some(q)),
            None => (rest, None),
        };
        let rest = rest.trim_end_matches('/');
        let (userinfo, hostport) = match rest.rsplit_once('@') {
            Some((u, h)) => (Some(u), h),
            None => (None, rest),
        };
        let (host, port) = if let Some(v6) = hostport.strip_prefix('[') {
            let (h, after) = v6
                .split_once(']')
                .context("an unclosed [ in the SMTP URL")?;
            (h.to_string(), after.strip_prefix(':'))
        } else {
            match hostport.rsplit_once(':') {
                Some((h, p)) => (h.to_string(), Some(p)),
                None => (hostport.to_string(), None),
            }
        };
        anyhow::ensure!(!host.is_empty(), "the SMTP URL names no host");
        let security = match (scheme, query) {
            ("smtps", None) => Security::Tls,
            ("smtp", None) => Security::Plain,
            ("smtp", Some("tls=required")) => Security::StartTls,
            _ => anyhow::bail!(
                "SMTP URLs are smtp://host[:port] (plain, loopback only), smtp://host[:port]?tls=required (STARTTLS) or smtps://host[:port] (TLS)"
            ),
        };
        let port = match port {
            Some(p) => p.parse().context("the SMTP URL's port is not a number")?,
            None => match security {
                Security::Tls => 465,
                Security::StartTls => 587,
                Security::Plain => 25,
            },
        };
        anyhow::ensure!(
            security != Security::Plain || is_loopback(&host),
            "plain SMTP (no TLS) is allowed only to a server on this machine's loopback interface; use ?tls=required or smtps://"
        );
        let credentials = match userinfo {
            None => None,
            Some(u) => {
                let (user, password) = u
                    .split_once(':')
                    .context("the SMTP URL's user needs a password (user:password@host)")?;
                Some((percent_decode(user)?, percent_decode(password)?))
            }
        };
        Ok(SmtpServer {
            host,
            port,
            security,
            credentials,
        })
    }
}

/// Where e-mail goes.
pub enum Mailer {
    Smtp {
        transport: Box<SmtpTransport>,
        server: SmtpServer,
    },
    /// One `.eml` file per message in this folder.
    Files(PathBuf),
}

/// The SMTP client's time-out for each step (half of
/// [`super::outbox::ORPHANED_AFTER`]).
pub const SMTP_TIMEOUT: Duration = Duration::from_secs(60);

impl Mailer {
    /// An SMTP mailer; `extra_ca` adds a trusted root (PEM) for the
    /// server's certificate.
    pub fn smtp(server: SmtpServer, extra_ca: Option<&Path>) -> anyhow::Result<Mailer> {
        let mut tls = TlsParameters::builder(server.host.clone());
        if let Some(path) = extra_ca {
            let pem = std::fs::read(path)
                .with_context(|| format!("reading the SMTP CA file {}", path.display()))?;
            tls = tls.add_root_certificate(
                Certificate::from_pem(&pem).context("the SMTP CA file is not a PEM certificate")?,
            );
        }
        let mut builder = SmtpTransport::builder_dangerous(server.host.clone())
            .port(server.port)
            .timeout(Some(SMTP_TIMEOUT));
        builder = match server.security {
            Security::Plain => builder.tls(Tls::None),
            Security::StartTls => builder.tls(Tls::Required(tls.build()?)),
            Security::Tls => builder.tls(Tls::Wrapper(tls.build()?)),
        };
        if let Some((user, password)) = &server.credentials {
            builder = builder.credentials(Credentials::new(user.clone(), password.clone()));
        }
        Ok(Mailer::Smtp {
            transport: Box::new(builder.build()),
            server,
        })
    }

    pub fn files(dir: PathBuf) -> anyhow::Result<Mailer> {
        std::fs::create_dir_all(&dir)
            .with_context(|| format!("making the mail folder {}", dir.display()))?;
        Ok(Mailer::Files(dir))
    }

    /// Where mail goes, for the log and /readyz.
    pub fn describe(&self) -> String {
        match self {
            Mailer::Smtp { server, .. } => format!(
                "smtp {}:{} ({})",
                server.host,
                server.port,
                match server.security {
                    Security::Plain => "plain, loopback",
                    Security::StartTls => "STARTTLS",
                    Security::Tls => "TLS",
                }
            ),
            Mailer::Files(dir) => format!("files in {}", dir.display()),
        }
    }

    /// Sends one message (blocking: call it off the async executor).
    pub fn send(&self, from: &Mailbox, due: &Due) -> Outcome {
        let message = match build(from, due) {
            Ok(m) => m,
            Err(e) => return Outcome::Permanent(format!("the message could not be built: {e:#}")),
        };
        match self {
            Mailer::Smtp { transport, .. } => match transport.send(&message) {
                Ok(_) => Outcome::Sent,
                Err(e) if e.is_permanent() && !refuses_us(e.status()) => {
                    Outcome::Permanent(smtp_error(&e))
                }
                Err(e) => Outcome::Temporary(smtp_error(&e)),
            },
            Mailer::Files(dir) => match write_file(dir, &due.notification_id, &message.formatted())
            {
                Ok(()) => Outcome::Sent,
                Err(e) => Outcome::Temporary(format!("{e:#}")),
            },
        }
    }
}

/// Whether a 5xx reply refuses the platform rather than the message: the
/// authentication codes (RFC 4954: 530 required, 534 mechanism too weak,
/// 535 credentials invalid, 538 encryption required). Those are the
/// platform's configuration to fix (the user and password in `smtp_url`);
/// every message waiting would otherwise become a dead letter at its first
/// try, so they are retried like a server that is down (as Postfix defers
/// mail on a 535).
fn refuses_us(code: Option<lettre::transport::smtp::response::Code>) -> bool {
    code.is_some_and(|c| ["530", "534", "535", "538"].contains(&c.to_string().as_str()))
}

/// An error and its causes, each said once: lettre's messages already end
/// with their source's text, which the chain would otherwise repeat (three
/// times for a refused certificate), crowding the dead letter's note.
fn smtp_error(e: &(dyn std::error::Error + 'static)) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        let cause = s.to_string();
        if !text.contains(&cause) {
            text.push_str(": ");
            text.push_str(&cause);
        }
        source = s.source();
    }
    text
}

/// Writes the message under its notification's id: a second write of the
/// same message replaces the first, never adds one.
fn write_file(dir: &Path, id: &str, bytes: &[u8]) -> anyhow::Result<()> {
    use std::io::Write;
    let tmp = dir.join(format!(".{id}.{}.tmp", uuid::Uuid::new_v4()));
    let done = dir.join(format!("{id}.eml"));
    let mut file = std::fs::File::create(&tmp)?;
    file.write_all(bytes)?;
    file.sync_all()?;
    drop(file);
    std::fs::rename(&tmp, &done)?;
    Ok(())
}

#[derive(Clone)]
struct AutoSubmitted;

impl header::Header for AutoSubmitted {
    fn name() -> HeaderName {
        HeaderName::new_from_ascii_str("Auto-Submitted")
    }
    fn parse(_: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Ok(AutoSubmitted)
    }
    fn display(&self) -> HeaderValue {
        HeaderValue::new(Self::name(), "auto-generated".into())
    }
}

#[derive(Clone)]
struct ContentLanguage(&'static str);

impl header::Header for ContentLanguage {
    fn name() -> HeaderName {
        HeaderName::new_from_ascii_str("Content-Language")
    }
    fn parse(_: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Ok(ContentLanguage("zh-CN"))
    }
    fn display(&self) -> HeaderValue {
        HeaderValue::new(Self::name(), self.0.into())
    }
}

/// The message: only the subject comes from a template (its fields made
/// header-safe there); lettre encodes it (RFC 2047) and folds it.
pub fn build(from: &Mailbox, due: &Due) -> anyhow::Result<lettre::Message> {
    let to: Mailbox = due
        .address
        .parse()
        .with_context(|| format!("the address {:?}", due.address))?;
    let subject: String = due
        .subject
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let attachments: Vec<Attachment> = serde_json::from_str(&due.attachments_json)?;
    let body = MultiPart::alternative()
        .singlepart(
            SinglePart::builder()
                .header(ContentType::TEXT_PLAIN)
                .body(due.body_text.clone()),
        )
        .singlepart(
            SinglePart::builder()
                .header(ContentType::TEXT_HTML)
                .body(due.body_html.clone()),
        );
    let mut builder = lettre::Message::builder()
        .message_id(Some(due.message_id.clone()))
        .from(from.clone())
        .to(to)
        .subject(subject)
        .date(std::time::SystemTime::from(due.created_at))
        .header(AutoSubmitted)
        .header(ContentLanguage(if due.language == "en" {
            "en"
        } else {
            "zh-CN"
        }));
    builder = builder.user_agent("ggzy".into());
    let message = if attachments.is_empty() {
        builder.multipart(body)?
    } else {
        let mut mixed = MultiPart::mixed().multipart(body);
        for a in &attachments {
            let content_type = ContentType::parse(&a.media_type)
                .unwrap_or(ContentType::parse("application/octet-stream")?);
            mixed = mixed.singlepart(
                lettre::message::Attachment::new(a.filename.clone())
                    .body(a.bytes().map_err(|e| anyhow::anyhow!("{e}"))?, content_type),
            );
        }
        builder.multipart(mixed)?
    };
    Ok(message)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_authentication_refusal_is_the_platforms_to_fix_not_the_messages() {
        use lettre::transport::smtp::response::{Category, Code, Detail, Severity};
        let code = |c, d| Some(Code::new(Severity::PermanentNegativeCompletion, c, d));
        assert!(
            refuses_us(code(Category::Unspecified3, Detail::Five)),
            "535"
        );
        assert!(
            refuses_us(code(Category::Unspecified3, Detail::Zero)),
            "530"
        );
        assert!(!refuses_us(code(Category::MailSystem, Detail::Zero)), "550");
        assert!(!refuses_us(None));
    }

    #[test]
    fn smtp_urls() {
        let s = SmtpServer::parse("smtp://127.0.0.1:2525").unwrap();
        assert_eq!((s.port, s.security), (2525, Security::Plain));
        let s = SmtpServer::parse("smtp://u%40x:p%3Aw@mail.example.com?tls=required").unwrap();
        assert_eq!((s.port, s.security), (587, Security::StartTls));
        assert_eq!(s.credentials, Some(("u@x".into(), "p:w".into())));
        let s = SmtpServer::parse("smtps://mail.example.com").unwrap();
        assert_eq!((s.port, s.security), (465, Security::Tls));
        assert!(format!("{s:?}").contains("mail.example.com"));
        let s = SmtpServer::parse("smtp://[::1]:25").unwrap();
        assert_eq!(s.host, "::1");
        assert!(
            SmtpServer::parse("smtp://mail.example.com").is_err(),
            "plain off loopback"
        );
        assert!(SmtpServer::parse("smtp://h?tls=opportunistic").is_err());
        assert!(SmtpServer::parse("http://h").is_err());
        let secret = SmtpServer::parse("smtps://u:secret@h").unwrap();
        assert!(!format!("{secret:?}").contains("secret"));
    }

    /// An error whose message may or may not include its cause's.
    #[derive(Debug)]
    struct Layer(&'static str, Option<Box<Layer>>, bool);

    impl std::fmt::Display for Layer {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            match (&self.1, self.2) {
                (Some(inner), true) => write!(f, "{}: {inner}", self.0),
                _ => f.write_str(self.0),
            }
        }
    }

    impl std::error::Error for Layer {
        fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
            self.1.as_deref().map(|l| l as _)
        }
    }

    #[test]
    fn an_error_chain_says_each_cause_once() {
        let tls = Layer("certificate verify failed", None, false);
        let repeating = Layer("connection error", Some(Box::new(tls)), true);
        let outer = Layer("network error", Some(Box::new(repeating)), true);
        assert_eq!(
            smtp_error(&outer),
            "network error: connection error: certificate verify failed"
        );
        let silent = Layer(
            "permanent error (535)",
            Some(Box::new(Layer("bad credentials", None, false))),
            false,
        );
        assert_eq!(
            smtp_error(&silent),
            "permanent error (535): bad credentials"
        );
    }

    fn due(subject: &str) -> Due {
        Due {
            notification_id: "n1".into(),
            address: "a@example.com".into(),
            message_id: "<n1@ggzy.example>".into(),
            attempts: 1,
            kind: "bid_receipt".into(),
            subject: subject.into(),
            body_text: "正文\n".into(),
            body_html: "<p>正文</p>".into(),
            attachments_json: serde_json::to_string(&[Attachment::new(
                "receipt.tsr",
                "application/timestamp-reply",
                b"\x30\x03\x02\x01\x00",
            )])
            .unwrap(),
            request_id: None,
            sealed: false,
            tender_id: None,
            language: "zh".into(),
            created_at: chrono::DateTime::from_timestamp(1_800_000_000, 0).unwrap(),
        }
    }

    #[test]
    fn a_subject_cannot_add_a_header() {
        let from: Mailbox = "GGZY <noreply@ggzy.example>".parse().unwrap();
        let m = build(&from, &due("回执\r\nBcc: victim@example.com")).unwrap();
        let text = String::from_utf8(m.formatted()).unwrap();
        assert!(!text.contains("\r\nBcc:"), "{text}");
        assert!(text.contains("Message-ID: <n1@ggzy.example>"), "{text}");
        assert!(text.contains("Auto-Submitted: auto-generated"));
        assert!(text.contains("receipt.tsr"));
    }
}
