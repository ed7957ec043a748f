//! The opening hall, through a real WebSocket client (tokio-tungstenite)
//! against the real server: ordered events, resuming, several watchers,
//! client mistakes, slow and silent clients, and who may watch.

use crate::helpers::{Options, TestApp, spawn_app, spawn_app_with};
use chrono::Duration;
use futures_util::{SinkExt, StreamExt};
use ggzy::hall::LiveSettings;
use ggzy::identity::Role;
use ggzy::types::TenderId;
use serde_json::{Value, json};
use std::time::Duration as StdDuration;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::{self, Message};

/// How long a test waits for something the server should send at once.
const WAIT: StdDuration = StdDuration::from_secs(20);

fn live_url(app: &TestApp, id: &str, after: Option<i64>) -> String {
    let base = app.base.replacen("http", "ws", 1);
    match after {
        Some(n) => format!("{base}/api/v1/tenders/{id}/hall/live?after={n}"),
        None => format!("{base}/api/v1/tenders/{id}/hall/live"),
    }
}

pub type Ws = WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

async fn connect(
    app: &TestApp,
    id: &str,
    after: Option<i64>,
    token: Option<&str>,
) -> Result<Ws, tungstenite::Error> {
    let mut request = live_url(app, id, after).into_client_request()?;
    if let Some(token) = token {
        request.headers_mut().insert(
            "Authorization",
            format!("Bearer {token}").parse().expect("header value"),
        );
    }
    tokio_tungstenite::connect_async(request)
        .await
        .map(|(ws, _)| ws)
        .inspect_err(crate::helpers::ws_refusal_says_why)
}

pub async fn watch(app: &TestApp, id: &str, after: Option<i64>) -> Ws {
    connect(app, id, after, None).await.expect("connect")
}

/// The next frame that is not a ping or a pong.
pub async fn next<S: AsyncRead + AsyncWrite + Unpin>(ws: &mut WebSocketStream<S>) -> Message {
    loop {
        let frame = tokio::time::timeout(WAIT, ws.next())
            .await
            .expect("the server sends something in time")
            .expect("the socket is open")
            .expect("a well-formed frame");
        if !matches!(frame, Message::Ping(_) | Message::Pong(_)) {
            return frame;
        }
    }
}

pub async fn next_json<S: AsyncRead + AsyncWrite + Unpin>(ws: &mut WebSocketStream<S>) -> Value {
    match next(ws).await {
        Message::Text(text) => serde_json::from_str(&text).expect("JSON"),
        other => panic!("expected a text frame, got {other:?}"),
    }
}

pub async fn next_event<S: AsyncRead + AsyncWrite + Unpin>(ws: &mut WebSocketStream<S>) -> Value {
    let message = next_json(ws).await;
    assert_eq!(message["type"], "event", "{message}");
    message
}

/// The replayed events up to the `live` marker, and the marker's number.
pub async fn until_live<S: AsyncRead + AsyncWrite + Unpin>(
    ws: &mut WebSocketStream<S>,
) -> (Vec<Value>, i64) {
    let mut events = Vec::new();
    loop {
        let message = next_json(ws).await;
        match message["type"].as_str() {
            Some("event") => events.push(message),
            Some("live") => return (events, message["last_seq"].as_i64().unwrap()),
            _ => panic!("unexpected {message}"),
        }
    }
}

pub async fn close_frame<S: AsyncRead + AsyncWrite + Unpin>(
    ws: &mut WebSocketStream<S>,
) -> tungstenite::protocol::CloseFrame {
    match next(ws).await {
        Message::Close(Some(frame)) => frame,
        other => panic!("expected a close frame with a reason, got {other:?}"),
    }
}

fn seqs(events: &[Value]) -> Vec<i64> {
    events.iter().map(|e| e["seq"].as_i64().unwrap()).collect()
}

