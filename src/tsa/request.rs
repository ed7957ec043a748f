//! The RFC 3161 `TimeStampReq` for a SHA-256 hash, encoded with `der`.
//! OpenSSL parses it (as the TSA's request, or to set up a verification);
//! nothing here parses untrusted bytes.
//!
//! ```text
//! TimeStampReq ::= SEQUENCE {
//!   version        INTEGER { v1(1) },
//!   messageImprint MessageImprint,
//!   reqPolicy      TSAPolicyId OPTIONAL,
//!   nonce          INTEGER OPTIONAL,
//!   certReq        BOOLEAN DEFAULT FALSE,
//!   extensions     [0] IMPLICIT Extensions OPTIONAL }
//! MessageImprint ::= SEQUENCE {
//!   hashAlgorithm AlgorithmIdentifier,
//!   hashedMessage OCTET STRING }
//! ```

use der::asn1::{Any, ObjectIdentifier, OctetString};
use der::{Encode, Sequence};

/// id-sha256 (RFC 5754).
const SHA256: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.1");

#[derive(Sequence)]
struct AlgorithmIdentifier {
    algorithm: ObjectIdentifier,
    /// Absent for SHA-256, as RFC 5754 says to generate it.
    parameters: Option<Any>,
}

#[derive(Sequence)]
struct MessageImprint {
    hash_algorithm: AlgorithmIdentifier,
    hashed_message: OctetString,
}

#[derive(Sequence)]
struct TimeStampReq {
    version: u8,
    message_imprint: MessageImprint,
    req_policy: Option<ObjectIdentifier>,
    nonce: Option<u64>,
    #[asn1(default = "Default::default")]
    cert_req: bool,
}

/// The DER `TimeStampReq` for `sha256`, asking for no particular policy.
pub fn timestamp_request(
    sha256: &[u8; 32],
    nonce: Option<u64>,
    cert_req: bool,
) -> Result<Vec<u8>, der::Error> {
    TimeStampReq {
        version: 1,
        message_imprint: MessageImprint {
            hash_algorithm: AlgorithmIdentifier {
                algorithm: SHA256,
                parameters: None,
            },
            hashed_message: OctetString::new(sha256.as_slice())?,
        },
        req_policy: None,
        nonce,
        cert_req,
    }
    .to_der()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_the_rfc_3161_request() {
        let der = timestamp_request(&[0xab; 32], Some(0x0102), true).unwrap();
        let mut expected = vec![0x30, 0x3b, 0x02, 0x01, 0x01]; // SEQUENCE, version 1
        expected.extend([0x30, 0x2f, 0x30, 0x0b, 0x06, 0x09]); // imprint, algorithm, OID
        expected.extend([0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01]);
        expected.extend([0x04, 0x20]);
        expected.extend([0xab; 32]);
        expected.extend([0x02, 0x02, 0x01, 0x02]); // nonce
        expected.extend([0x01, 0x01, 0xff]); // certReq TRUE
        assert_eq!(der, expected);
    }

    #[test]
    fn leaves_out_a_false_cert_req_and_no_nonce() {
        let der = timestamp_request(&[0; 32], None, false).unwrap();
        assert_eq!(der.len(), 2 + 3 + 2 + 13 + 34);
        assert_eq!(&der[der.len() - 34..der.len() - 32], &[0x04, 0x20]);
    }
}
