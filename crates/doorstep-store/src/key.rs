//! Key handling: the random 256-bit data key that opens the database, and
//! its wrapping under a key derived from the practitioner's passphrase with
//! Argon2id. Changing the passphrase re-wraps the same data key, so the
//! database is never re-encrypted.

use std::time::{Duration, Instant};

use argon2::{Algorithm, Argon2, Params, Version};
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use rand::RngCore;
use serde::{Deserialize, Serialize};
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

use crate::StoreError;

/// Argon2id memory cost floor: 64 MiB.
pub const MIN_MEMORY_KIB: u32 = 64 * 1024;

/// The key that encrypts the database. Wiped from memory when dropped.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct DataKey([u8; 32]);

impl DataKey {
    /// A fresh random key.
    pub fn random() -> Self {
        let mut k = [0u8; 32];
        rand::rngs::OsRng.fill_bytes(&mut k);
        DataKey(k)
    }

    /// The SQLCipher raw-key literal, `x'…'`, in a buffer wiped on drop.
    pub(crate) fn sqlcipher_literal(&self) -> Zeroizing<String> {
        Zeroizing::new(format!("x'{}'", hex::encode(self.0)))
    }
}

impl std::fmt::Debug for DataKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DataKey(…)")
    }
}

/// Argon2id parameters, stored with the wrapped key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct KdfParams {
    /// Memory in KiB (at least [`MIN_MEMORY_KIB`]).
    pub memory_kib: u32,
    /// Iterations.
    pub iterations: u32,
    /// Lanes.
    pub parallelism: u32,
}

impl KdfParams {
    /// Chooses iterations so one derivation takes about `target` on this
    /// machine, with 64 MiB and one lane; never fewer than one iteration.
    pub fn calibrate(target: Duration) -> KdfParams {
        let base = KdfParams {
            memory_kib: MIN_MEMORY_KIB,
            iterations: 1,
            parallelism: 1,
        };
        if target.is_zero() {
            return base;
        }
        let start = Instant::now();
        let _ = derive(b"calibration", &[0u8; 16], &base);
        let one = start.elapsed().as_secs_f64().max(1e-3);
        let iterations = (target.as_secs_f64() / one).round().clamp(1.0, 64.0) as u32;
        KdfParams { iterations, ..base }
    }
}

fn derive(
    passphrase: &[u8],
    salt: &[u8],
    p: &KdfParams,
) -> Result<Zeroizing<[u8; 32]>, StoreError> {
    let params = Params::new(p.memory_kib, p.iterations, p.parallelism, Some(32))
        .map_err(|e| StoreError::Corrupt(format!("key file has bad KDF parameters: {e}")))?;
    let mut out = Zeroizing::new([0u8; 32]);
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
        .hash_password_into(passphrase, salt, out.as_mut())
        .map_err(|e| StoreError::Corrupt(format!("key derivation failed: {e}")))?;
    Ok(out)
}

/// The wrapped data key as stored on disk (`key.json`).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct WrappedKey {
    /// Format version.
    pub version: u32,
    /// Always `argon2id`.
    pub kdf: String,
    /// Argon2id parameters.
    pub params: KdfParams,
    /// Salt, hex.
    pub salt: String,
    /// Always `xchacha20poly1305`.
    pub cipher: String,
    /// Nonce, hex.
    pub nonce: String,
    /// The encrypted data key with its tag, hex.
    pub wrapped: String,
}

impl WrappedKey {
    /// Wraps `key` under `passphrase` with `params`, bound to `policy`
    /// (text that must be the same to unwrap: the unlock policy, so that
    /// editing it breaks the unwrap).
    pub fn wrap(
        key: &DataKey,
        passphrase: &str,
        params: KdfParams,
        policy: &str,
    ) -> Result<WrappedKey, StoreError> {
        let mut salt = [0u8; 16];
        let mut nonce = [0u8; 24];
        rand::rngs::OsRng.fill_bytes(&mut salt);
        rand::rngs::OsRng.fill_bytes(&mut nonce);
        let kek = derive(passphrase.as_bytes(), &salt, &params)?;
        let cipher = XChaCha20Poly1305::new(kek.as_ref().into());
        let mut w = WrappedKey {
            version: 1,
            kdf: "argon2id".into(),
            params,
            salt: hex::encode(salt),
            cipher: "xchacha20poly1305".into(),
            nonce: hex::encode(nonce),
            wrapped: String::new(),
        };
        let aad = w.aad(policy);
        let ct = cipher
            .encrypt(
                XNonce::from_slice(&nonce),
                Payload {
                    msg: &key.0,
                    aad: aad.as_bytes(),
                },
            )
            .map_err(|_| StoreError::Corrupt("key wrapping failed".into()))?;
        w.wrapped = hex::encode(ct);
        Ok(w)
    }

