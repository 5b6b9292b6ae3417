//! Setting up and unlocking this device: where the data directory is,
//! creating a profile with a passphrase, changing the passphrase, and
//! unlocking into a [`Session`].

use std::path::{Path, PathBuf};
use std::time::Duration;

use doorstep_domain::config::Config;
use doorstep_domain::values::validate::required_text;
use doorstep_store::{KdfParams, ProfileDir, ProfileInfo, Store, UnlockPolicy};
use serde::Serialize;
use uuid::Uuid;

use crate::{Clock, CoreError, Session};

/// The passphrase strength rule (the store's, beside the key it wraps).
pub use doorstep_store::passphrase;

/// The platform's default data directory for Doorstep (e.g.
/// `~/.local/share/doorstep` on Linux, `%APPDATA%\doorstep` on Windows).
pub fn default_data_dir() -> PathBuf {
    dirs::data_dir()
        .unwrap_or_else(|| PathBuf::from("."))
        .join("doorstep")
}

/// The data directory: the explicit one, else `DOORSTEP_DATA_DIR`, else the
/// platform default.
pub fn resolve_data_dir(explicit: Option<&Path>) -> PathBuf {
    explicit
        .map(Path::to_path_buf)
        .or_else(|| {
            std::env::var_os("DOORSTEP_DATA_DIR")
                .filter(|v| !v.is_empty())
                .map(PathBuf::from)
        })
        .unwrap_or_else(default_data_dir)
}

/// Choices made when the device is set up.
#[derive(Debug, Clone)]
pub struct InitOptions {
    /// The practitioner's display name.
    pub practitioner: String,
    /// Their role.
    pub role: String,
    /// Their team.
    pub team: Option<String>,
    /// Failed unlocks before the data is erased.
    pub max_failures: u32,
    /// Back-off unit in milliseconds.
    pub backoff_base_ms: u64,
    /// How long one key derivation should take on this machine.
    pub kdf_target: Duration,
}

impl Default for InitOptions {
    fn default() -> Self {
        InitOptions {
            practitioner: "Demo Practitioner".into(),
            role: "health-visitor".into(),
            team: None,
            max_failures: UnlockPolicy::default().max_failures,
            backoff_base_ms: UnlockPolicy::default().backoff_base_ms,
            kdf_target: Duration::from_millis(500),
        }
    }
}

/// What the first-run screen gives to set a device up. The passphrase is
/// wiped from memory when this is dropped and never printed.
#[derive(Clone, serde::Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct NewProfile {
    /// The new passphrase.
    pub passphrase: String,
    /// The practitioner's display name.
    pub practitioner: String,
    /// Their role code.
    pub role: String,
    /// Their team.
    pub team: Option<String>,
    /// Families of synthetic demo data to create (none for a real device).
    pub demo_families: Option<u32>,
}

impl Drop for NewProfile {
    fn drop(&mut self) {
        zeroize::Zeroize::zeroize(&mut self.passphrase);
    }
}

impl std::fmt::Debug for NewProfile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewProfile")
            .field("passphrase", &"(hidden)")
            .field("practitioner", &self.practitioner)
            .field("role", &self.role)
            .field("team", &self.team)
            .field("demo_families", &self.demo_families)
            .finish()
    }
}

/// The most demo families a first run may ask for.
pub const MAX_DEMO_FAMILIES: u32 = 2_000;

/// Sets a device up in `dir` with the core's security defaults (the unlock
/// policy, the key derivation calibrated to this machine), unlocks it and,
/// when asked, seeds the offline demo caseload (at most
/// [`MAX_DEMO_FAMILIES`]): the first-run screen's one call.
pub fn create_profile(
    dir: &Path,
    profile: &NewProfile,
    clock: Clock,
) -> Result<Session, CoreError> {
    init(
        dir,
        &profile.passphrase,
        &InitOptions {
            practitioner: profile.practitioner.clone(),
            role: profile.role.clone(),
            team: profile.team.clone(),
            ..InitOptions::default()
        },
    )?;
    let mut session = unlock(dir, &profile.passphrase, clock)?;
    if let Some(n) = profile.demo_families.filter(|n| *n > 0) {
        crate::demo::seed(&mut session, n.min(MAX_DEMO_FAMILIES) as usize, 1)?;
    }
    Ok(session)
}

/// What init made.
#[derive(Debug, Clone, serde::Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct InitReport {
    /// The data directory.
    pub data_dir: PathBuf,
    /// The device id.
    pub device_id: Uuid,
    /// The key-derivation parameters chosen.
    pub kdf: KdfParams,
    /// Failed unlocks before erase.
    pub max_failures: u32,
}

