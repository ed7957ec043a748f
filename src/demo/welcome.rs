//! The first screen of `ggzy serve`: the address to open and, where the
//! data folder holds the demo trust fabric, the demo accounts — role,
//! league, name and the two files that sign in as each in the portal's
//! certificate sign-in (the certificate `.cert.pem` and its unencrypted
//! private key `.key.pem`). Printed on standard output once the server
//! listens, apart from the logs (which go to standard error), so that it is
//! not buried under them.

use crate::db::DbConn;
use crate::db::schema::{user_identities, user_roles};
use crate::error::AppError;
use crate::pki::demo::{DemoKind, Manifest};
use diesel::prelude::*;
use std::path::{Path, PathBuf};

/// A demo account that signs in with certificate files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    /// The account's roles, comma-separated (`bidder` for an enterprise
    /// enrolled at its first sign-in).
    pub role: String,
    pub league: String,
    pub name: String,
    pub cert: PathBuf,
    pub key: PathBuf,
}

/// The demo accounts of the fabric in `dir` (`<data_dir>/pki-demo`) that
/// this database knows: each person and enterprise certificate not revoked,
/// with the roles of the account it signs in to. An enterprise without an
/// account is enrolled as a bidder at its first sign-in. Empty when `dir`
/// holds no manifest.
pub fn accounts(conn: &mut DbConn, dir: &Path) -> Result<Vec<Account>, AppError> {
    let Ok(bytes) = std::fs::read(dir.join("manifest.json")) else {
        return Ok(Vec::new());
    };
    let manifest: Manifest = serde_json::from_slice(&bytes)
        .map_err(|e| AppError::Internal(anyhow::anyhow!("{}: {e}", dir.display())))?;
    let mut out = Vec::new();
    for c in &manifest.certificates {
        let (kind, identifier) = match (c.kind, &c.credit_code, &c.id_number) {
            (DemoKind::Enterprise, Some(code), _) => ("enterprise", code),
            (DemoKind::Expert | DemoKind::Supervisor | DemoKind::Operator, _, Some(id)) => {
                ("person", id)
            }
            _ => continue,
        };
        if c.revoked {
            continue;
        }
        let user: Option<String> = user_identities::table
            .find((kind, identifier))
            .select(user_identities::user_id)
            .first(conn)
            .optional()?;
        let role = match user {
            Some(user) => {
                let mut roles: Vec<String> = user_roles::table
                    .filter(user_roles::user_id.eq(&user))
                    .select(user_roles::role)
                    .load(conn)?;
                roles.sort();
                roles.join(",")
            }
            None if kind == "enterprise" => "bidder".to_string(),
            None => continue,
        };
        out.push(Account {
            role,
            // The platform operator's account is of no league.
            league: if c.league.is_empty() {
                "-".to_string()
            } else {
                c.league.clone()
            },
            name: c.name.clone(),
            cert: dir.join(&c.cert),
            key: dir.join(&c.key),
        });
    }
    // The platform operator, supervisors and experts first, then
    // tenderers, agents and bidders.
    let rank = |role: &str| {
        [
            "operator",
            "supervisor",
            "expert",
            "tenderer",
            "agent",
            "bidder",
        ]
        .iter()
        .position(|r| role.starts_with(r))
        .unwrap_or(9)
    };
    out.sort_by(|a, b| {
        (rank(&a.role), &a.league, &a.cert).cmp(&(rank(&b.role), &b.league, &b.cert))
    });
    Ok(out)
}

/// The address a browser opens for a server listening on `listen` (its
/// configured address) at `port`: a wildcard address is reached on the
/// loopback interface.
pub fn url(listen: &str, port: u16, https: bool) -> String {
    let host = listen
        .rsplit_once(':')
        .map(|(h, _)| h)
        .unwrap_or(listen)
        .trim_matches(|c| c == '[' || c == ']');
    let host = match host {
        "" | "0.0.0.0" | "::" => "127.0.0.1".to_string(),
        h if h.contains(':') => format!("[{h}]"),
        h => h.to_string(),
    };
    let scheme = if https { "https" } else { "http" };
    format!("{scheme}://{host}:{port}/")
}

/// Columns of a terminal a text takes (CJK characters take two).
fn width(text: &str) -> usize {
    text.chars()
        .map(|c| {
            if ('\u{1100}'..='\u{115F}').contains(&c)
                || ('\u{2E80}'..='\u{A4CF}').contains(&c)
                || ('\u{AC00}'..='\u{D7A3}').contains(&c)
                || ('\u{F900}'..='\u{FAFF}').contains(&c)
                || ('\u{FE30}'..='\u{FE4F}').contains(&c)
                || ('\u{FF00}'..='\u{FF60}').contains(&c)
                || ('\u{FFE0}'..='\u{FFE6}').contains(&c)
            {
                2
            } else {
                1
            }
        })
        .sum()
}

