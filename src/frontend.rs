//! The portal: the Vue application built into frontend/dist (committed, and
//! rebuilt and compared by CI) is compiled into the binary by build.rs, so
//! the platform serves its whole web interface with no separate build step,
//! no Node.js and no network at run time.
//!
//! `/` is the application's page: never cached without revalidation, with a
//! content security policy that allows this origin's scripts only (nothing
//! from a CDN; no inline script, no eval). Everything under `/assets/` is
//! named by a hash of its content, so it is cached for a year. Files are sent
//! gzipped to a browser that accepts it (compressed once, on first use).

use std::sync::OnceLock;

use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, get, web};

use crate::error::AppError;

mod files {
    include!(concat!(env!("OUT_DIR"), "/portal.rs"));
}

/// What a browser may load on the portal's page: this origin only. Element
/// Plus sets style attributes from script, hence 'unsafe-inline' for styles
/// (never for scripts). Documents opened in the page are blob: frames.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; \
     style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; font-src 'self' data:; \
     connect-src 'self'; frame-src 'self' blob:; worker-src 'self' blob:; object-src 'none'; \
     base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

struct Served {
    media_type: &'static str,
    raw: &'static [u8],
    gzip: OnceLock<Option<Vec<u8>>>,
    etag: String,
}

fn table() -> &'static [(&'static str, Served)] {
    static TABLE: OnceLock<Vec<(&'static str, Served)>> = OnceLock::new();
    TABLE.get_or_init(|| {
        files::FILES
            .iter()
            .map(|(path, media_type, raw)| {
                let digest = openssl::sha::sha256(raw);
                let etag = format!(
                    "\"{}\"",
                    digest[..12]
                        .iter()
                        .map(|b| format!("{b:02x}"))
                        .collect::<String>()
                );
                (
                    *path,
                    Served {
                        media_type,
                        raw,
                        gzip: OnceLock::new(),
                        etag,
                    },
                )
            })
            .collect()
    })
}

fn find(path: &str) -> Option<&'static Served> {
    table().iter().find(|(p, _)| *p == path).map(|(_, s)| s)
}

/// The gzip form when it is smaller by enough to matter.
fn gzipped(file: &Served) -> Option<&[u8]> {
    file.gzip
        .get_or_init(|| {
            use std::io::Write as _;
            if file.raw.len() < 1024 || file.media_type.starts_with("image/png") {
                return None;
            }
            let mut encoder =
                flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
            encoder.write_all(file.raw).ok()?;
            let out = encoder.finish().ok()?;
            (out.len() + 256 < file.raw.len()).then_some(out)
        })
        .as_deref()
}

fn accepts_gzip(req: &HttpRequest) -> bool {
    req.headers()
        .get_all(header::ACCEPT_ENCODING)
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|enc| {
            let mut parts = enc.trim().split(';');
            let name = parts.next().unwrap_or("").trim();
            let refused = parts.any(|p| {
                let p = p.trim().replace(' ', "");
                p == "q=0" || p == "q=0.0" || p == "q=0.00" || p == "q=0.000"
            });
            (name.eq_ignore_ascii_case("gzip") || name == "*") && !refused
        })
}

fn send(req: &HttpRequest, file: &'static Served, cache_control: &'static str) -> HttpResponse {
    let matches = req
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.split(',')
                .any(|t| t.trim() == file.etag || t.trim() == "*")
        });
    let mut response = if matches {
        HttpResponse::NotModified()
    } else {
        HttpResponse::Ok()
    };
    response
        .insert_header((header::CACHE_CONTROL, cache_control))
        .insert_header((header::ETAG, file.etag.as_str()))
        .insert_header((header::VARY, "Accept-Encoding"))
        .insert_header(("X-Content-Type-Options", "nosniff"));
    if file.media_type.starts_with("text/html") {
        response
            .insert_header(("Content-Security-Policy", CONTENT_SECURITY_POLICY))
            .insert_header(("Referrer-Policy", "same-origin"))
            .insert_header(("X-Frame-Options", "DENY"));
    }
    if matches {
        return response.finish();
    }
    response.insert_header((
        header::CONTENT_TYPE,
        HeaderValue::from_static(file.media_type),
    ));
    match gzipped(file).filter(|_| accepts_gzip(req)) {
        Some(body) => response
            .insert_header((header::CONTENT_ENCODING, "gzip"))
            .body(body),
        None => response.body(file.raw),
    }
}

/// The portal (notice board, sign-in, the expert's and the supervisor's
/// pages): the application's page, which loads its scripts from `/assets/`.
#[utoipa::path(
    tag = "frontend",
    responses(
        (status = 200, content_type = "text/html", body = String),
        (status = 304, description = "The page is unchanged (If-None-Match)")
    )
)]
#[get("/")]
pub async fn index(req: HttpRequest) -> Result<HttpResponse, AppError> {
    let file = find("/index.html").ok_or_else(|| {
        AppError::Unavailable(
            "this build holds no portal: frontend/dist was empty when it was compiled".into(),
        )
    })?;
    Ok(send(&req, file, "no-cache"))
}

/// One of the portal's scripts, style sheets or images. Their names carry a
/// hash of their content, so they are cached for a year.
#[utoipa::path(
    tag = "frontend",
    params(("name" = String, Path, description = "The file's name under /assets/")),
    responses(
        (status = 200, content_type = "application/octet-stream", body = Vec<u8>),
        (status = 304, description = "Unchanged (If-None-Match)"),
        (status = 404, body = crate::error::Problem)
    )
)]
#[get("/assets/{name}")]
pub async fn asset(req: HttpRequest, name: web::Path<String>) -> Result<HttpResponse, AppError> {
    let name = name.into_inner();
    let file = find(&format!("/assets/{name}")).ok_or_else(|| {
        AppError::NotFound(format!("no portal file named {name:?}"))
            .because("http.no-resource", serde_json::json!({}))
    })?;
    Ok(send(&req, file, "public, max-age=31536000, immutable"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_built_portal_is_compiled_in_with_its_page_and_assets() {
        let page = find("/index.html").expect("frontend/dist/index.html is compiled in");
        let html = std::str::from_utf8(page.raw).expect("UTF-8");
        // Every script and style sheet the page names is served.
        let mut named = 0;
        for part in html.split('"') {
            if let Some(path) = part.strip_prefix("/assets/") {
                assert!(
                    find(&format!("/assets/{path}")).is_some(),
                    "{path} is named by index.html but not compiled in"
                );
                named += 1;
            }
        }
        assert!(named >= 2, "the page loads its script and its styles");
        assert!(
            !html.contains("http://") && !html.contains("https://"),
            "nothing from another origin"
        );
    }

    #[test]
    fn gzip_is_sent_only_to_who_accepts_it() {
        let req = |v: &str| {
            actix_web::test::TestRequest::default()
                .insert_header((header::ACCEPT_ENCODING, v))
                .to_http_request()
        };
        assert!(accepts_gzip(&req("gzip, deflate, br")));
        assert!(accepts_gzip(&req("br;q=1.0, gzip;q=0.8")));
        assert!(!accepts_gzip(&req("gzip;q=0")));
        assert!(!accepts_gzip(&req("identity")));
        assert!(accepts_gzip(&req("*")));
    }
}
