//! Identity endpoints.

use super::Principal;
use actix_web::{get, web};

/// The principal the request is made as (public when no token is sent).
#[utoipa::path(tag = "identity", responses((status = 200, body = Principal)))]
#[get("/me")]
pub async fn me(principal: Principal) -> web::Json<Principal> {
    web::Json(principal)
}