fn pad(text: &str, columns: usize) -> String {
    let n = width(text);
    format!("{text}{}", " ".repeat(columns.saturating_sub(n)))
}

/// The screen: the address, then (with demo accounts) how to sign in and
/// with which files, every path as the server was given it.
pub fn render(url: &str, fabric: &Path, accounts: &[Account]) -> String {
    let mut s = String::new();
    s.push_str("\n  ggzy is running. Open in a browser:\n\n");
    s.push_str(&format!("      {url}\n\n"));
    if accounts.is_empty() {
        return s;
    }
    s.push_str(&format!(
        "  Demo accounts (DEMO MATERIAL, unencrypted keys, not for production) sign in at\n  \
         {url}#/sign-in (证书登录): choose the account's .cert.pem as 数字证书\n  \
         (Certificate) and its .key.pem as 私钥 (Private key). Files in {}:\n\n",
        fabric.display()
    ));
    let rows: Vec<[String; 4]> = accounts
        .iter()
        .map(|a| {
            let rel = |p: &Path| p.strip_prefix(fabric).unwrap_or(p).display().to_string();
            let key = rel(&a.key);
            let cert = rel(&a.cert);
            let key_suffix = key
                .rsplit_once('/')
                .filter(|(dir, _)| cert.starts_with(&format!("{dir}/")))
                .map(|(_, file)| file.to_string())
                .unwrap_or(key);
            [
                a.role.clone(),
                a.league.clone(),
                a.name.clone(),
                format!("{cert}  +  {key_suffix}"),
            ]
        })
        .collect();
    let head = ["role", "league", "name", "certificate  +  private key"];
    let mut widths = head.map(width);
    for r in &rows {
        for (w, cell) in widths.iter_mut().zip(r.iter()) {
            *w = (*w).max(width(cell));
        }
    }
    let line = |cells: [&str; 4]| {
        format!(
            "    {}  {}  {}  {}\n",
            pad(cells[0], widths[0]),
            pad(cells[1], widths[1]),
            pad(cells[2], widths[2]),
            cells[3]
        )
    };
    s.push_str(&line(head));
    for r in &rows {
        s.push_str(&line([&r[0], &r[1], &r[2], &r[3]]));
    }
    s.push_str(&format!(
        "\n  Every demo file is listed in {}. The logs follow on standard error.\n\n",
        fabric.join("manifest.json").display()
    ));
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_url_is_one_a_browser_opens() {
        assert_eq!(url("127.0.0.1:8080", 8080, false), "http://127.0.0.1:8080/");
        assert_eq!(url("0.0.0.0:0", 41234, false), "http://127.0.0.1:41234/");
        assert_eq!(url("[::]:8443", 8443, true), "https://127.0.0.1:8443/");
        assert_eq!(url("[::1]:8080", 8080, false), "http://[::1]:8080/");
        assert_eq!(
            url("portal.example:80", 80, false),
            "http://portal.example:80/"
        );
    }

    #[test]
    fn the_screen_names_each_account_and_its_two_files() {
        let fabric = Path::new("data/pki-demo");
        let accounts = [
            Account {
                role: "operator".into(),
                league: "-".into(),
                name: "农志诚".into(),
                cert: fabric.join("platform/operator.cert.pem"),
                key: fabric.join("platform/operator.key.pem"),
            },
            Account {
                role: "supervisor".into(),
                league: "NNG".into(),
                name: "韦海燕".into(),
                cert: fabric.join("NNG/people/supervisor.cert.pem"),
                key: fabric.join("NNG/people/supervisor.key.pem"),
            },
            Account {
                role: "bidder".into(),
                league: "NNG".into(),
                name: "广西建工集团 投标部".into(),
                cert: fabric.join("NNG/enterprises/91450000MA5L13579M.cert.pem"),
                key: fabric.join("NNG/enterprises/91450000MA5L13579M.key.pem"),
            },
        ];
        let s = render("http://127.0.0.1:8080/", fabric, &accounts);
        assert!(s.contains("      http://127.0.0.1:8080/\n"), "{s}");
        assert!(s.contains("http://127.0.0.1:8080/#/sign-in"), "{s}");
        assert!(s.contains("Files in data/pki-demo:"), "{s}");
        assert!(
            s.contains("supervisor  NNG     韦海燕               NNG/people/supervisor.cert.pem  +  supervisor.key.pem\n"),
            "{s}"
        );
        assert!(
            s.contains(
                "NNG/enterprises/91450000MA5L13579M.cert.pem  +  91450000MA5L13579M.key.pem"
            ),
            "{s}"
        );
        assert!(
            s.contains("operator    -       农志诚               platform/operator.cert.pem  +  operator.key.pem\n"),
            "{s}"
        );
        assert!(s.contains("data/pki-demo/manifest.json"), "{s}");
        // No demo: the address alone.
        let bare = render("http://127.0.0.1:8080/", fabric, &[]);
        assert!(!bare.contains("sign-in"), "{bare}");
    }
}
