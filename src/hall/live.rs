//! One live WebSocket client of a channel (a tender's hall, an evaluation
//! room): replay from the database, then live events from the hub,
//! gap-free and without duplicates; client messages (`resume` here, the
//! rest to the channel); heartbeats; and the close codes that say why a
//! socket ended.

use super::hub::{Sequenced, Subscription};
use super::protocol::{
    Assembler, ClientMessage, Cursor, Fragment, Refused, ServerMessage, Step, Whole,
};
use super::store::{self, HallEvent};
use crate::db::Db;
use crate::error::AppError;
use crate::types::TenderId;
use actix_ws::{CloseCode, CloseReason, Item, Message, MessageStream, ProtocolError, Session};
use std::time::Duration;
use tokio::time::{Instant, MissedTickBehavior, interval_at, timeout};

/// Takes a WebSocket handshake; anything else is a 426 with a problem that
/// says so. A client that offers subprotocols (a browser carrying its
/// token as `ggzy.bearer.<token>`, see `identity::middleware`) must offer
/// `ggzy.v1` too, which the answer selects; the token is never echoed.
pub fn upgrade(
    req: &actix_web::HttpRequest,
    body: actix_web::web::Payload,
) -> Result<(actix_web::HttpResponse, Session, MessageStream), AppError> {
    use crate::identity::middleware::{WS_PROTOCOL, offered_protocols};
    use actix_web::http::header::{HeaderValue, SEC_WEBSOCKET_PROTOCOL};
    let offered = offered_protocols(req.headers());
    if !offered.is_empty() && !offered.iter().any(|p| p == WS_PROTOCOL) {
        return Err(AppError::UpgradeRequired(format!(
            "a client that offers WebSocket subprotocols offers {WS_PROTOCOL} (and may carry its \
             token as ggzy.bearer.<token>)"
        ))
        .because(
            "live.subprotocol",
            serde_json::json!({ "protocol": WS_PROTOCOL }),
        ));
    }
    let (mut response, session, stream) = actix_ws::handle(req, body).map_err(|e| {
        AppError::UpgradeRequired(format!(
            "this endpoint speaks WebSocket only, and the request is not a WebSocket handshake ({e})"
        ))
        .because("live.websocket-only", serde_json::json!({}))
    })?;
    if !offered.is_empty() {
        response.headers_mut().insert(
            SEC_WEBSOCKET_PROTOCOL,
            HeaderValue::from_static(WS_PROTOCOL),
        );
    }
    Ok((response, session, stream))
}

/// Limits and timings of live sockets.
#[derive(Debug, Clone, Copy)]
pub struct LiveSettings {
    /// Events a subscriber may have waiting before it is dropped.
    pub queue_capacity: usize,
    /// How often the server pings.
    pub heartbeat: Duration,
    /// A client heard from for this long is closed; so is one that accepts
    /// nothing the server sends for this long.
    pub client_timeout: Duration,
    /// The largest client message, fragments together, in bytes.
    pub max_message_bytes: usize,
    /// Events read from the database at a time when replaying.
    pub replay_batch: i64,
}

impl Default for LiveSettings {
    fn default() -> Self {
        LiveSettings {
            queue_capacity: 256,
            heartbeat: Duration::from_secs(15),
            client_timeout: Duration::from_secs(45),
            max_message_bytes: 64 * 1024,
            replay_batch: 200,
        }
    }
}

/// Why a socket ends, and what the client is told.
#[derive(Debug)]
enum End {
    /// The client closed (or vanished): answer its close, if it sent one.
    ClientClosed(Option<CloseReason>),
    /// The server cannot write to the client any more.
    Unwritable,
    TooBig,
    Protocol,
    Silent,
    /// The hub dropped this subscriber: its queue was full.
    TooSlow,
    /// The credential the socket was opened with no longer holds (revoked,
    /// expired, or its account disabled).
    CredentialGone,
    /// The hub is gone: the server is shutting down.
    ServerGoingAway,
    /// The database could not be read.
    ServerError,
}

