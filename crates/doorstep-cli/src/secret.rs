//! Reading passphrases: from an environment variable for scripts and tests,
//! otherwise from the terminal without echo (twice for a new one). Each is
//! wiped from memory when dropped.

use doorstep_core::CoreError;
use zeroize::Zeroizing;

/// A passphrase, wiped from memory when dropped.
pub type Secret = Zeroizing<String>;

fn prompt(text: &str) -> Result<Secret, CoreError> {
    rpassword::prompt_password(text)
        .map(Zeroizing::new)
        .map_err(|_| {
            CoreError::invalid(
                "passphrase",
                "could not be read from the terminal: set it in DOORSTEP_PASSPHRASE",
            )
        })
}

/// The passphrase from `var`, or a prompt.
pub fn passphrase(var: &str, text: &str) -> Result<Secret, CoreError> {
    match std::env::var(var) {
        Ok(v) => Ok(Zeroizing::new(v)),
        Err(_) => prompt(text),
    }
}

/// A new passphrase from `var`, or asked twice at the terminal.
pub fn new_passphrase(var: &str) -> Result<Secret, CoreError> {
    if let Ok(v) = std::env::var(var) {
        return Ok(Zeroizing::new(v));
    }
    let first = prompt("New passphrase: ")?;
    let second = prompt("Type it again: ")?;
    if *first != *second {
        return Err(CoreError::invalid(
            "passphrase",
            "the two entries do not match",
        ));
    }
    Ok(first)
}
