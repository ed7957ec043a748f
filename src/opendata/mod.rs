//! Open data: every published notice becomes an OCDS 1.1 release, stored
//! when it is published; packages and compiled records are served from those.
//! From the completed opening record on, releases carry the bids it opened
//! (`opening` reads it, `ocds::bids` maps it).

pub mod ocds;
pub mod opening;
pub mod routes;

/// What the OCDS output needs from the configuration.
#[derive(Debug, Clone)]
pub struct OcdsSettings {
    pub ocid_prefix: String,
    pub public_url: String,
    pub publisher_name: String,
}

impl OcdsSettings {
    pub fn ocid(&self, tender_id: &str) -> String {
        format!("{}-{}", self.ocid_prefix, tender_id)
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.public_url.trim_end_matches('/'), path)
    }
}
