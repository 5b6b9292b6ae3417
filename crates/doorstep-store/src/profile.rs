//! The device profile on disk: which files live in the data directory, how
//! a profile is created, unlocked (with back-off and crypto-erase after too
//! many failures) and re-keyed.
//!
//! Files: `profile.json` (practitioner and unlock policy, no patient data),
//! `key.json` (the wrapped data key), `unlock-state.json` (failure count),
//! `doorstep.db` with its `-wal`/`-shm` (SQLCipher), and `ERASED` once the
//! data has been crypto-erased.

use std::fs;
use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::key::{DataKey, KdfParams, WrappedKey};
use crate::StoreError;

/// Unlock policy chosen at init.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct UnlockPolicy {
    /// Failed attempts after which the local data is erased.
    pub max_failures: u32,
    /// Failed attempts from which a warning is shown.
    pub warn_from: u32,
    /// The back-off unit: the wait before the third attempt; it doubles
    /// with each further failure, up to a minute.
    pub backoff_base_ms: u64,
}

impl Default for UnlockPolicy {
    fn default() -> Self {
        UnlockPolicy {
            max_failures: 10,
            warn_from: 5,
            backoff_base_ms: 1000,
        }
    }
}

impl UnlockPolicy {
    /// The policy as bound into the key wrap: editing any of it in
    /// `profile.json` makes the key unwrap with no passphrase.
    pub fn binding(&self) -> String {
        format!(
            "policy/{}/{}/{}",
            self.max_failures, self.warn_from, self.backoff_base_ms
        )
    }

    /// How long to wait before the next attempt after `failures` failures.
    pub fn backoff(&self, failures: u32) -> Duration {
        if failures < 2 {
            return Duration::ZERO;
        }
        let factor = 1u64 << (failures - 2).min(16);
        Duration::from_millis(self.backoff_base_ms.saturating_mul(factor).min(60_000))
    }
}

/// Who uses this device, and its unlock policy (`profile.json`).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ProfileInfo {
    /// This device's id.
    pub device_id: Uuid,
    /// The practitioner's display name.
    pub practitioner: String,
    /// Their role (e.g. health visitor).
    pub role: String,
    /// Their team.
    pub team: Option<String>,
    /// When the profile was created.
    pub created_at: DateTime<Utc>,
    /// Unlock policy.
    pub policy: UnlockPolicy,
}

#[derive(Debug, Default, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
struct UnlockState {
    failures: u32,
    last_failure: Option<DateTime<Utc>>,
}

/// Marker left after a crypto-erase.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ErasedMarker {
    /// When.
    pub at: DateTime<Utc>,
    /// Why (no patient data).
    pub reason: String,
}

/// The paths of one profile's files.
#[derive(Debug, Clone)]
pub struct ProfileDir {
    root: PathBuf,
}

impl ProfileDir {
    /// The profile in `root`.
    pub fn new(root: impl Into<PathBuf>) -> Self {
        ProfileDir { root: root.into() }
    }

    /// The data directory.
    pub fn root(&self) -> &Path {
        &self.root
    }
    fn profile(&self) -> PathBuf {
        self.root.join("profile.json")
    }
    fn key(&self) -> PathBuf {
        self.root.join("key.json")
    }
    fn state(&self) -> PathBuf {
        self.root.join("unlock-state.json")
    }
    /// The new key of a passphrase change in progress.
    fn next_key(&self) -> PathBuf {
        self.root.join("key.next.json")
    }
    fn erased(&self) -> PathBuf {
        self.root.join("ERASED")
    }
    /// The database file.
    pub fn database(&self) -> PathBuf {
        self.root.join("doorstep.db")
    }
    fn database_files(&self) -> [PathBuf; 4] {
        let db = self.database();
        let with = |s: &str| PathBuf::from(format!("{}{s}", db.display()));
        [db.clone(), with("-wal"), with("-shm"), with("-journal")]
    }

    /// Whether a profile exists here.
    pub fn exists(&self) -> bool {
        self.key().exists()
    }

