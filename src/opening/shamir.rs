//! Shamir's secret sharing over GF(2^8), byte by byte: a secret is split into
//! `n` shares of which any `k` give it back and any `k - 1` say nothing
//! about it. Pure code; the caller supplies the randomness (the platform
//! uses openssl's CSPRNG) so tests can replay it.
//!
//! The field is GF(2^8) with the AES reduction polynomial x^8 + x^4 + x^3 +
//! x + 1 (0x11B). Multiplication is a fixed eight-step loop with no tables
//! and no data-dependent branches, so its timing does not depend on the
//! secret. Each share is `(x, y)` with `x` in 1..=255 (never 0: the secret
//! is the polynomial's value at 0) and `y` as long as the secret.

use serde::{Deserialize, Serialize};

/// One custodian's share.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Share {
    /// The evaluation point, 1..=255, distinct among a secret's shares.
    pub x: u8,
    /// The polynomials' values at `x`, one byte per byte of the secret.
    pub y: Vec<u8>,
}

impl std::fmt::Debug for Share {
    // A share is secret material: never print its bytes.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Share {{ x: {}, y: [{} bytes] }}", self.x, self.y.len())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ShamirError {
    #[error(
        "the threshold must be between 2 and the number of shares, and there can be at most 255 shares (k = {k}, n = {n})"
    )]
    BadParameters { k: usize, n: usize },
    #[error("the secret is empty")]
    EmptySecret,
    #[error("no shares given")]
    NoShares,
    #[error("a share has x = 0, which is the secret's own point")]
    ZeroX,
    #[error("two shares have the same x = {0}")]
    DuplicateX(u8),
    #[error("the shares are of different lengths")]
    LengthMismatch,
    #[error("the random source failed: {0}")]
    Random(String),
}

/// Multiplication in GF(2^8) mod 0x11B, in constant time.
fn mul(mut a: u8, mut b: u8) -> u8 {
    let mut product = 0u8;
    for _ in 0..8 {
        // Add `a` when b's low bit is set, without branching on it.
        product ^= a & (b & 1).wrapping_neg();
        let carry = (a >> 7).wrapping_neg();
        a = (a << 1) ^ (0x1B & carry);
        b >>= 1;
    }
    product
}

/// The multiplicative inverse (a^254), for a != 0.
fn inv(a: u8) -> u8 {
    // Square-and-multiply on the fixed exponent 254 = 0b11111110.
    let mut result = 1u8;
    let mut power = a;
    for bit in 0..8 {
        if (254u8 >> bit) & 1 == 1 {
            result = mul(result, power);
        }
        power = mul(power, power);
    }
    result
}

/// Splits `secret` into `n` shares, any `k` of which recover it.
/// `random` fills a buffer with uniformly random bytes.
pub fn split(
    secret: &[u8],
    k: usize,
    n: usize,
    mut random: impl FnMut(&mut [u8]) -> Result<(), String>,
) -> Result<Vec<Share>, ShamirError> {
    if !(2..=n).contains(&k) || n > 255 {
        return Err(ShamirError::BadParameters { k, n });
    }
    if secret.is_empty() {
        return Err(ShamirError::EmptySecret);
    }
    let mut shares: Vec<Share> = (1..=n)
        .map(|x| Share {
            x: x as u8,
            y: Vec::with_capacity(secret.len()),
        })
        .collect();
    // One polynomial per byte: the secret byte as constant term, k - 1
    // random coefficients above it.
    let mut coefficients = vec![0u8; k];
    for &byte in secret {
        coefficients[0] = byte;
        random(&mut coefficients[1..]).map_err(ShamirError::Random)?;
        for share in &mut shares {
            // Horner's rule, highest coefficient first.
            let value = coefficients
                .iter()
                .rev()
                .fold(0u8, |acc, &c| mul(acc, share.x) ^ c);
            share.y.push(value);
        }
    }
    coefficients.fill(0);
    Ok(shares)
}