/// A frame the server sends.
enum Outgoing {
    Text(String),
    Ping,
    Pong(actix_web::web::Bytes),
}

/// What a live socket serves: its stored events, how one is written to the
/// client, and what the client may say besides `resume`.
#[allow(async_fn_in_trait)]
pub trait Channel {
    type Event: Sequenced;
    /// Stored events numbered after `after`, in order, at most `limit`.
    async fn load(&self, after: i64, limit: i64) -> Result<Vec<Self::Event>, AppError>;
    /// The text frame of one event.
    fn render(event: &Self::Event) -> String;
    /// A client's text message other than `resume`: the frames to answer.
    async fn on_message(&mut self, text: &str) -> Vec<String>;
    /// Whether the credential the socket was opened with still holds;
    /// asked at every heartbeat and before each client message (a
    /// channel open to anyone has nothing to re-check).
    async fn still_allowed(&self) -> bool {
        true
    }
}

/// A tender's opening hall: listen only.
pub struct HallChannel {
    pub db: Db,
    pub tender_id: TenderId,
    /// Whether the one who opened the socket may still see the tender
    /// (a draft's managers only; a published tender, anyone), asked at every
    /// heartbeat; the shell gives it, since it knows who asked.
    pub still_allowed: Option<Recheck>,
}

/// A re-check of a socket's right to stay open.
pub type Recheck = std::rc::Rc<dyn Fn() -> futures_util::future::LocalBoxFuture<'static, bool>>;

impl Channel for HallChannel {
    type Event = HallEvent;

    async fn still_allowed(&self) -> bool {
        match &self.still_allowed {
            Some(check) => check().await,
            None => true,
        }
    }

    async fn load(&self, after: i64, limit: i64) -> Result<Vec<HallEvent>, AppError> {
        let tender_id = self.tender_id.clone();
        self.db
            .read(move |conn| store::events_since(conn, &tender_id, after, limit))
            .await
    }

    fn render(event: &HallEvent) -> String {
        ServerMessage::event(event).to_text()
    }

    async fn on_message(&mut self, text: &str) -> Vec<String> {
        let message = super::protocol::parse_client(text)
            .err()
            .unwrap_or_else(|| "unexpected message".into());
        vec![ServerMessage::error(&message, "live.not-understood").to_text()]
    }
}

/// Everything one socket's task holds.
pub struct Live<C: Channel> {
    pub session: Session,
    pub stream: MessageStream,
    pub subscription: Subscription<C::Event>,
    pub channel: C,
    pub after: i64,
    pub settings: LiveSettings,
}

impl<C: Channel> Live<C> {
    /// Serves the socket until it ends.
    pub async fn run(self) {
        let Live {
            session,
            stream,
            subscription,
            channel,
            after,
            settings,
        } = self;
        let mut socket = Socket {
            session,
            channel,
            cursor: Cursor { last: after },
            settings,
        };
        let end = socket.serve(stream, subscription).await;
        tracing::debug!(?end, last_seq = socket.cursor.last, "live socket ends");
        socket.close(end).await;
    }
}

struct Socket<C: Channel> {
    session: Session,
    channel: C,
    cursor: Cursor,
    settings: LiveSettings,
}

