//! Checkpoints as C2SP signed notes (c2sp.org/signed-note,
//! c2sp.org/tlog-checkpoint), signed with the platform's Ed25519 log key.
//!
//! ```text
//! ggzy.localhost/audit-log          origin (also the key's name)
//! 1234                              tree size
//! 3q2+7w...=                        root hash, standard base64
//! time 1795000000                   extension line: when it was signed (Unix seconds)
//! prev 1200 Zm9v...=                extension line: the size and root of the
//!                                   checkpoint signed just before (absent on
//!                                   the log's first)
//!
//! — ggzy.localhost/audit-log AbCd...   base64(key id[4] || Ed25519 signature[64])
//! ```
//!
//! The key id is the first four bytes of SHA-256(name || 0x0A || 0x01 ||
//! public key); the verifier key string is `name+hex(key id)+base64(0x01 ||
//! public key)`, what Go's `golang.org/x/mod/sumdb/note` and the
//! transparency-dev tools read.
//!
//! The `prev` line chains the checkpoints: a verifier that holds the latest
//! can tell when one of the checkpoints before it was deleted from the
//! database, which would otherwise hide when a backdated row joined the log.

use super::merkle::Hash;
use anyhow::{Context, bail};
use openssl::pkey::{Id, PKey, Private, Public};
use openssl::sign::{Signer, Verifier};
use std::path::Path;

const ED25519: u8 = 0x01;
const DASH: &str = "\u{2014} ";

/// What a checkpoint says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpoint {
    pub origin: String,
    pub size: u64,
    pub root: Hash,
    /// Unix seconds.
    pub time: i64,
    /// The size and root of the checkpoint signed just before this one.
    pub prev: Option<(u64, Hash)>,
}

impl Checkpoint {
    /// The signed text (every line ends with a newline).
    pub fn body(&self) -> String {
        let mut body = format!(
            "{}\n{}\n{}\ntime {}\n",
            self.origin,
            self.size,
            openssl::base64::encode_block(&self.root),
            self.time
        );
        if let Some((size, root)) = &self.prev {
            body.push_str(&format!(
                "prev {size} {}\n",
                openssl::base64::encode_block(root)
            ));
        }
        body
    }

    fn parse_body(body: &str) -> anyhow::Result<Checkpoint> {
        let lines: Vec<&str> = body
            .strip_suffix('\n')
            .context("the checkpoint's text must end with a newline")?
            .split('\n')
            .collect();
        let [origin, size, root, rest @ ..] = lines.as_slice() else {
            bail!("a checkpoint has an origin, a size and a root hash");
        };
        let size: u64 = size.parse().context("the tree size is not a number")?;
        let hash = |text: &str| -> Option<Hash> {
            openssl::base64::decode_block(text).ok()?.try_into().ok()
        };
        let root = hash(root).context("the root hash is not 32 bytes of base64")?;
        let prev = match rest.iter().find_map(|l| l.strip_prefix("prev ")) {
            None => None,
            Some(line) => {
                let (size, root) = line
                    .split_once(' ')
                    .context("the prev line is a size and a root hash")?;
                Some((
                    size.parse()
                        .context("the prev line's size is not a number")?,
                    hash(root).context("the prev line's root is not 32 bytes of base64")?,
                ))
            }
        };
        let time = rest
            .iter()
            .find_map(|l| l.strip_prefix("time "))
            .context("the checkpoint has no time line")?
            .parse()
            .context("the time line is not a number")?;
        Ok(Checkpoint {
            origin: origin.to_string(),
            size,
            root,
            time,
            prev,
        })
    }
}

/// The log's key (private part on the platform only).
pub struct LogKey {
    pub name: String,
    key: PKey<Private>,
    pub public: NoteVerifier,
}

/// The public part: checks notes.
#[derive(Clone)]
pub struct NoteVerifier {
    pub name: String,
    raw: [u8; 32],
    key: PKey<Public>,
}

fn key_id(name: &str, raw: &[u8; 32]) -> [u8; 4] {
    let mut h = openssl::sha::Sha256::new();
    h.update(name.as_bytes());
    h.update(b"\n");
    h.update(&[ED25519]);
    h.update(raw);
    let d = h.finish();
    [d[0], d[1], d[2], d[3]]
}

fn valid_name(name: &str) -> bool {
    !name.is_empty() && !name.chars().any(|c| c.is_whitespace() || c == '+')
}

