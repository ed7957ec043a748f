//! The web UI: the files in frontend/ are compiled into the binary, so the
//! platform runs with no separate build step and no network.

use actix_web::{HttpResponse, get};

const INDEX_HTML: &str = include_str!("../frontend/index.html");
const APP_JS: &str = include_str!("../frontend/app.js");
const STYLE_CSS: &str = include_str!("../frontend/style.css");
const SHARE_JS: &str = include_str!("../frontend/share.js");
const AUDITLOG_JS: &str = include_str!("../frontend/auditlog.js");

fn asset(content_type: &str, body: &'static str) -> HttpResponse {
    HttpResponse::Ok()
        .content_type(content_type)
        .insert_header(("Cache-Control", "no-cache"))
        .insert_header(("X-Content-Type-Options", "nosniff"))
        .body(body)
}

/// The public notice board.
#[utoipa::path(tag = "frontend", responses((status = 200, content_type = "text/html", body = String)))]
#[get("/")]
pub async fn index() -> HttpResponse {
    asset("text/html; charset=utf-8", INDEX_HTML)
}

/// The notice board's script.
#[utoipa::path(tag = "frontend", responses((status = 200, content_type = "text/javascript", body = String)))]
#[get("/assets/app.js")]
pub async fn app_js() -> HttpResponse {
    asset("text/javascript; charset=utf-8", APP_JS)
}

/// Releasing an opening-key share in the browser: the custodian's key is
/// read, and the share decrypted, with the browser's WebCrypto.
#[utoipa::path(tag = "frontend", responses((status = 200, content_type = "text/javascript", body = String)))]
#[get("/assets/share.js")]
pub async fn share_js() -> HttpResponse {
    asset("text/javascript; charset=utf-8", SHARE_JS)
}

/// Verifying the audit log in the browser: checkpoints, proofs and entries
/// checked with the browser's WebCrypto, as `ggzy audit verify` does.
#[utoipa::path(tag = "frontend", responses((status = 200, content_type = "text/javascript", body = String)))]
#[get("/assets/auditlog.js")]
pub async fn auditlog_js() -> HttpResponse {
    asset("text/javascript; charset=utf-8", AUDITLOG_JS)
}

/// The notice board's style sheet.
#[utoipa::path(tag = "frontend", responses((status = 200, content_type = "text/css", body = String)))]
#[get("/assets/style.css")]
pub async fn style_css() -> HttpResponse {
    asset("text/css; charset=utf-8", STYLE_CSS)
}
