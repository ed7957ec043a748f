//! Request metrics in the Prometheus text exposition format.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::Mutex;
use std::time::Duration;

const BUCKETS: [f64; 10] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0];

#[derive(Default)]
struct Series {
    count: u64,
    sum_seconds: f64,
    buckets: [u64; BUCKETS.len()],
}

/// Counters and latency histograms per (method, route template, status).
#[derive(Default)]
pub struct Metrics {
    series: Mutex<BTreeMap<(String, String, u16), Series>>,
}

/// The label the metrics give a route. Requests about bids (submissions,
/// upload sessions, receipts, withdrawals) are counted together, whatever
/// their method, route and status: per-route counts of accepted bids would
/// tell anyone who reads `/metrics` how many bids came in, and when, before
/// any opening.
fn label(method: &str, route: &str, status: u16) -> (String, String, u16) {
    let about_bids = route.contains("/bid-uploads")
        || route.starts_with("/api/v1/bids/")
        || route.ends_with("/bids");
    if about_bids {
        ("ANY".into(), "/api/v1/(bids, sealed)".into(), 0)
    } else {
        (method.to_string(), route.to_string(), status)
    }
}

impl Metrics {
    pub fn observe(&self, method: &str, route: &str, status: u16, elapsed: Duration) {
        let seconds = elapsed.as_secs_f64();
        let mut series = self.series.lock().unwrap_or_else(|p| p.into_inner());
        let entry = series.entry(label(method, route, status)).or_default();
        entry.count += 1;
        entry.sum_seconds += seconds;
        for (i, bound) in BUCKETS.iter().enumerate() {
            if seconds <= *bound {
                entry.buckets[i] += 1;
            }
        }
    }

    /// Renders every series; `extra` lines (gauges computed at scrape time)
    /// are appended as given.
    pub fn render(&self, extra: &[(&str, &str, f64)]) -> String {
        let series = self.series.lock().unwrap_or_else(|p| p.into_inner());
        let mut out = String::new();
        out.push_str("# HELP ggzy_http_requests_total HTTP requests handled.\n");
        out.push_str("# TYPE ggzy_http_requests_total counter\n");
        for ((method, route, status), s) in series.iter() {
            let _ = writeln!(
                out,
                "ggzy_http_requests_total{{method=\"{}\",route=\"{}\",status=\"{status}\"}} {}",
                escape(method),
                escape(route),
                s.count
            );
        }
        out.push_str("# HELP ggzy_http_request_duration_seconds Time to handle a request.\n");
        out.push_str("# TYPE ggzy_http_request_duration_seconds histogram\n");
        let mut merged: BTreeMap<(&str, &str), Series> = BTreeMap::new();
        for ((method, route, _), s) in series.iter() {
            let m = merged.entry((method, route)).or_default();
            m.count += s.count;
            m.sum_seconds += s.sum_seconds;
            for (i, b) in s.buckets.iter().enumerate() {
                m.buckets[i] += b;
            }
        }
        for ((method, route), s) in merged {
            let labels = format!("method=\"{}\",route=\"{}\"", escape(method), escape(route));
            for (i, bound) in BUCKETS.iter().enumerate() {
                let _ = writeln!(
                    out,
                    "ggzy_http_request_duration_seconds_bucket{{{labels},le=\"{bound}\"}} {}",
                    s.buckets[i]
                );
            }
            let _ = writeln!(
                out,
                "ggzy_http_request_duration_seconds_bucket{{{labels},le=\"+Inf\"}} {}",
                s.count
            );
            let _ = writeln!(
                out,
                "ggzy_http_request_duration_seconds_sum{{{labels}}} {}",
                s.sum_seconds
            );
            let _ = writeln!(
                out,
                "ggzy_http_request_duration_seconds_count{{{labels}}} {}",
                s.count
            );
        }
        for (name, help, value) in extra {
            let kind = if name.ends_with("_total") {
                "counter"
            } else {
                "gauge"
            };
            let _ = writeln!(
                out,
                "# HELP {name} {help}\n# TYPE {name} {kind}\n{name} {value}"
            );
        }
        out
    }
}

/// One route's requests, for the JSON form (`/metrics` asked for
/// `application/json`): how many, with which statuses, and how long.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct RouteFigures {
    pub method: String,
    pub route: String,
    /// Requests per status (`"0"`: the bids' routes, counted together).
    pub statuses: BTreeMap<String, u64>,
    pub count: u64,
    pub sum_seconds: f64,
}

impl Metrics {
    /// Every route's figures, the statuses of a route together.
    pub fn routes(&self) -> Vec<RouteFigures> {
        let series = self.series.lock().unwrap_or_else(|p| p.into_inner());
        let mut out: BTreeMap<(String, String), RouteFigures> = BTreeMap::new();
        for ((method, route, status), s) in series.iter() {
            let r = out
                .entry((method.clone(), route.clone()))
                .or_insert_with(|| RouteFigures {
                    method: method.clone(),
                    route: route.clone(),
                    statuses: BTreeMap::new(),
                    count: 0,
                    sum_seconds: 0.0,
                });
            *r.statuses.entry(status.to_string()).or_default() += s.count;
            r.count += s.count;
            r.sum_seconds += s.sum_seconds;
        }
        out.into_values().collect()
    }
}

fn escape(label: &str) -> String {
    label
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bids_are_counted_together_whatever_their_outcome() {
        let m = Metrics::default();
        let t = Duration::from_millis(3);
        m.observe("POST", "/api/v1/tenders/{id}/bids", 201, t);
        m.observe("PATCH", "/api/v1/bid-uploads/{upload}", 204, t);
        m.observe("GET", "/api/v1/bids/{bid}/receipt", 404, t);
        m.observe("GET", "/api/v1/tenders", 200, t);
        let text = m.render(&[]);
        assert!(!text.contains("/bids\",status=\"201\""), "{text}");
        assert!(
            text.contains(
                "ggzy_http_requests_total{method=\"ANY\",route=\"/api/v1/(bids, sealed)\",status=\"0\"} 3"
            ),
            "{text}"
        );
        assert!(text.contains("route=\"/api/v1/tenders\",status=\"200\"} 1"));
    }

    #[test]
    fn routes_gather_their_statuses_and_bids_stay_together() {
        let m = Metrics::default();
        let t = Duration::from_millis(3);
        m.observe("GET", "/api/v1/tenders", 200, t);
        m.observe("GET", "/api/v1/tenders", 400, t);
        m.observe("POST", "/api/v1/tenders/{id}/bids", 201, t);
        let routes = m.routes();
        let tenders = routes
            .iter()
            .find(|r| r.route == "/api/v1/tenders")
            .unwrap();
        assert_eq!(tenders.count, 2);
        assert_eq!(tenders.statuses.get("400"), Some(&1));
        assert!(routes.iter().all(|r| !r.route.ends_with("/bids")));
    }

    #[test]
    fn renders_counts_and_buckets() {
        let m = Metrics::default();
        m.observe("GET", "/api/v1/tenders", 200, Duration::from_millis(3));
        m.observe("GET", "/api/v1/tenders", 200, Duration::from_millis(300));
        let text = m.render(&[("ggzy_up", "Up.", 1.0)]);
        assert!(text.contains(
            "ggzy_http_requests_total{method=\"GET\",route=\"/api/v1/tenders\",status=\"200\"} 2"
        ));
        assert!(text.contains("le=\"0.005\"} 1"));
        assert!(text.contains("le=\"0.5\"} 2"));
        assert!(text.contains("ggzy_up 1"));
    }
}