impl LogKey {
    /// Loads `<dir>/audit-log.ed25519.pem`, or makes it. The name the key
    /// was first made with is kept beside it (`audit-log.name`) and wins
    /// over `name`: a log keeps its name (and so its verifier key) when the
    /// platform moves to another address.
    pub fn load_or_create(dir: &Path, name: &str) -> anyhow::Result<LogKey> {
        let name_path = dir.join("audit-log.name");
        let kept = std::fs::read_to_string(&name_path).ok();
        let name = kept.as_deref().map(str::trim).unwrap_or(name);
        anyhow::ensure!(
            valid_name(name),
            "the log's name {name:?} has a space or '+'"
        );
        let path = dir.join("audit-log.ed25519.pem");
        let key = if path.exists() {
            let pem =
                std::fs::read(&path).with_context(|| format!("reading {}", path.display()))?;
            PKey::private_key_from_pem(&pem)
                .with_context(|| format!("{} is not a PEM private key", path.display()))?
        } else {
            std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
            let key = PKey::generate_ed25519()?;
            crate::pki::keys::write_private(&path, &key.private_key_to_pem_pkcs8()?)?;
            tracing::info!(path = %path.display(), "made the audit log's signing key");
            key
        };
        anyhow::ensure!(
            key.id() == Id::ED25519,
            "{} is not an Ed25519 key",
            path.display()
        );
        if kept.is_none() {
            std::fs::write(&name_path, format!("{name}\n"))
                .with_context(|| format!("writing {}", name_path.display()))?;
        }
        let public = NoteVerifier::from_raw(name, &key.raw_public_key()?)?;
        Ok(LogKey {
            name: name.to_string(),
            key,
            public,
        })
    }

    /// The signed note of `checkpoint`.
    pub fn sign(&self, checkpoint: &Checkpoint) -> anyhow::Result<String> {
        let body = checkpoint.body();
        let mut signer = Signer::new_without_digest(&self.key)?;
        let signature = signer.sign_oneshot_to_vec(body.as_bytes())?;
        let mut blob = key_id(&self.name, &self.public.raw).to_vec();
        blob.extend_from_slice(&signature);
        Ok(format!(
            "{body}\n{DASH}{} {}\n",
            self.name,
            openssl::base64::encode_block(&blob)
        ))
    }
}

impl NoteVerifier {
    pub fn from_raw(name: &str, raw: &[u8]) -> anyhow::Result<NoteVerifier> {
        let raw: [u8; 32] = raw.try_into().ok().context("an Ed25519 key is 32 bytes")?;
        Ok(NoteVerifier {
            name: name.to_string(),
            raw,
            key: PKey::public_key_from_raw_bytes(&raw, Id::ED25519)?,
        })
    }

    /// Reads a verifier key string `name+hexid+base64(0x01||key)`.
    pub fn parse(vkey: &str) -> anyhow::Result<NoteVerifier> {
        let mut parts = vkey.trim().splitn(3, '+');
        let (Some(name), Some(id), Some(key)) = (parts.next(), parts.next(), parts.next()) else {
            bail!("a verifier key is name+keyid+key");
        };
        let blob = openssl::base64::decode_block(key).context("the key is not base64")?;
        let Some((&ED25519, raw)) = blob.split_first() else {
            bail!("only Ed25519 verifier keys (type 0x01) are known");
        };
        let verifier = NoteVerifier::from_raw(name, raw)?;
        anyhow::ensure!(
            crate::identity::hex(&key_id(name, &verifier.raw)) == id,
            "the verifier key's id does not match its name and key"
        );
        Ok(verifier)
    }

    pub fn vkey(&self) -> String {
        let mut blob = vec![ED25519];
        blob.extend_from_slice(&self.raw);
        format!(
            "{}+{}+{}",
            self.name,
            crate::identity::hex(&key_id(&self.name, &self.raw)),
            openssl::base64::encode_block(&blob)
        )
    }

    pub fn public_pem(&self) -> anyhow::Result<String> {
        Ok(String::from_utf8(self.key.public_key_to_pem()?)?)
    }

