//! The opening hall: each tender's live, ordered event stream.
//!
//! Every accepted action is persisted before it is broadcast: a module
//! appends its event with [`store::append`] inside the transaction of its
//! change (numbered per tender, 1, 2, 3, … without gaps), and publishes it
//! through the [`hub::Hub`] only after that transaction commits. Clients
//! watch over a WebSocket (`GET /api/v1/tenders/{id}/hall/live?after=N`) or
//! page through `GET /api/v1/tenders/{id}/hall/events?after=N`; a client
//! that reconnects resumes from its last number and loses nothing.
//!
//! `store` persists, `hub` fans out (bounded queues; a slow subscriber is
//! dropped, never waited for), `protocol` is the pure wire format, `live`
//! serves one socket, `routes` is the HTTP shell. The same pieces are meant
//! for the expert evaluation rooms.

pub mod hub;
pub mod live;
pub mod protocol;
pub mod routes;
pub mod store;

pub use live::LiveSettings;
pub use store::HallEvent;

use crate::db::{Db, DbConn, off_executor};
use crate::error::AppError;

/// The hall's shared state: the hub and the settings of live sockets.
#[derive(Clone)]
pub struct Hall {
    pub hub: hub::Hub<HallEvent>,
    pub settings: LiveSettings,
}

impl Hall {
    pub fn new(settings: LiveSettings) -> Self {
        Hall {
            hub: hub::Hub::new(settings.queue_capacity),
            settings,
        }
    }
}

impl Default for Hall {
    fn default() -> Self {
        Hall::new(LiveSettings::default())
    }
}

/// The hall's relay on the cluster's bus: another node's hall events reach
/// this node's watchers.
pub fn relay(db: &Db, hub: &hub::Hub<HallEvent>) -> crate::cluster::bus::HubRelay<HallEvent> {
    crate::cluster::bus::HubRelay {
        db: db.clone(),
        hub: hub.clone(),
        load: |conn, tender, after, limit| {
            store::events_since(
                conn,
                &crate::types::TenderId::from_db(tender.to_string()),
                after,
                limit,
            )
        },
        last: |conn, tender| {
            store::last_seq(conn, &crate::types::TenderId::from_db(tender.to_string()))
        },
    }
}

/// Runs `f` as one write transaction (as [`Db::write`] does) and, once it
/// has committed, publishes the hall events it returned. Both happen on the
/// blocking pool, so the publish is not lost if the request is abandoned
/// while the transaction runs. (Were it lost, live clients would still get
/// the events: from the database, at the next event or reconnection.)
pub async fn write_then_publish<T, E, F>(db: &Db, hub: &hub::Hub<E>, f: F) -> Result<T, AppError>
where
    T: Send + 'static,
    E: hub::Sequenced,
    F: FnOnce(&mut DbConn) -> Result<(T, Vec<E>), AppError> + Send + 'static,
{
    let db = db.clone();
    let hub = hub.clone();
    off_executor(move || {
        let (value, events) = db.write_blocking(f)?;
        for event in &events {
            hub.publish(event);
        }
        Ok(value)
    })
    .await
}
