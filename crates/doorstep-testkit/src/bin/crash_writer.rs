//! The crash harness's writer: unlocks the device given on the command line
//! and adds families in a loop, printing `ack <id>` after each commit, until
//! it is killed.

use std::io::Write;

use anyhow::Result;
use doorstep_core::domain::record::family::{NewFamily, NewPerson};
use doorstep_core::{device, Clock};

fn main() -> Result<()> {
    let dir = std::env::args()
        .nth(1)
        .expect("usage: crash-writer DATA_DIR");
    let pass = std::env::var("DOORSTEP_PASSPHRASE")?;
    let mut session =
        device::unlock(dir.as_ref(), &pass, Clock::System).map_err(|e| anyhow::anyhow!("{e}"))?;
    let mut out = std::io::stdout().lock();
    for i in 0u64.. {
        let w = session
            .add_family(&NewFamily {
                address_line1: format!("{} Crash Test Street", i % 500 + 1),
                postcode: "CV1 2AB".into(),
                ..Default::default()
            })
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        session
            .add_person(
                &w.family_id.to_string(),
                &NewPerson {
                    role: "parent".into(),
                    given_name: Some("Test".into()),
                    family_name: "Writer".into(),
                    ..Default::default()
                },
                false,
            )
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        writeln!(out, "ack {}", w.family_id)?;
        out.flush()?;
    }
    Ok(())
}