impl<C: Channel> Socket<C> {
    async fn serve(
        &mut self,
        stream: MessageStream,
        mut subscription: Subscription<C::Event>,
    ) -> End {
        // Subscribed before this task started: whatever commits from now on
        // arrives live, and what committed before is in the database.
        let mut stream = stream.max_frame_size(self.settings.max_message_bytes);
        if let Err(end) = self.replay().await {
            return end;
        }
        let mut assembler = Assembler::new(self.settings.max_message_bytes);
        let mut heard = Instant::now();
        let period = self.settings.heartbeat;
        let mut heartbeat = interval_at(Instant::now() + period, period);
        heartbeat.set_missed_tick_behavior(MissedTickBehavior::Delay);
        loop {
            let step = tokio::select! {
                // Client frames first: after a slow write, what the client
                // sent meanwhile counts before the silence check.
                biased;
                frame = stream.recv() => {
                    heard = Instant::now();
                    self.on_frame(frame, &mut assembler).await
                }
                event = subscription.recv() => match event {
                    Some(event) => self.on_live(&event).await,
                    None if subscription.was_dropped() => Err(End::TooSlow),
                    None => Err(End::ServerGoingAway),
                },
                _ = heartbeat.tick() => {
                    if heard.elapsed() >= self.settings.client_timeout {
                        Err(End::Silent)
                    } else if !self.channel.still_allowed().await {
                        Err(End::CredentialGone)
                    } else {
                        self.send(Outgoing::Ping).await
                    }
                }
            };
            if let Err(end) = step {
                return end;
            }
        }
    }

    /// Sends every stored event after the cursor, then the `live` marker.
    async fn replay(&mut self) -> Result<(), End> {
        self.fill(None).await?;
        let live = ServerMessage::Live {
            last_seq: self.cursor.last,
        }
        .to_text();
        self.send_text(live).await
    }

    /// Sends stored events after the cursor: all of them, or (with `upto`)
    /// at least those up to `upto`.
    async fn fill(&mut self, upto: Option<i64>) -> Result<(), End> {
        let batch = self.settings.replay_batch.clamp(1, store::MAX_BATCH);
        loop {
            let events = self
                .channel
                .load(self.cursor.last, batch)
                .await
                .map_err(|e| {
                    tracing::warn!(error = %e, "reading the events for a live client failed");
                    End::ServerError
                })?;
            let full = events.len() as i64 >= batch;
            for event in &events {
                self.send_event(event).await?;
            }
            let reached = upto.is_some_and(|u| self.cursor.last >= u);
            if !full || reached {
                return Ok(());
            }
        }
    }

    async fn on_live(&mut self, event: &C::Event) -> Result<(), End> {
        if self.cursor.step(event.seq()) == Step::Fill {
            self.fill(Some(event.seq())).await?;
        }
        match self.cursor.step(event.seq()) {
            Step::Skip => Ok(()),
            Step::Send => self.send_event(event).await,
            Step::Fill => {
                // Committed events are visible in order, so this cannot
                // happen; if it does, deliver what we have, loudly.
                tracing::warn!(
                    last_seq = self.cursor.last,
                    seq = event.seq(),
                    "events missing from the database; sending past the gap"
                );
                self.send_event(event).await
            }
        }
    }

    async fn send_event(&mut self, event: &C::Event) -> Result<(), End> {
        self.send_text(C::render(event)).await?;
        self.cursor.last = event.seq();
        Ok(())
    }

    async fn send_error(&mut self, message: &str, reason: &'static str) -> Result<(), End> {
        self.send_text(ServerMessage::error(message, reason).to_text())
            .await
    }

    async fn send_text(&mut self, text: String) -> Result<(), End> {
        self.send(Outgoing::Text(text)).await
    }