async fn act_ok(app: &TestApp, token: &str, id: &str, action: &str) {
    let r = app.act(token, id, action, "").await;
    assert_eq!(
        r.status,
        200,
        "{action}: {}",
        String::from_utf8_lossy(&r.body)
    );
}

/// Waits until the hub has `n` live subscribers for the tender.
async fn subscribers_become(app: &TestApp, id: &str, n: usize) {
    for _ in 0..200 {
        if app.hall.hub.subscribers(id) == n {
            return;
        }
        tokio::time::sleep(StdDuration::from_millis(25)).await;
    }
    panic!("{} subscribers, not {n}", app.hall.hub.subscribers(id));
}

#[actix_web::test]
async fn events_arrive_in_order_and_a_reconnect_resumes_without_gap_or_repeat() {
    let app = spawn_app().await;
    let (tenderer, id) = app.published_tender().await;
    let mut ws = watch(&app, &id, None).await;
    let (replayed, last) = until_live(&mut ws).await;
    assert_eq!(seqs(&replayed), [1]);
    assert_eq!(last, 1);
    let published = &replayed[0];
    assert_eq!(published["kind"], "tender.status");
    assert_eq!(
        published["payload"],
        json!({"action": "publish", "from": "draft", "to": "published", "reason": "", "notice_seq": 1})
    );
    let keys: Vec<&str> = published
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(keys.len(), 5, "{published}");
    let at =
        chrono::DateTime::parse_from_rfc3339(published["at"].as_str().unwrap()).expect("RFC 3339");
    assert!(
        (app.now() - at.with_timezone(&chrono::Utc))
            .num_seconds()
            .abs()
            <= 60,
        "the event's time is the server's time of the change (allowing for a loaded machine)"
    );

    // Live: the opening starts. Nobody bid, so in this tendering
    // procedure the bids are not opened (fewer than 3 bidders, 招标投标法
    // 实施条例 第44条) and the tender fails at once: three events, in order.
    app.clock.advance(Duration::days(25) + Duration::seconds(1));
    act_ok(&app, &tenderer, &id, "start_opening").await;
    let opening = next_event(&mut ws).await;
    assert_eq!(opening["seq"], 2);
    assert_eq!(opening["payload"]["to"], "opening");
    let not_opened = next_event(&mut ws).await;
    assert_eq!(not_opened["seq"], 3);
    assert_eq!(not_opened["kind"], "opening.not_opened");
    assert_eq!(not_opened["payload"]["bidders"], 0);
    let failed = next_event(&mut ws).await;
    assert_eq!(failed["seq"], 4, "no repeat, no gap");
    assert_eq!(failed["payload"]["to"], "failed");

    // Disconnected after the first of them; back with the last number
    // seen: exactly what followed it, then live.
    ws.close(None).await.unwrap();
    drop(ws);
    subscribers_become(&app, &id, 0).await;
    let mut ws = watch(&app, &id, Some(2)).await;
    let (missed, last) = until_live(&mut ws).await;
    assert_eq!(seqs(&missed), [3, 4]);
    assert_eq!(last, 4);
    assert_eq!(missed[0], not_opened);
    assert_eq!(missed[1], failed);

    // Up to date already: nothing replayed.
    let mut current = watch(&app, &id, Some(4)).await;
    assert_eq!(until_live(&mut current).await, (vec![], 4));

    // The same events as JSON pages, for clients without WebSocket; an item
    // is the live message without its type.
    let events = |query: &str| format!("/api/v1/tenders/{id}/hall/events{query}");
    let page = app.get(&events(""), None).await.json();
    let items = page["items"].as_array().unwrap();
    assert_eq!(seqs(items), [1, 2, 3, 4]);
    assert_eq!(page["next_after"], 4);
    assert_eq!(page["has_more"], false);
    assert_eq!(page["last_seq"], 4);
    let mut live_failed = failed.clone();
    live_failed.as_object_mut().unwrap().remove("type");
    assert_eq!(items[3], live_failed);
    let page = app.get(&events("?after=1&limit=2"), None).await.json();
    assert_eq!(seqs(page["items"].as_array().unwrap()), [2, 3]);
    assert_eq!(page["next_after"], 3);
    assert_eq!(page["has_more"], true);
    let page = app.get(&events("?after=4"), None).await.json();
    assert_eq!(page["items"], json!([]));
    assert_eq!(page["next_after"], 4);
    assert_eq!(page["has_more"], false);
    for bad in [
        "?after=-1",
        "?limit=0",
        "?limit=501",
        "?after=x",
        "?since=1",
    ] {
        app.get(&events(bad), None)
            .await
            .assert_problem(400, "invalid-query");
    }
}