    /// Checks a signed checkpoint note and returns what it says. A note
    /// without a good signature of this key is refused.
    pub fn open(&self, note: &str) -> anyhow::Result<Checkpoint> {
        let split = note
            .rfind("\n\n")
            .context("a signed note has its text, an empty line and signatures")?;
        let (body, sigs) = (&note[..split + 1], &note[split + 2..]);
        let want = key_id(&self.name, &self.raw);
        let mut verified = false;
        for line in sigs.lines() {
            let rest = line
                .strip_prefix(DASH)
                .context("a signature line starts with an em dash")?;
            let (name, blob) = rest
                .split_once(' ')
                .context("a signature line is a name and a signature")?;
            let blob = openssl::base64::decode_block(blob).context("a signature is base64")?;
            if name != self.name || blob.len() < 4 || blob[..4] != want {
                continue;
            }
            let mut verifier = Verifier::new_without_digest(&self.key)?;
            if !verifier.verify_oneshot(&blob[4..], body.as_bytes())? {
                bail!(
                    "the checkpoint's signature by {} does not verify",
                    self.name
                );
            }
            verified = true;
            break;
        }
        anyhow::ensure!(
            verified,
            "the checkpoint carries no signature by {}",
            self.name
        );
        let checkpoint = Checkpoint::parse_body(body)?;
        anyhow::ensure!(
            checkpoint.origin == self.name,
            "the checkpoint's origin {:?} is not the log {:?}",
            checkpoint.origin,
            self.name
        );
        Ok(checkpoint)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> (tempfile::TempDir, LogKey) {
        let dir = tempfile::tempdir().unwrap();
        let key = LogKey::load_or_create(dir.path(), "ggzy.test/audit-log").unwrap();
        (dir, key)
    }

    fn checkpoint() -> Checkpoint {
        Checkpoint {
            origin: "ggzy.test/audit-log".into(),
            size: 7,
            root: [7; 32],
            time: 1_795_000_000,
            prev: Some((5, [5; 32])),
        }
    }

    #[test]
    fn signs_and_opens() {
        let (dir, key) = key();
        let note = key.sign(&checkpoint()).unwrap();
        assert!(note.starts_with("ggzy.test/audit-log\n7\n"));
        let prev = openssl::base64::encode_block(&[5; 32]);
        assert!(note.contains(&format!(
            "\ntime 1795000000\nprev 5 {prev}\n\n\u{2014} ggzy.test/audit-log "
        )));
        let verifier = NoteVerifier::parse(&key.public.vkey()).unwrap();
        assert_eq!(verifier.open(&note).unwrap(), checkpoint());
        // The log's first checkpoint has no predecessor to name.
        let first = Checkpoint {
            prev: None,
            ..checkpoint()
        };
        let note = key.sign(&first).unwrap();
        assert!(!note.contains("prev"));
        assert_eq!(verifier.open(&note).unwrap(), first);
        // The same key, and name, come back from its files, whatever the
        // platform's address has become.
        let again = LogKey::load_or_create(dir.path(), "elsewhere.test/audit-log").unwrap();
        assert_eq!(again.public.vkey(), key.public.vkey());
        assert_eq!(again.name, "ggzy.test/audit-log");
    }

    #[test]
    fn refuses_changed_notes_and_other_keys() {
        let (_dir, key) = key();
        let note = key.sign(&checkpoint()).unwrap();
        let changed = note.replacen("\n7\n", "\n8\n", 1);
        assert!(key.public.open(&changed).is_err());
        let (_other_dir, other) = self::key();
        assert!(other.public.open(&note).is_err());
        assert!(key.public.open("no signature").is_err());
        let mut vkey = key.public.vkey();
        vkey.replace_range(
            vkey.find('+').unwrap() + 1..vkey.find('+').unwrap() + 2,
            "z",
        );
        assert!(NoteVerifier::parse(&vkey).is_err());
    }

    #[test]
    fn verifies_a_note_made_by_the_reference_format() {
        // Key id and layout as in the signed-note specification's example
        // (sumdb's "PeterNeumann" key): our reader must accept the
        // reference's verifier key string and note.
        let vkey = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
        let note = "If you think cryptography is the answer to your problem,\n\
                    then you don't know what your problem is.\n\
                    \n\
                    \u{2014} PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n";
        let verifier = NoteVerifier::parse(vkey).unwrap();
        // The text is no checkpoint, so only the signature step can pass.
        let err = verifier.open(note).unwrap_err().to_string();
        assert!(!err.contains("signature"), "{err}");
    }
}