    /// The erase marker, when the data here was crypto-erased.
    pub fn erased_marker(&self) -> Option<ErasedMarker> {
        let bytes = fs::read(self.erased()).ok()?;
        serde_json::from_slice(&bytes).ok()
    }

    /// Reads `profile.json`.
    pub fn info(&self) -> Result<ProfileInfo, StoreError> {
        read_json(&self.profile())
    }

    /// Creates a profile: writes profile.json, wraps a fresh data key, and
    /// returns the key so the caller can create the database.
    pub fn create(
        &self,
        info: &ProfileInfo,
        passphrase: &str,
        kdf: KdfParams,
    ) -> Result<DataKey, StoreError> {
        if self.exists() || self.database().exists() {
            return Err(StoreError::ProfileExists);
        }
        fs::create_dir_all(&self.root)?;
        restrict_to_owner(&self.root)?;
        let key = DataKey::random();
        let wrapped = WrappedKey::wrap(&key, passphrase, kdf, &info.policy.binding())?;
        let _ = fs::remove_file(self.erased());
        write_json_atomic(&self.profile(), info)?;
        write_json_atomic(&self.key(), &wrapped)?;
        write_json_atomic(&self.state(), &UnlockState::default())?;
        Ok(key)
    }

    /// Removes a half-made profile after a failed init.
    pub fn remove_incomplete(&self) {
        for p in self.database_files() {
            let _ = fs::remove_file(p);
        }
        for p in [self.key(), self.state(), self.profile()] {
            let _ = fs::remove_file(p);
        }
    }

    /// Tries `passphrase`, failing closed: one unlocker at a time (a file
    /// lock); the back-off waited out; the attempt counted and synced to
    /// disk before the key derivation runs, and no attempt made when it
    /// cannot be; a missing or unreadable count beside a key taken as one
    /// attempt short of erasing; the data erased when the policy's limit is
    /// reached. The policy is bound into the key wrap, so editing it makes
    /// every passphrase fail. Every refusal reads the same.
    pub fn unlock(&self, passphrase: &str) -> Result<DataKey, StoreError> {
        if !self.exists() {
            return Err(match self.erased_marker() {
                Some(m) => StoreError::Erased {
                    at: m.at,
                    just_now: false,
                },
                None => StoreError::NoProfile,
            });
        }
        let info = self.info()?;
        let policy = &info.policy;
        let _turn = self.lock_unlocking()?;
        let wrapped: WrappedKey = read_json(&self.key())?;
        let mut state: UnlockState = read_json(&self.state()).unwrap_or(UnlockState {
            failures: policy.max_failures.saturating_sub(1),
            last_failure: Some(Utc::now()),
        });
        let wait = policy.backoff(state.failures);
        if let Some(last) = state.last_failure {
            let since = (Utc::now() - last).to_std().unwrap_or(Duration::ZERO);
            if since < wait {
                std::thread::sleep(wait - since);
            }
        }
        state.failures += 1;
        state.last_failure = Some(Utc::now());
        let refused = StoreError::WrongPassphrase {
            failures: state.failures,
            max_failures: policy.max_failures,
            warn: state.failures >= policy.warn_from,
            next_wait: policy.backoff(state.failures),
        };
        if write_json_atomic(&self.state(), &state).is_err() {
            // Not counted, not tried.
            return Err(refused);
        }
        match self.unwrap_current(&wrapped, passphrase, &policy.binding())? {
            Some(key) => {
                write_json_atomic(&self.state(), &UnlockState::default())?;
                Ok(key)
            }
            None => {
                if state.failures >= policy.max_failures {
                    let at = self.erase("too many failed unlock attempts")?;
                    return Err(StoreError::Erased { at, just_now: true });
                }
                Err(refused)
            }
        }
    }

    /// Waits for, then holds, the profile's unlock lock (released when the
    /// returned file is dropped).
    fn lock_unlocking(&self) -> Result<fs::File, StoreError> {
        let f = fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(self.root.join("unlock.lock"))?;
        f.lock()?;
        Ok(f)
    }

