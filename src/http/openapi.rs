//! What the OpenAPI document says about the whole API, beyond what each
//! handler declares: errors as RFC 9457 problems, and which methods each
//! path answers (for 405 responses).

use utoipa::openapi::path::Operation;
use utoipa::openapi::{Content, OpenApi, PathItem, Ref, RefOr, Response};

const PROBLEM_JSON: &str = "application/problem+json";

fn operations(item: &mut PathItem) -> impl Iterator<Item = &mut Operation> {
    [
        &mut item.get,
        &mut item.put,
        &mut item.post,
        &mut item.delete,
        &mut item.patch,
        &mut item.head,
    ]
    .into_iter()
    .filter_map(Option::as_mut)
}

/// Every error response is documented as `application/problem+json`, and
/// every operation gets a `default` response for the errors any request can
/// meet (a bad token, an unknown id, an oversized or malformed body).
pub fn document_problems(api: &mut OpenApi) {
    for item in api.paths.paths.values_mut() {
        for op in operations(item) {
            for (status, response) in op.responses.responses.iter_mut() {
                if let RefOr::T(response) = response
                    && (status.starts_with('4') || status.starts_with('5'))
                    && let Some(content) = response.content.shift_remove("application/json")
                {
                    response.content.insert(PROBLEM_JSON.into(), content);
                }
            }
            let mut default =
                Response::new("Any other error, as RFC 9457 problem details (codes at /problems)");
            default.content.insert(
                PROBLEM_JSON.into(),
                Content::new(Some(RefOr::Ref(Ref::from_schema_name("Problem")))),
            );
            op.responses
                .responses
                .entry("default".into())
                .or_insert(RefOr::T(default));
        }
    }
}

/// The documented paths and their methods, to tell a wrong method (405)
/// from a wrong path (404).
#[derive(Debug, Default)]
pub struct RouteIndex {
    routes: Vec<(Vec<String>, Vec<&'static str>)>,
}

impl RouteIndex {
    pub fn from_api(api: &OpenApi) -> RouteIndex {
        let routes = api
            .paths
            .paths
            .iter()
            .map(|(path, item)| {
                let segments = path.split('/').map(str::to_string).collect();
                let methods = [
                    ("GET", item.get.is_some()),
                    ("PUT", item.put.is_some()),
                    ("POST", item.post.is_some()),
                    ("DELETE", item.delete.is_some()),
                    ("PATCH", item.patch.is_some()),
                ]
                .into_iter()
                .filter_map(|(m, present)| present.then_some(m))
                .collect();
                (segments, methods)
            })
            .collect();
        RouteIndex { routes }
    }

    /// Whether `method` on `path` is a documented operation.
    pub fn answers(&self, path: &str, method: &str) -> bool {
        let wanted: Vec<&str> = path.split('/').collect();
        self.routes.iter().any(|(segments, methods)| {
            methods.contains(&method)
                && segments.len() == wanted.len()
                && segments
                    .iter()
                    .zip(&wanted)
                    .all(|(s, w)| s == w || (s.starts_with('{') && !w.is_empty()))
        })
    }

    /// The methods `path` answers, if it is a documented path.
    pub fn allowed(&self, path: &str) -> Option<&[&'static str]> {
        let wanted: Vec<&str> = path.split('/').collect();
        self.routes
            .iter()
            .find(|(segments, _)| {
                segments.len() == wanted.len()
                    && segments
                        .iter()
                        .zip(&wanted)
                        .all(|(s, w)| s == w || (s.starts_with('{') && !w.is_empty()))
            })
            .map(|(_, methods)| methods.as_slice())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use utoipa::openapi::path::{HttpMethod, OperationBuilder, PathItem as Item, PathsBuilder};

    #[test]
    fn wrong_methods_are_told_apart_from_wrong_paths() {
        let mut api = OpenApi::default();
        api.paths = PathsBuilder::new()
            .path(
                "/api/v1/tenders/{id}",
                Item::new(HttpMethod::Get, OperationBuilder::new().build()),
            )
            .path(
                "/healthz",
                Item::new(HttpMethod::Get, OperationBuilder::new().build()),
            )
            .build();
        let index = RouteIndex::from_api(&api);
        assert_eq!(index.allowed("/api/v1/tenders/abc"), Some(&["GET"][..]));
        assert_eq!(index.allowed("/api/v1/tenders/"), None);
        assert_eq!(index.allowed("/api/v1/tenders/abc/x"), None);
        assert_eq!(index.allowed("/nothing"), None);
        assert!(index.answers("/api/v1/tenders/abc", "GET"));
        assert!(!index.answers("/api/v1/tenders/abc", "POST"));
        assert!(!index.answers("/nothing", "GET"));
        document_problems(&mut api);
        let doc = serde_json::to_value(&api).unwrap();
        assert!(
            doc["paths"]["/healthz"]["get"]["responses"]["default"]["content"][PROBLEM_JSON]
                .is_object()
        );
    }
}