#[actix_web::test]
async fn watchers_see_the_same_sequence() {
    let app = spawn_app().await;
    let (tenderer, id) = app.published_tender().await;
    let mut a = watch(&app, &id, None).await;
    let mut b = watch(&app, &id, Some(0)).await;
    let (ra, _) = until_live(&mut a).await;
    let (rb, _) = until_live(&mut b).await;
    assert_eq!(ra, rb);
    app.clock.advance(Duration::days(25) + Duration::seconds(1));
    // Three events: the opening starts, finds no bidder, and the tender
    // fails (nothing to open).
    act_ok(&app, &tenderer, &id, "start_opening").await;
    let mut ea = Vec::new();
    let mut eb = Vec::new();
    for _ in 0..3 {
        ea.push(next_event(&mut a).await);
        eb.push(next_event(&mut b).await);
    }
    assert_eq!(seqs(&ea), [2, 3, 4]);
    assert_eq!(ea, eb, "the same events, the same order, the same content");
    // A latecomer resuming from 1 reads the same from the database.
    let mut c = watch(&app, &id, Some(1)).await;
    assert_eq!(until_live(&mut c).await, (ea, 4));
}

#[actix_web::test]
async fn client_mistakes_get_an_error_message_and_the_socket_stays_usable() {
    let app = spawn_app().await;
    let (tenderer, id) = app.published_tender().await;
    let mut ws = watch(&app, &id, None).await;
    until_live(&mut ws).await;
    for bad in [
        Message::text("hello"),
        Message::text(r#"{"type":"subscribe"}"#),
        Message::text(r#"{"type":"resume","after":-3}"#),
        Message::text(r#"{"type":"resume","after":1,"tender":"x"}"#),
        Message::binary(vec![1, 2, 3]),
    ] {
        ws.send(bad.clone()).await.unwrap();
        let reply = next_json(&mut ws).await;
        assert_eq!(reply["type"], "error", "{bad:?}: {reply}");
        assert!(
            reply["message"].as_str().is_some_and(|m| !m.is_empty()),
            "{reply}"
        );
    }
    // Still usable: a resume replays, then live events flow.
    ws.send(Message::text(r#"{"type":"resume","after":0}"#))
        .await
        .unwrap();
    let (replayed, last) = until_live(&mut ws).await;
    assert_eq!((seqs(&replayed), last), (vec![1], 1));
    // A message just under the limit is read (and understood).
    let padded = format!(
        r#"{{"type":"resume","after":1}}{}"#,
        " ".repeat(64 * 1024 - 40)
    );
    ws.send(Message::text(padded)).await.unwrap();
    assert_eq!(until_live(&mut ws).await, (vec![], 1));
    app.clock.advance(Duration::days(25) + Duration::seconds(1));
    act_ok(&app, &tenderer, &id, "start_opening").await;
    assert_eq!(next_event(&mut ws).await["seq"], 2);
}

#[actix_web::test]
async fn an_oversize_message_closes_the_socket() {
    let app = spawn_app().await;
    let (_, id) = app.published_tender().await;
    let mut ws = watch(&app, &id, None).await;
    until_live(&mut ws).await;
    ws.send(Message::text("x".repeat(64 * 1024 + 1)))
        .await
        .unwrap();
    let frame = close_frame(&mut ws).await;
    assert_eq!(frame.code, CloseCode::Size);
    assert!(frame.reason.contains("65536"), "{}", frame.reason);
    subscribers_become(&app, &id, 0).await;
}

async fn expect_heard(heard: &mut tokio::sync::mpsc::UnboundedReceiver<i64>, seq: i64) {
    let got = tokio::time::timeout(WAIT, heard.recv()).await.unwrap();
    assert_eq!(got, Some(seq), "the reader has every event, in order");
}

#[actix_web::test]
async fn a_watcher_that_never_reads_is_dropped_while_another_gets_everything() {
    let app = spawn_app_with(Options {
        hall: Some(LiveSettings {
            queue_capacity: 8,
            client_timeout: StdDuration::from_secs(300),
            replay_batch: 16,
            ..LiveSettings::default()
        }),
        ..Default::default()
    })
    .await;
    let (_, id) = app.published_tender().await;
    let tender = TenderId::parse(&id).unwrap();

    // The slow watcher: a small receive buffer, and it does not read.
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.set_recv_buffer_size(4096).unwrap();
    let addr = app.base.trim_start_matches("http://").parse().unwrap();
    let stream = socket.connect(addr).await.unwrap();
    let (mut slow, _) = tokio_tungstenite::client_async(live_url(&app, &id, None), stream)
        .await
        .expect("the slow watcher connects");

    // The reader reads all the time, in a task of its own.
    let mut reader = watch(&app, &id, None).await;
    let (seen, mut heard) = tokio::sync::mpsc::unbounded_channel::<i64>();
    let reading = actix_web::rt::spawn(async move {
        loop {
            let message = next_json(&mut reader).await;
            if message["type"] == "event" {
                let _ = seen.send(message["seq"].as_i64().unwrap());
            }
        }
    });
    expect_heard(&mut heard, 1).await;
    assert_eq!(app.hall.hub.subscribers(&id), 2);

    // Events with bulky payloads, through the API other modules use, until
    // the slow watcher's queue overflows.
    let filler = "开标记录".repeat(2048);
    let mut last = 1;
    let publish = |n: i64| {
        let tender = tender.clone();
        let filler = filler.clone();
        let now = app.now();
        ggzy::hall::write_then_publish(&app.db, &app.hall.hub, move |conn| {
            ggzy::tenders::store::lock(conn, &tender)?;
            let event = ggzy::hall::store::append(
                conn,
                &tender,
                "test.reading",
                &json!({"n": n, "filler": filler}),
                now,
            )?;
            Ok(((), vec![event]))
        })
    };
    while app.hall.hub.subscribers(&id) == 2 {
        assert!(last < 3000, "the slow watcher was never dropped");
        publish(last).await.unwrap();
        last += 1;
        expect_heard(&mut heard, last).await;
    }
    assert_eq!(app.hall.hub.dropped_total(), 1);
    // The other watcher is not held up.
    for _ in 0..5 {
        publish(last).await.unwrap();
        last += 1;
        expect_heard(&mut heard, last).await;
    }

    // The slow watcher, reading at last: what it had, in order, without a
    // gap, then a close that says why and where to resume.
    let (replayed, _) = until_live(&mut slow).await;
    let mut got = seqs(&replayed);
    let frame = loop {
        match next(&mut slow).await {
            Message::Text(text) => {
                let message: Value = serde_json::from_str(&text).unwrap();
                got.push(message["seq"].as_i64().unwrap());
            }
            Message::Close(Some(frame)) => break frame,
            other => panic!("unexpected {other:?}"),
        }
    };
    let k = *got.last().unwrap();
    assert_eq!(got, (1..=k).collect::<Vec<_>>());
    assert!(k < last, "it was dropped before the end");
    assert_eq!(frame.code, CloseCode::Again);
    assert!(
        frame.reason.contains(&format!("after={k}")),
        "{}",
        frame.reason
    );
    // Reconnecting from there gives the rest.
    let mut again = watch(&app, &id, Some(k)).await;
    let (rest, live) = until_live(&mut again).await;
    assert_eq!(seqs(&rest), ((k + 1)..=last).collect::<Vec<_>>());
    assert_eq!(live, last);
    // A newcomer replays it all, across many database reads.
    let mut newcomer = watch(&app, &id, None).await;
    let (all, live) = until_live(&mut newcomer).await;
    assert_eq!(seqs(&all), (1..=last).collect::<Vec<_>>());
    assert_eq!(live, last);
    reading.abort();
}

/// A client connection whose writes can be muted after the handshake: it
/// hears the server but never answers, not even the pongs tungstenite sends
/// by itself.
struct Muted {
    inner: tokio::net::TcpStream,
    muted: bool,
}

impl AsyncRead for Muted {
    fn poll_read(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &mut tokio::io::ReadBuf<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::pin::Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl AsyncWrite for Muted {
    fn poll_write(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &[u8],
    ) -> std::task::Poll<std::io::Result<usize>> {
        if self.muted {
            return std::task::Poll::Ready(Ok(buf.len()));
        }
        std::pin::Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_flush(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::pin::Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::pin::Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

#[actix_web::test]
async fn heartbeats_keep_a_reader_and_a_silent_client_is_closed() {
    let app = spawn_app_with(Options {
        hall: Some(LiveSettings {
            heartbeat: StdDuration::from_millis(100),
            client_timeout: StdDuration::from_millis(600),
            ..LiveSettings::default()
        }),
        ..Default::default()
    })
    .await;
    let (_, id) = app.published_tender().await;
    let stream = tokio::net::TcpStream::connect(app.base.trim_start_matches("http://"))
        .await
        .unwrap();
    let muted = Muted {
        inner: stream,
        muted: false,
    };
    let (mut silent, _) = tokio_tungstenite::client_async(live_url(&app, &id, None), muted)
        .await
        .expect("the silent client connects");
    silent.get_mut().muted = true;
    let mut reader = watch(&app, &id, None).await;
    // The reader answers pings (tungstenite does, while reading).
    let mut pings = 0;
    let until = tokio::time::Instant::now() + StdDuration::from_millis(1500);
    while let Ok(frame) = tokio::time::timeout_at(until, reader.next()).await {
        match frame.expect("open").expect("frame") {
            Message::Ping(_) => pings += 1,
            Message::Text(_) => {}
            other => panic!("the reader got {other:?}"),
        }
    }
    assert!(pings >= 5, "{pings} pings");
    // The silent one was pinged, then closed with the reason.
    assert_eq!(until_live(&mut silent).await.1, 1);
    let mut silent_pings = 0;
    let frame = loop {
        match tokio::time::timeout(WAIT, silent.next()).await.unwrap() {
            Some(Ok(Message::Ping(_))) => silent_pings += 1,
            Some(Ok(Message::Close(Some(frame)))) => break frame,
            other => panic!("unexpected {other:?}"),
        }
    };
    assert!(silent_pings >= 3, "{silent_pings} pings before the close");
    assert_eq!(frame.code, CloseCode::Policy);
    assert!(frame.reason.contains("after=1"), "{}", frame.reason);
    assert_eq!(app.hall.hub.subscribers(&id), 1, "only the reader");
}

#[actix_web::test]
async fn a_draft_hall_is_refused_to_the_public_before_the_upgrade() {
    let app = spawn_app().await;
    app.leagues();
    let tenderer = app.user("采购科", Role::Tenderer, "NNG", "南宁市教育局");
    let id = app.create_draft(&tenderer, "智慧教室设备采购").await;
    let refused = connect(&app, &id, None, None).await.expect_err("refused");
    let tungstenite::Error::Http(response) = refused else {
        panic!("expected an HTTP refusal, got {refused:?}");
    };
    assert_eq!(response.status(), 404);
    assert_eq!(
        response.headers()["content-type"],
        "application/problem+json"
    );
    let problem: Value = serde_json::from_slice(response.body().as_deref().unwrap()).unwrap();
    assert_eq!(problem["code"], "not-found");
    app.get(&format!("/api/v1/tenders/{id}/hall/events"), None)
        .await
        .assert_problem(404, "not-found");
    let bidder = app.user("投标人", Role::Bidder, "NNG", "广西某科技有限公司");
    let refused = connect(&app, &id, None, Some(&bidder))
        .await
        .expect_err("refused");
    assert!(matches!(refused, tungstenite::Error::Http(r) if r.status() == 404));
    let refused = connect(&app, &id, None, Some("not-a-token"))
        .await
        .expect_err("refused");
    assert!(matches!(refused, tungstenite::Error::Http(r) if r.status() == 401));
    assert_eq!(app.hall.hub.subscribers(&id), 0);

    // Those who manage it may watch it; publishing opens it to all.
    let mut manager = connect(&app, &id, None, Some(&tenderer)).await.unwrap();
    assert_eq!(until_live(&mut manager).await, (vec![], 0));
    act_ok(&app, &tenderer, &id, "publish").await;
    assert_eq!(next_event(&mut manager).await["payload"]["to"], "published");
    let mut public = watch(&app, &id, None).await;
    assert_eq!(until_live(&mut public).await.1, 1);
}

/// A GET over a plain socket: (head, lower case; body).
async fn raw_get(app: &TestApp, path: &str) -> (String, String) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let host = app.base.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(host).await.unwrap();
    let request = format!("GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut response = String::new();
    tokio::time::timeout(WAIT, stream.read_to_string(&mut response))
        .await
        .unwrap()
        .unwrap();
    let (head, body) = response.split_once("\r\n\r\n").unwrap();
    (head.to_lowercase(), body.to_string())
}

#[actix_web::test]
async fn the_live_route_refuses_what_is_not_a_websocket_handshake() {
    let app = spawn_app().await;
    let (tenderer, id) = app.published_tender().await;
    let live = format!("/api/v1/tenders/{id}/hall/live");
    // 426 names the protocol in `Upgrade` (and actix adds `Connection:
    // upgrade`, which makes awc skip the body): read it with a plain socket.
    let (head, body) = raw_get(&app, &live).await;
    assert!(head.starts_with("http/1.1 426"), "{head}");
    assert!(head.contains("upgrade: websocket"), "{head}");
    assert!(
        head.contains("content-type: application/problem+json"),
        "{head}"
    );
    let problem: Value = serde_json::from_str(&body).expect("a problem");
    assert_eq!(problem["code"], "upgrade-required");
    assert_eq!(problem["status"], 426);
    assert_eq!(problem["reason"], "live.websocket-only", "{problem}");
    crate::helpers::assert_says_why(426, Some("application/problem+json"), body.as_bytes());
    app.get(&format!("{live}?after=-1"), None)
        .await
        .assert_problem(400, "invalid-query");
    app.get(&format!("{live}?from=1"), None)
        .await
        .assert_problem(400, "invalid-query");
    let nobody = uuid::Uuid::new_v4();
    app.get(&format!("/api/v1/tenders/{nobody}/hall/live"), None)
        .await
        .assert_problem(404, "not-found");
    app.get("/api/v1/tenders/not-an-id/hall/live", None)
        .await
        .assert_problem(404, "not-found");
    let r = app.post_json(&live, None, &json!({})).await;
    r.assert_problem(405, "method-not-allowed");
    // Refused transitions leave the hall as it was.
    let before = app.count("hall_events");
    app.act(&tenderer, &id, "start_opening", "")
        .await
        .assert_problem(422, "time-limit");
    assert_eq!(app.count("hall_events"), before);
}

#[actix_web::test]
async fn appends_are_numbered_without_gaps_under_concurrency() {
    let app = spawn_app().await;
    let (_, id) = app.published_tender().await;
    let tender = TenderId::parse(&id).unwrap();
    let append = |db: ggzy::db::Db, tender: TenderId, lock: bool| {
        std::thread::spawn(move || {
            (0..10)
                .map(|i| {
                    db.write_blocking(|conn| {
                        if lock {
                            ggzy::tenders::store::lock(conn, &tender)?;
                        }
                        ggzy::hall::store::append(
                            conn,
                            &tender,
                            "test.concurrent",
                            &json!({"i": i}),
                            chrono::Utc::now(),
                        )
                    })
                })
                .collect::<Vec<_>>()
        })
    };
    let all = |app: &TestApp| {
        let tender = tender.clone();
        app.db
            .write_blocking(move |conn| ggzy::hall::store::events_since(conn, &tender, 0, 500))
    };
    // With the tender's lock (the documented precondition): all succeed.
    let threads: Vec<_> = (0..6)
        .map(|_| append(app.db.clone(), tender.clone(), true))
        .collect();
    for t in threads {
        for result in t.join().unwrap() {
            result.expect("an append under the lock succeeds");
        }
    }
    let numbers: Vec<i64> = all(&app).unwrap().iter().map(|e| e.seq).collect();
    assert_eq!(numbers, (1..=61).collect::<Vec<_>>());
    // Without it, a clash is refused, never stored twice or with a gap.
    let threads: Vec<_> = (0..6)
        .map(|_| append(app.db.clone(), tender.clone(), false))
        .collect();
    let mut stored = 0;
    for t in threads {
        for result in t.join().unwrap() {
            match result {
                Ok(_) => stored += 1,
                Err(e) if matches!(e.base(), ggzy::AppError::Conflict(_)) => {}
                Err(other) => panic!("unexpected {other:?}"),
            }
        }
    }
    let numbers: Vec<i64> = all(&app).unwrap().iter().map(|e| e.seq).collect();
    assert_eq!(numbers, (1..=61 + stored).collect::<Vec<_>>());
}

#[actix_web::test]
async fn a_drafts_hall_closes_for_a_manager_disabled_since_and_stays_open_on_a_published_one() {
    let app = spawn_app_with(Options {
        hall: Some(LiveSettings {
            heartbeat: StdDuration::from_millis(100),
            client_timeout: StdDuration::from_secs(30),
            ..LiveSettings::default()
        }),
        ..Default::default()
    })
    .await;
    app.leagues();
    let tenderer = app.user("采购科", Role::Tenderer, "NNG", "南宁市教育局");
    let draft = app.create_draft(&tenderer, "草稿大厅").await;
    let published = app.create_draft(&tenderer, "公开大厅").await;
    act_ok(&app, &tenderer, &published, "publish").await;
    let mut on_draft = connect(&app, &draft, None, Some(&tenderer)).await.unwrap();
    until_live(&mut on_draft).await;
    let mut on_published = connect(&app, &published, None, Some(&tenderer))
        .await
        .unwrap();
    until_live(&mut on_published).await;
    let me = app.get("/api/v1/me", Some(&tenderer)).await.json()["user_id"]
        .as_str()
        .unwrap()
        .to_string();
    let platform = app.platform_operator("平台运营");
    app.post_json(
        &format!("/api/v1/users/{me}/disable"),
        Some(&platform),
        &json!({"reason": "离职"}),
    )
    .await
    .assert_status(200);
    let frame = close_frame(&mut on_draft).await;
    assert_eq!(frame.code, CloseCode::Policy, "{frame:?}");
    // The published tender's hall is anyone's: that socket stays.
    let still = tokio::time::timeout(StdDuration::from_millis(500), next(&mut on_published)).await;
    assert!(
        still.is_err(),
        "the published hall's socket stays open: {still:?}"
    );
}