    /// Crypto-erases the local data: the wrapped key first (without it the
    /// database is unreadable), overwritten in place and synced before it
    /// is removed, with any temporary copy of it; then the database files
    /// and unlock state. Leaves an `ERASED` marker saying when and why.
    pub fn erase(&self, reason: &str) -> Result<DateTime<Utc>, StoreError> {
        let at = Utc::now();
        for key in [
            self.key(),
            self.key().with_extension("tmp"),
            self.next_key(),
            self.next_key().with_extension("tmp"),
        ] {
            overwrite_in_place(&key);
            let _ = fs::remove_file(&key);
        }
        for p in self.database_files() {
            let _ = fs::remove_file(p);
        }
        let _ = fs::remove_file(self.state());
        write_json_atomic(
            &self.erased(),
            &ErasedMarker {
                at,
                reason: reason.into(),
            },
        )?;
        Ok(at)
    }

    /// The data key `passphrase` unwraps, finishing or undoing a
    /// passphrase change a crash interrupted (`key.next.json` left
    /// behind): the key that opens the database is the one in use. `None`
    /// when the passphrase opens nothing.
    fn unwrap_current(
        &self,
        wrapped: &WrappedKey,
        passphrase: &str,
        binding: &str,
    ) -> Result<Option<DataKey>, StoreError> {
        let current = wrapped.unwrap_key(passphrase, binding)?;
        if !self.next_key().exists() {
            return Ok(current);
        }
        if let Some(key) = current {
            if self.opens_database(&key) {
                // The change stopped before the database was re-encrypted.
                self.abandon_rotation();
                return Ok(Some(key));
            }
        }
        let next = read_json::<WrappedKey>(&self.next_key())
            .ok()
            .map(|w| w.unwrap_key(passphrase, binding))
            .transpose()?
            .flatten();
        match next {
            Some(key) if self.opens_database(&key) => {
                // Re-encrypted; the key file was not yet replaced.
                self.finish_rotation()?;
                Ok(Some(key))
            }
            _ => Ok(None),
        }
    }

    fn opens_database(&self, key: &DataKey) -> bool {
        crate::db::open(&self.database(), key, false).is_ok()
    }

    /// Changes the passphrase and rotates the data key, so an old copy of
    /// the key file with the old passphrase no longer opens the database.
    /// The old passphrase must unlock first (it counts as an attempt). In
    /// this order, each step on disk before the next: the new key, wrapped
    /// under the new passphrase, is written beside the old
    /// (`key.next.json`); the database is re-encrypted under it in one
    /// SQLite transaction (`PRAGMA rekey`); the old key file is zeroed
    /// where it lies and the new one renamed over it. An unlock after a
    /// crash finishes or undoes the change. Close the app on this device
    /// first: a connection opened with the old key cannot read afterwards.
    pub fn change_passphrase(
        &self,
        old: &str,
        new: &str,
        kdf: KdfParams,
    ) -> Result<(), StoreError> {
        let old_key = self.unlock(old)?;
        let binding = self.info()?.policy.binding();
        let _turn = self.lock_unlocking()?;
        let new_key = DataKey::random();
        let wrapped = WrappedKey::wrap(&new_key, new, kdf, &binding)?;
        write_json_atomic(&self.next_key(), &wrapped)?;
        if let Err(e) = crate::db::rekey(&self.database(), &old_key, &new_key) {
            // The re-encryption may have committed before the error: the
            // key that opens the database decides.
            if self.opens_database(&new_key) {
                self.finish_rotation()?;
            } else if self.opens_database(&old_key) {
                self.abandon_rotation();
            }
            // Opened by neither: both key files stay for the next unlock.
            return Err(e);
        }
        self.finish_rotation()
    }

    /// The last step of a passphrase change: the new key file renamed over
    /// the old, then the old one's bytes zeroed where they lie through a
    /// handle opened before the rename (so a crash never leaves neither).
    fn finish_rotation(&self) -> Result<(), StoreError> {
        let old = fs::OpenOptions::new().write(true).open(self.key()).ok();
        fs::rename(self.next_key(), self.key())?;
        sync_dir(&self.root);
        if let Some(mut f) = old {
            zero_through(&mut f);
        }
        Ok(())
    }

