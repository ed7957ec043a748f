//! A league trust fabric made with the real `openssl` command line only:
//! a root, an enterprise CA and a personal CA under it, enterprise and
//! personal certificates to the league profiles, one revoked enterprise
//! certificate and current CRLs. Nothing here uses ggzy's PKI code.

use std::path::{Path, PathBuf};
use std::process::Command;

pub fn openssl(dir: &Path, args: &[&str]) -> Vec<u8> {
    let out = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .expect("run openssl");
    assert!(
        out.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

#[derive(Clone)]
pub struct League {
    pub dir: PathBuf,
    pub code: String,
}

const CA_EXT: &str =
    "basicConstraints=critical,CA:TRUE,pathlen:0\nkeyUsage=critical,keyCertSign,cRLSign\n";
const LEAF_EXT: &str = "basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,nonRepudiation\nextendedKeyUsage=clientAuth,emailProtection\n";

impl League {
    /// Makes the fabric of league `code` in `<base>/<code>`.
    pub fn new(base: &Path, code: &str) -> League {
        let dir = base.join(code);
        std::fs::create_dir_all(&dir).unwrap();
        let league = League {
            dir,
            code: code.into(),
        };
        let d = &league.dir;
        std::fs::write(d.join("ca.ext"), CA_EXT).unwrap();
        std::fs::write(d.join("leaf.ext"), LEAF_EXT).unwrap();
        std::fs::write(
            d.join("seal.ext"),
            "basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,nonRepudiation\n",
        )
        .unwrap();
        openssl(
            d,
            &[
                "req",
                "-x509",
                "-newkey",
                "ec",
                "-pkeyopt",
                "ec_paramgen_curve:P-256",
                "-nodes",
                "-keyout",
                "root.key",
                "-out",
                "root.pem",
                "-subj",
                &format!("/C=CN/O={code} Test Centre/CN={code} Test Root CA"),
                "-days",
                "3650",
                "-addext",
                "basicConstraints=critical,CA:TRUE",
                "-addext",
                "keyUsage=critical,keyCertSign,cRLSign",
            ],
        );
        for ca in ["root", "enterprise-ca", "personal-ca"] {
            if ca != "root" {
                league.issue(
                    ca,
                    &format!("/C=CN/O={code} Test Centre/CN={code} Test {ca}"),
                    "root",
                    "ca.ext",
                );
            }
            // CRLs for 90 days: a whole procedure's clock (the procedures
            // tests move it some 45 days on) stays inside their validity.
            std::fs::write(
                d.join(format!("{ca}.cnf")),
                format!(
                    "[ca]\ndefault_ca=d\n[d]\ndatabase={ca}.index\ncrlnumber={ca}.crlnumber\ndefault_md=sha256\ndefault_crl_days=90\nprivate_key={ca}.key\ncertificate={ca}.pem\n"
                ),
            )
            .unwrap();
            std::fs::write(d.join(format!("{ca}.index")), "").unwrap();
            std::fs::write(d.join(format!("{ca}.crlnumber")), "01\n").unwrap();
        }
        league
    }

    /// Issues a certificate `name` with subject `subject` from CA `ca`.
    pub fn issue(&self, name: &str, subject: &str, ca: &str, ext: &str) {
        self.issue_for(
            name,
            subject,
            ca,
            ext,
            &["ec", "-pkeyopt", "ec_paramgen_curve:P-256"],
        );
    }

    /// Issues a certificate for a new key made by `openssl req -newkey`
    /// with `key_args` (e.g. `["rsa:2048"]`).
    pub fn issue_for(&self, name: &str, subject: &str, ca: &str, ext: &str, key_args: &[&str]) {
        let d = &self.dir;
        let (key, csr, pem) = (
            format!("{name}.key"),
            format!("{name}.csr"),
            format!("{name}.pem"),
        );
        openssl(
            d,
            &[
                ["req", "-utf8", "-newkey"].as_slice(),
                key_args,
                &["-nodes", "-keyout", &key, "-out", &csr, "-subj", subject],
            ]
            .concat(),
        );
        openssl(
            d,
            &[
                "x509",
                "-req",
                "-in",
                &csr,
                "-CA",
                &format!("{ca}.pem"),
                "-CAkey",
                &format!("{ca}.key"),
                "-CAcreateserial",
                "-days",
                "365",
                "-sha256",
                "-extfile",
                ext,
                "-out",
                &pem,
            ],
        );
    }

    /// An enterprise certificate naming `credit_code`.
    pub fn enterprise(&self, name: &str, org: &str, credit_code: &str) {
        self.issue(
            name,
            &format!("/C=CN/ST=广西/L=南宁/O={org}/organizationIdentifier={credit_code}/CN={org}"),
            "enterprise-ca",
            "leaf.ext",
        );
    }

    /// A personal certificate naming `id_number` (EC P-256).
    pub fn person(&self, name: &str, person: &str, id_number: &str) {
        self.issue(
            name,
            &format!("/C=CN/O=广西大学/CN={person}/serialNumber={id_number}"),
            "personal-ca",
            "leaf.ext",
        );
    }

    /// A personal certificate naming `id_number`, for an RSA 2048 key.
    pub fn person_rsa(&self, name: &str, person: &str, id_number: &str) {
        self.issue_for(
            name,
            &format!("/C=CN/O=广西大学/CN={person}/serialNumber={id_number}"),
            "personal-ca",
            "leaf.ext",
            &["rsa:2048"],
        );
    }

    pub fn revoke(&self, name: &str, ca: &str) {
        openssl(
            &self.dir,
            &[
                "ca",
                "-config",
                &format!("{ca}.cnf"),
                "-revoke",
                &format!("{name}.pem"),
                "-crl_reason",
                "keyCompromise",
            ],
        );
    }

    /// A seal authority certified by the league root.
    pub fn seal_authority(&self) {
        self.issue(
            "seal-authority",
            &format!(
                "/C=CN/O={} Test Centre/CN={} Test Seal Authority",
                self.code, self.code
            ),
            "root",
            "seal.ext",
        );
    }

    /// A current CRL of `ca`, PEM.
    pub fn crl(&self, ca: &str) -> String {
        let out = format!("{ca}.crl");
        openssl(
            &self.dir,
            &[
                "ca",
                "-config",
                &format!("{ca}.cnf"),
                "-gencrl",
                "-out",
                &out,
            ],
        );
        self.text(&out)
    }

    pub fn text(&self, file: &str) -> String {
        std::fs::read_to_string(self.dir.join(file)).unwrap()
    }

    #[allow(dead_code)] // a fabric helper no test calls at present
    pub fn path(&self, file: &str) -> String {
        self.dir.join(file).display().to_string()
    }

    /// `openssl dgst -sha256 -sign` over `data`: a raw signature, base64.
    #[allow(dead_code)] // a fabric helper no test calls at present
    pub fn sign_raw(&self, key: &str, data: &str) -> String {
        std::fs::write(self.dir.join("challenge.txt"), data).unwrap();
        openssl(
            &self.dir,
            &[
                "dgst",
                "-sha256",
                "-sign",
                &format!("{key}.key"),
                "-out",
                "challenge.sig",
                "challenge.txt",
            ],
        );
        openssl::base64::encode_block(&std::fs::read(self.dir.join("challenge.sig")).unwrap())
    }

    /// `openssl cms -sign` over `data` (attached or detached), DER in base64.
    #[allow(dead_code)] // a fabric helper no test calls at present
    pub fn sign_cms(&self, name: &str, data: &str, detached: bool) -> String {
        std::fs::write(self.dir.join("challenge.txt"), data).unwrap();
        let (cert, key) = (format!("{name}.pem"), format!("{name}.key"));
        let mut args = vec![
            "cms",
            "-sign",
            "-binary",
            "-in",
            "challenge.txt",
            "-signer",
            &cert,
            "-inkey",
            &key,
            "-outform",
            "DER",
            "-out",
            "challenge.p7s",
        ];
        if !detached {
            args.push("-nodetach");
        }
        openssl(&self.dir, &args);
        openssl::base64::encode_block(&std::fs::read(self.dir.join("challenge.p7s")).unwrap())
    }
}
