//! Remote evaluation rooms: one live room per tender, where the committee,
//! sitting at the main and secondary venues, declares, elects a chair,
//! scores, asks bidders to clarify and signs the report, while supervisors
//! watch every event.
//!
//! `room` is the pure procedure (state = fold of events; actions decided
//! against it), `store` persists events before they are broadcast and
//! rebuilds rooms after a restart, `live` is one member's or watcher's
//! socket (the hall's live machinery, with actions), `report` renders the
//! evaluation report, `disclosure` is what the public reads of it after
//! the result, `routes` is the HTTP shell. `qualification` is the
//! purchaser's qualification review that comes before the room in
//! government procurement tendering (87号令 第44条).

pub mod disclosure;
pub mod live;
pub mod outcome;
pub mod qualification;
pub mod report;
pub mod room;
pub mod routes;
pub mod store;

use crate::hall::LiveSettings;
use crate::hall::hub::Hub;

/// The rooms' shared state: the hub their events fan out through, the
/// rooms' states kept between actions, and the sockets' settings.
#[derive(Clone)]
pub struct Rooms {
    pub hub: Hub<store::RoomEvent>,
    pub states: store::States,
    pub settings: LiveSettings,
}

impl Rooms {
    pub fn new(settings: LiveSettings) -> Self {
        Rooms {
            hub: Hub::new(settings.queue_capacity),
            states: store::States::default(),
            settings,
        }
    }
}

impl Rooms {
    /// The rooms' relay on the cluster's bus: another node's room events
    /// reach this node's members and watchers.
    pub fn relay(&self, db: &crate::db::Db) -> crate::cluster::bus::HubRelay<store::RoomEvent> {
        crate::cluster::bus::HubRelay {
            db: db.clone(),
            hub: self.hub.clone(),
            load: store::events_since,
            last: store::last_seq,
        }
    }
}

impl Default for Rooms {
    fn default() -> Self {
        Rooms::new(LiveSettings::default())
    }
}