    /// Unwraps the data key; `None` when the passphrase is wrong (or the
    /// file or the bound `policy` was tampered with: indistinguishable by
    /// design).
    pub fn unwrap_key(
        &self,
        passphrase: &str,
        policy: &str,
    ) -> Result<Option<DataKey>, StoreError> {
        let bad = |what: &str| StoreError::Corrupt(format!("key file: bad {what}"));
        if self.params.memory_kib < MIN_MEMORY_KIB {
            return Err(bad("KDF memory (below 64 MiB)"));
        }
        let salt = hex::decode(&self.salt).map_err(|_| bad("salt"))?;
        let nonce = hex::decode(&self.nonce).map_err(|_| bad("nonce"))?;
        let ct = hex::decode(&self.wrapped).map_err(|_| bad("wrapped key"))?;
        if nonce.len() != 24 {
            return Err(bad("nonce"));
        }
        let kek = derive(passphrase.as_bytes(), &salt, &self.params)?;
        let cipher = XChaCha20Poly1305::new(kek.as_ref().into());
        let aad = self.aad(policy);
        match cipher.decrypt(
            XNonce::from_slice(&nonce),
            Payload {
                msg: &ct,
                aad: aad.as_bytes(),
            },
        ) {
            Ok(pt) => {
                let pt = Zeroizing::new(pt);
                let arr: [u8; 32] = pt
                    .as_slice()
                    .try_into()
                    .map_err(|_| bad("data key length"))?;
                Ok(Some(DataKey(arr)))
            }
            Err(_) => Ok(None),
        }
    }

    /// Binds the parameters and the policy to the ciphertext so neither
    /// can be swapped.
    fn aad(&self, policy: &str) -> String {
        format!(
            "doorstep-key/v{}/{}/{}/{}/{}/{}/{policy}",
            self.version,
            self.kdf,
            self.params.memory_kib,
            self.params.iterations,
            self.params.parallelism,
            self.cipher
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fast() -> KdfParams {
        KdfParams {
            memory_kib: MIN_MEMORY_KIB,
            iterations: 1,
            parallelism: 1,
        }
    }

    #[test]
    fn wrap_and_unwrap_round_trip() {
        let k = DataKey::random();
        let w = WrappedKey::wrap(&k, "correct horse battery", fast(), "policy").unwrap();
        let back = w
            .unwrap_key("correct horse battery", "policy")
            .unwrap()
            .unwrap();
        assert_eq!(k.0, back.0);
        assert!(w
            .unwrap_key("wrong horse battery", "policy")
            .unwrap()
            .is_none());
        // An edited policy does not unwrap either.
        assert!(w
            .unwrap_key("correct horse battery", "other policy")
            .unwrap()
            .is_none());
    }

    #[test]
    fn swapped_parameters_do_not_unwrap() {
        let k = DataKey::random();
        let mut w = WrappedKey::wrap(&k, "correct horse battery", fast(), "policy").unwrap();
        w.params.iterations = 2;
        assert!(w
            .unwrap_key("correct horse battery", "policy")
            .unwrap()
            .is_none());
    }

    #[test]
    fn memory_below_floor_is_refused() {
        let k = DataKey::random();
        let mut w = WrappedKey::wrap(&k, "correct horse battery", fast(), "policy").unwrap();
        w.params.memory_kib = 1024;
        assert!(matches!(
            w.unwrap_key("correct horse battery", "policy"),
            Err(StoreError::Corrupt(_))
        ));
    }
}
