//! The audit context of an HTTP request: who acts, from where, when.

use super::{AuditContext, device_of};
use crate::error::AppError;
use crate::identity::Principal;

impl actix_web::FromRequest for AuditContext {
    type Error = actix_web::Error;
    type Future = std::future::Ready<Result<Self, Self::Error>>;

    fn from_request(req: &actix_web::HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        use actix_web::HttpMessage;
        let state = req.app_data::<actix_web::web::Data<crate::app::AppState>>();
        let Some(state) = state else {
            return std::future::ready(Err(AppError::Internal(anyhow::anyhow!(
                "application state missing"
            ))
            .into()));
        };
        let extensions = req.extensions();
        let principal = extensions
            .get::<Principal>()
            .cloned()
            .unwrap_or_else(Principal::public);
        let request_id = extensions
            .get::<crate::http::RequestId>()
            .map(|r| r.0.clone());
        let client_addr = req.peer_addr().map(|a| a.ip().to_string());
        // Only bid submission uses it, and refuses a malformed one there.
        let device = device_of(req).ok().flatten();
        std::future::ready(Ok(AuditContext {
            principal,
            role: None,
            client_addr,
            device,
            request_id,
            now: state.clock.now(),
        }))
    }
}