/// Creates a device profile in `dir`: checks the passphrase, wraps a fresh
/// data key with Argon2id, creates the encrypted database and migrates it.
/// On any failure nothing is left behind.
pub fn init(dir: &Path, new_passphrase: &str, opts: &InitOptions) -> Result<InitReport, CoreError> {
    let mut problems = doorstep_domain::Problems::new();
    problems.check("passphrase", passphrase::check(new_passphrase));
    let practitioner = problems.check("practitioner", required_text(&opts.practitioner, 100));
    let role = problems.check("role", required_text(&opts.role, 60));
    if opts.max_failures < 1 || opts.max_failures > 100 {
        problems.push("max_failures", "must be between 1 and 100");
    }
    if !problems.is_empty() {
        return Err(problems.into());
    }
    let profile = ProfileDir::new(dir);
    if profile.exists() {
        return Err(CoreError::ProfileExists);
    }
    let kdf = KdfParams::calibrate(opts.kdf_target);
    let policy = UnlockPolicy {
        max_failures: opts.max_failures,
        warn_from: 5.min(opts.max_failures),
        backoff_base_ms: opts.backoff_base_ms,
    };
    let info = ProfileInfo {
        device_id: Uuid::new_v4(),
        practitioner: practitioner.expect("checked"),
        role: role.expect("checked"),
        team: opts.team.clone().filter(|t| !t.trim().is_empty()),
        created_at: chrono::Utc::now(),
        policy,
    };
    let made = profile
        .create(&info, new_passphrase, kdf)
        .and_then(|key| Store::create(&profile, &key));
    if let Err(e) = made {
        if !matches!(e, doorstep_store::StoreError::ProfileExists) {
            profile.remove_incomplete();
        }
        return Err(e.into());
    }
    Ok(InitReport {
        data_dir: dir.to_path_buf(),
        device_id: info.device_id,
        kdf,
        max_failures: policy.max_failures,
    })
}

/// Changes the passphrase and rotates the data key: the database is
/// re-encrypted under a new key (`ProfileDir::change_passphrase`), so an old
/// copy of the key file with the old passphrase opens nothing.
pub fn change_passphrase(
    dir: &Path,
    old: &str,
    new: &str,
    kdf_target: Duration,
) -> Result<(), CoreError> {
    if let Err(e) = passphrase::check(new) {
        return Err(CoreError::invalid("new_passphrase", e));
    }
    if old == new {
        return Err(CoreError::invalid(
            "new_passphrase",
            "is the same as the current passphrase",
        ));
    }
    let kdf = KdfParams::calibrate(kdf_target);
    ProfileDir::new(dir).change_passphrase(old, new, kdf)?;
    Ok(())
}

/// Unlocks the device with `passphrase` and opens the store.
pub fn unlock(dir: &Path, passphrase: &str, clock: Clock) -> Result<Session, CoreError> {
    let profile = ProfileDir::new(dir);
    let key = profile.unlock(passphrase)?;
    let info = profile.info()?;
    let config = load_config(dir)?;
    let store = Store::open(&profile, &key)?;
    drop(key);
    Ok(Session::new(store, info, profile, clock, config))
}

/// The organisation configuration: `config.json` in the data directory when
/// present (it holds rules, never patient data), else the defaults.
pub fn load_config(dir: &Path) -> Result<Config, CoreError> {
    match std::fs::read_to_string(dir.join("config.json")) {
        Ok(text) => Config::from_json(&text).map_err(|e| CoreError::invalid("config.json", e)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Config::default()),
        Err(_) => Err(CoreError::invalid("config.json", "cannot be read")),
    }
}

/// What a data directory holds, readable without the passphrase (the
/// unlock screen shows whose device it is; nothing clinical is in it).
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ProfileStatus {
    /// Whether a profile exists (else the first-run screen).
    pub exists: bool,
    /// When and why the local data was erased, if it was.
    pub erased: Option<ErasedView>,
    /// The practitioner's display name.
    pub practitioner: Option<String>,
    /// Their role.
    pub role: Option<String>,
    /// Their team.
    pub team: Option<String>,
}

/// An erasure, as shown before a new set-up.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ErasedView {
    /// When (UTC).
    pub at: chrono::DateTime<chrono::Utc>,
    /// Why (revocation or failed unlocks; no patient data).
    pub reason: String,
}

/// Reads the profile's public part.
pub fn profile_status(dir: &Path) -> Result<ProfileStatus, CoreError> {
    let profile = ProfileDir::new(dir);
    let erased = profile.erased_marker().map(|m| ErasedView {
        at: m.at,
        reason: m.reason,
    });
    if !profile.exists() {
        return Ok(ProfileStatus {
            exists: false,
            erased,
            practitioner: None,
            role: None,
            team: None,
        });
    }
    let info = profile.info()?;
    Ok(ProfileStatus {
        exists: true,
        erased,
        practitioner: Some(info.practitioner),
        role: Some(info.role),
        team: info.team,
    })
}

/// Keeps the process's memory (the data key, decrypted pages, what was
/// typed) out of crash dumps: no core file, and not dumpable by another
/// process of the same user. Called first by every Doorstep binary that
/// opens the store; a platform without the calls is left as it is.
pub fn forbid_core_dumps() {
    #[cfg(unix)]
    {
        use rustix::process::{setrlimit, Resource, Rlimit};
        let none = Rlimit {
            current: Some(0),
            maximum: Some(0),
        };
        let _ = setrlimit(Resource::Core, none);
    }
    #[cfg(target_os = "linux")]
    {
        use rustix::process::{set_dumpable_behavior, DumpableBehavior};
        let _ = set_dumpable_behavior(DumpableBehavior::NotDumpable);
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_new_profile_never_prints_its_passphrase() {
        let p = super::NewProfile {
            passphrase: "correct horse battery staple".into(),
            practitioner: "Test Visitor".into(),
            role: "health-visitor".into(),
            team: None,
            demo_families: None,
        };
        let shown = format!("{p:?}");
        assert!(!shown.contains("horse"), "{shown}");
        assert!(shown.contains("Test Visitor"));
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn the_process_leaves_no_core_dump() {
        use rustix::process::{dumpable_behavior, getrlimit, DumpableBehavior, Resource};
        super::forbid_core_dumps();
        let limit = getrlimit(Resource::Core);
        assert_eq!((limit.current, limit.maximum), (Some(0), Some(0)));
        assert_eq!(dumpable_behavior().unwrap(), DumpableBehavior::NotDumpable);
    }
}
