//! `ggzy opening …`: the custodian's command line. `release-share` fetches
//! the custodian's share of a tender's opening key (CMS EnvelopedData
//! encrypted to their certificate), decrypts it here with their key, and
//! releases it. The decrypted share is never written to disk; the copies
//! this program holds are wiped once it is sent.

use super::custody::{PlainShare, wipe};
use crate::bids::cli::{Api, SignerArgs, sign_in, subject, tender_id};
use anyhow::{Context, anyhow};
use clap::Subcommand;
use openssl::cms::CmsContentInfo;
use serde::Deserialize;
use std::path::PathBuf;

#[derive(Debug, Subcommand)]
pub enum OpeningCommand {
    /// Release your share of a tender's opening key (after the bid deadline,
    /// once the opening has started): it is decrypted here with your key and
    /// sent; nothing is written to disk.
    #[command(after_help = RELEASE_HELP)]
    ReleaseShare {
        /// The platform, e.g. https://ggzy.example.cn
        #[arg(long, value_name = "URL")]
        server: String,
        /// The tender's id.
        #[arg(long)]
        tender: String,
        /// Your certificate and key: the share is encrypted to this
        /// certificate (the one you hold custody with).
        #[command(flatten)]
        custodian: SignerArgs,
        /// A session token of your account (else sign in with the
        /// certificate).
        #[arg(long)]
        token: Option<String>,
        /// PEM file of the CA certificate(s) to trust for an https server
        /// [default: the system's].
        #[arg(long, value_name = "FILE")]
        ca_file: Option<PathBuf>,
    },
}

const RELEASE_HELP: &str = "\
The same by hand (the share is briefly on disk there):
  curl -H \"Authorization: Bearer $T\" -o share.der \\
    $SERVER/api/v1/tenders/$TENDER/opening-key/my-share
  openssl cms -decrypt -binary -inform DER -in share.der -recip my.pem -inkey my.key | base64 -w0
  curl -H \"Authorization: Bearer $T\" -H 'Content-Type: application/json' \\
    -d '{\"share\": \"<that base64>\"}' $SERVER/api/v1/tenders/$TENDER/opening/shares";

pub fn run(command: OpeningCommand) -> anyhow::Result<()> {
    let OpeningCommand::ReleaseShare {
        server,
        tender,
        custodian,
        token,
        ca_file,
    } = command;
    let tender = tender_id(&tender)?;
    let custodian = custodian.require()?;
    let mut api = Api::new(&server, ca_file.as_deref())?;
    api.token = Some(match token {
        Some(t) => t.trim().to_string(),
        None => sign_in(&api, &custodian)?,
    });
    let reply = api
        .get(&format!("/api/v1/tenders/{tender}/opening-key/my-share"))
        .map_err(|e| anyhow!("cannot reach {}: {e}", api.base()))?
        .expect(200, "fetching your share")?;
    let x = reply.header("X-Share-X").unwrap_or("?").to_string();
    let cms = CmsContentInfo::from_der(&reply.body)
        .context("the share the server sent is not CMS (DER)")?;
    let plain = PlainShare::new(cms.decrypt(&custodian.key, &custodian.cert).map_err(|_| {
        anyhow!(
            "your share cannot be decrypted with the key of {}: is it the certificate you hold custody with?",
            subject(&custodian.cert)
        )
    })?);
    // Base64 needs no JSON escaping: the body is made here, so that every
    // copy this program holds can be wiped.
    let encoded = openssl::base64::encode_block(plain.bytes());
    drop(plain);
    let body = format!("{{\"share\": \"{encoded}\"}}");
    wipe(&mut encoded.into_bytes());
    let sent = api.post_json_text(&format!("/api/v1/tenders/{tender}/opening/shares"), &body);
    wipe(&mut body.into_bytes());
    #[derive(Deserialize)]
    struct Released {
        released: usize,
        threshold: usize,
        ready: bool,
    }
    let released: Released = sent
        .map_err(|e| anyhow!("cannot reach {}: {e}", api.base()))?
        .expect(200, "releasing your share")?
        .json()?;
    println!(
        "released share {x}: {} of the {} shares needed are in",
        released.released, released.threshold
    );
    if released.ready {
        println!("enough shares: the bids are being opened");
    }
    Ok(())
}