    /// Sends one frame, giving up on a client that accepts nothing for the
    /// client timeout (its buffers are full and it does not read).
    async fn send(&mut self, frame: Outgoing) -> Result<(), End> {
        let session = &mut self.session;
        let sent = async move {
            match frame {
                Outgoing::Text(text) => session.text(text).await,
                Outgoing::Ping => session.ping(b"").await,
                Outgoing::Pong(bytes) => session.pong(&bytes).await,
            }
        };
        match timeout(self.settings.client_timeout, sent).await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(_)) => Err(End::ClientClosed(None)),
            Err(_) => Err(End::Unwritable),
        }
    }

    async fn on_frame(
        &mut self,
        frame: Option<Result<Message, ProtocolError>>,
        assembler: &mut Assembler,
    ) -> Result<(), End> {
        let message = match frame {
            None => return Err(End::ClientClosed(None)),
            Some(Err(ProtocolError::Overflow)) => return Err(End::TooBig),
            Some(Err(e)) => {
                tracing::debug!(error = %e, "live client broke the protocol");
                return Err(End::Protocol);
            }
            Some(Ok(message)) => message,
        };
        let whole = match message {
            Message::Text(text) => Whole::Text(text.to_string()),
            Message::Binary(bytes) => Whole::Binary(bytes.len()),
            Message::Continuation(item) => {
                let fragment = match &item {
                    Item::FirstText(b) => Fragment::FirstText(b),
                    Item::FirstBinary(b) => Fragment::FirstBinary(b),
                    Item::Continue(b) => Fragment::Continue(b),
                    Item::Last(b) => Fragment::Last(b),
                };
                match assembler.push(fragment) {
                    Ok(Some(whole)) => whole,
                    Ok(None) => return Ok(()),
                    Err(Refused::TooBig) => return Err(End::TooBig),
                    Err(Refused::OutOfOrder | Refused::NotUtf8) => return Err(End::Protocol),
                }
            }
            Message::Ping(bytes) => return self.send(Outgoing::Pong(bytes)).await,
            Message::Pong(_) | Message::Nop => return Ok(()),
            Message::Close(reason) => return Err(End::ClientClosed(reason)),
        };
        match whole {
            Whole::Binary(_) => {
                self.send_error(
                    "binary messages are not understood; send JSON text",
                    "live.binary",
                )
                .await
            }
            Whole::Text(text) if super::protocol::is_resume(&text) => {
                match super::protocol::parse_client(&text) {
                    Ok(ClientMessage::Resume { after }) => {
                        self.cursor = Cursor { last: after };
                        self.replay().await
                    }
                    Err(message) => self.send_error(&message, "live.not-understood").await,
                }
            }
            Whole::Text(text) => {
                if !self.channel.still_allowed().await {
                    return Err(End::CredentialGone);
                }
                for reply in self.channel.on_message(&text).await {
                    self.send_text(reply).await?;
                }
                Ok(())
            }
        }
    }

    /// Says goodbye with a close code that tells the client why, when the
    /// client can still hear it.
    async fn close(self, end: End) {
        let last = self.cursor.last;
        let (code, description) = match end {
            End::Unwritable => return,
            End::ClientClosed(reason) => {
                let _ = timeout(self.settings.client_timeout, self.session.close(reason)).await;
                return;
            }
            End::TooBig => (
                CloseCode::Size,
                format!(
                    "messages are limited to {} bytes",
                    self.settings.max_message_bytes
                ),
            ),
            End::Protocol => (CloseCode::Protocol, "WebSocket protocol error".to_string()),
            End::Silent => (
                CloseCode::Policy,
                format!(
                    "nothing heard for {} s; reconnect with after={last}",
                    self.settings.client_timeout.as_secs()
                ),
            ),
            End::TooSlow => (
                CloseCode::Again,
                format!(
                    "too slow: more than {} events waiting; reconnect with after={last}",
                    self.settings.queue_capacity
                ),
            ),
            End::CredentialGone => (
                CloseCode::Policy,
                "the session is revoked or expired, or the account disabled; sign in again"
                    .to_string(),
            ),
            End::ServerGoingAway => (
                CloseCode::Away,
                format!("server going away; reconnect with after={last}"),
            ),
            End::ServerError => (
                CloseCode::Error,
                format!("server error; reconnect with after={last}"),
            ),
        };
        let reason = CloseReason {
            code,
            description: Some(description),
        };
        let _ = timeout(
            self.settings.client_timeout,
            self.session.close(Some(reason)),
        )
        .await;
    }
}