    /// Undoes the first step: the new key file zeroed and removed.
    fn abandon_rotation(&self) {
        overwrite_in_place(&self.next_key());
        let _ = fs::remove_file(self.next_key());
        sync_dir(&self.root);
    }

    /// The KDF parameters in the key file.
    pub fn kdf_params(&self) -> Result<KdfParams, StoreError> {
        Ok(read_json::<WrappedKey>(&self.key())?.params)
    }
}

/// Makes the data directory private to the user (Unix permissions; on
/// Windows the per-user application-data folder is already private).
fn restrict_to_owner(dir: &Path) -> Result<(), StoreError> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(dir, fs::Permissions::from_mode(0o700))?;
    }
    let _ = dir;
    Ok(())
}

fn read_json<T: for<'de> Deserialize<'de>>(path: &Path) -> Result<T, StoreError> {
    let bytes = fs::read(path)?;
    serde_json::from_slice(&bytes).map_err(|e| {
        StoreError::Corrupt(format!(
            "{}: {e}",
            path.file_name().unwrap_or_default().to_string_lossy()
        ))
    })
}

/// Writes a small file so a crash leaves either the old or the new version.
/// Overwrites a file's bytes with zeros where they lie (no truncation, so
/// the same blocks are written) and syncs it; a missing file is fine.
fn overwrite_in_place(path: &Path) {
    if let Ok(mut f) = fs::OpenOptions::new().write(true).open(path) {
        zero_through(&mut f);
    }
}

/// Overwrites an open file's bytes with zeros and syncs it.
fn zero_through(f: &mut fs::File) {
    use std::io::{Seek, SeekFrom, Write};
    let Ok(len) = f.metadata().map(|m| m.len()) else {
        return;
    };
    let zeros = vec![0u8; len as usize];
    if f.seek(SeekFrom::Start(0)).is_ok() && f.write_all(&zeros).is_ok() {
        let _ = f.sync_all();
    }
}

fn write_json_atomic<T: Serialize>(path: &Path, value: &T) -> Result<(), StoreError> {
    let tmp = path.with_extension("tmp");
    let bytes = serde_json::to_vec_pretty(value).expect("plain data serialises");
    {
        use std::io::Write;
        let mut f = fs::File::create(&tmp)?;
        f.write_all(&bytes)?;
        f.sync_all()?;
    }
    fs::rename(&tmp, path)?;
    if let Some(dir) = path.parent() {
        sync_dir(dir);
    }
    Ok(())
}

/// Syncs a directory, so a rename in it is on disk (where the platform
/// can; elsewhere the rename's own guarantees stand).
fn sync_dir(dir: &Path) {
    #[cfg(unix)]
    if let Ok(d) = fs::File::open(dir) {
        let _ = d.sync_all();
    }
    let _ = dir;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_and_is_capped() {
        let p = UnlockPolicy::default();
        assert_eq!(p.backoff(0), Duration::ZERO);
        assert_eq!(p.backoff(1), Duration::ZERO);
        assert_eq!(p.backoff(2), Duration::from_secs(1));
        assert_eq!(p.backoff(3), Duration::from_secs(2));
        assert_eq!(p.backoff(4), Duration::from_secs(4));
        assert_eq!(p.backoff(30), Duration::from_secs(60));
    }

    #[test]
    fn erase_zeroes_the_key_where_it_lies_and_removes_every_copy() {
        let dir = tempfile::tempdir().unwrap();
        let p = ProfileDir::new(dir.path());
        fs::write(p.key(), b"wrapped key").unwrap();
        fs::write(p.key().with_extension("tmp"), b"half-written copy").unwrap();
        fs::write(p.database(), b"database").unwrap();
        // Zeroed in place: same length, every byte 0.
        let copy = dir.path().join("copy");
        fs::write(&copy, b"secret").unwrap();
        overwrite_in_place(&copy);
        assert_eq!(fs::read(&copy).unwrap(), vec![0u8; 6]);
        p.erase("test").unwrap();
        assert!(!p.key().exists());
        assert!(!p.key().with_extension("tmp").exists());
        assert!(!p.database().exists());
        assert_eq!(p.erased_marker().unwrap().reason, "test");
    }
}