/// Recovers the secret from shares (at least the threshold of them; with
/// fewer the result is simply some other value). Lagrange interpolation at 0.
pub fn combine(shares: &[Share]) -> Result<Vec<u8>, ShamirError> {
    let first = shares.first().ok_or(ShamirError::NoShares)?;
    let len = first.y.len();
    for (i, share) in shares.iter().enumerate() {
        if share.x == 0 {
            return Err(ShamirError::ZeroX);
        }
        if share.y.len() != len {
            return Err(ShamirError::LengthMismatch);
        }
        if shares[..i].iter().any(|other| other.x == share.x) {
            return Err(ShamirError::DuplicateX(share.x));
        }
    }
    // The Lagrange basis at 0: l_i = prod_{j != i} x_j / (x_j - x_i); in
    // GF(2^8) subtraction is XOR.
    let basis: Vec<u8> = shares
        .iter()
        .map(|si| {
            shares
                .iter()
                .filter(|sj| sj.x != si.x)
                .fold(1u8, |acc, sj| mul(acc, mul(sj.x, inv(sj.x ^ si.x))))
        })
        .collect();
    Ok((0..len)
        .map(|b| {
            shares
                .iter()
                .zip(&basis)
                .fold(0u8, |acc, (share, &l)| acc ^ mul(share.y[b], l))
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn os_random(buf: &mut [u8]) -> Result<(), String> {
        openssl::rand::rand_bytes(buf).map_err(|e| e.to_string())
    }

    /// A deterministic source, for repeatable tests.
    fn counter(seed: u8) -> impl FnMut(&mut [u8]) -> Result<(), String> {
        let mut next = seed;
        move |buf| {
            for b in buf.iter_mut() {
                next = next.wrapping_mul(73).wrapping_add(41);
                *b = next;
            }
            Ok(())
        }
    }

    #[test]
    fn field_arithmetic_matches_the_aes_field() {
        // FIPS-197 section 4.2: {57} * {83} = {c1}, {57} * {13} = {fe}.
        assert_eq!(mul(0x57, 0x83), 0xC1);
        assert_eq!(mul(0x57, 0x13), 0xFE);
        for a in 1..=255u8 {
            assert_eq!(mul(a, inv(a)), 1, "inverse of {a}");
            assert_eq!(mul(a, 1), a);
            assert_eq!(mul(a, 0), 0);
        }
        // Commutative and distributive on a sample.
        for a in (0..=255u8).step_by(7) {
            for b in (0..=255u8).step_by(11) {
                assert_eq!(mul(a, b), mul(b, a));
                assert_eq!(mul(a, b ^ 0x35), mul(a, b) ^ mul(a, 0x35));
            }
        }
    }

    #[test]
    fn every_k_subset_recovers_the_secret() {
        let secret = b"the opening key of tender 2026-0042, 32+ bytes long".to_vec();
        for (k, n) in [(2, 2), (2, 3), (3, 5), (5, 5)] {
            let shares = split(&secret, k, n, os_random).unwrap();
            assert_eq!(shares.len(), n);
            // All subsets of size k (n is small).
            for mask in 0u32..(1 << n) {
                if mask.count_ones() as usize != k {
                    continue;
                }
                let subset: Vec<Share> = shares
                    .iter()
                    .enumerate()
                    .filter(|(i, _)| mask & (1 << i) != 0)
                    .map(|(_, s)| s.clone())
                    .collect();
                assert_eq!(
                    combine(&subset).unwrap(),
                    secret,
                    "k={k} n={n} mask={mask:b}"
                );
            }
            // More than k shares also work.
            assert_eq!(combine(&shares).unwrap(), secret);
        }
    }

    #[test]
    fn fewer_than_k_shares_do_not_give_the_secret() {
        let secret = vec![0xAB; 32];
        let shares = split(&secret, 3, 5, counter(9)).unwrap();
        let two = combine(&shares[..2]).unwrap();
        assert_ne!(two, secret);
        // Each pair of shares is consistent with every possible first byte:
        // for any guess g there is a third point making the secret g.
        let (a, b) = (&shares[0], &shares[1]);
        // Interpolating (0, g), a and b gives a degree-2 polynomial, so for
        // every guess g some third share at x = 3 exists that makes g the
        // secret: two shares exclude nothing.
        for guess in 0..=255u8 {
            let third = (0..=255u8).find(|&y3| {
                combine(&[
                    Share {
                        x: a.x,
                        y: vec![a.y[0]],
                    },
                    Share {
                        x: b.x,
                        y: vec![b.y[0]],
                    },
                    Share { x: 3, y: vec![y3] },
                ])
                .unwrap()
                    == vec![guess]
            });
            assert!(third.is_some(), "guess {guess} is excluded by two shares");
        }
    }

    #[test]
    fn deterministic_randomness_gives_repeatable_shares() {
        let a = split(b"secret", 2, 3, counter(1)).unwrap();
        let b = split(b"secret", 2, 3, counter(1)).unwrap();
        let c = split(b"secret", 2, 3, counter(2)).unwrap();
        assert_eq!(a, b);
        assert_ne!(a, c);
    }

    #[test]
    fn bad_input_is_refused() {
        let ok = |buf: &mut [u8]| os_random(buf);
        assert!(matches!(
            split(b"s", 1, 3, ok),
            Err(ShamirError::BadParameters { .. })
        ));
        assert!(matches!(
            split(b"s", 4, 3, ok),
            Err(ShamirError::BadParameters { .. })
        ));
        assert!(matches!(
            split(b"s", 2, 256, ok),
            Err(ShamirError::BadParameters { .. })
        ));
        assert_eq!(split(b"", 2, 3, ok), Err(ShamirError::EmptySecret));
        assert_eq!(
            split(b"s", 2, 3, |_: &mut [u8]| Err("no entropy".to_string())),
            Err(ShamirError::Random("no entropy".into()))
        );
        let shares = split(b"secret", 2, 3, ok).unwrap();
        assert_eq!(combine(&[]), Err(ShamirError::NoShares));
        let dup = [shares[0].clone(), shares[0].clone()];
        assert_eq!(combine(&dup), Err(ShamirError::DuplicateX(1)));
        let zero = [
            Share {
                x: 0,
                y: shares[0].y.clone(),
            },
            shares[1].clone(),
        ];
        assert_eq!(combine(&zero), Err(ShamirError::ZeroX));
        let mut short = shares[1].clone();
        short.y.pop();
        assert_eq!(
            combine(&[shares[0].clone(), short]),
            Err(ShamirError::LengthMismatch)
        );
        assert!(!format!("{:?}", shares[0]).contains(&format!("{:?}", shares[0].y)));
    }
}
