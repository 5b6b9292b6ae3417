//! The forms crash test's writer: unlocks the device given on the command
//! line, starts an EPDS response in the given family, and answers items one
//! by one in a loop, printing `ack <response> <item> <value>` after each
//! answer is committed, until it is killed.

use std::io::Write;

use anyhow::Result;
use doorstep_core::{device, Clock};

fn main() -> Result<()> {
    let mut args = std::env::args().skip(1);
    let (dir, family) = (args.next().expect("DATA_DIR"), args.next().expect("FAMILY"));
    let pass = std::env::var("DOORSTEP_PASSPHRASE")?;
    let mut s =
        device::unlock(dir.as_ref(), &pass, Clock::System).map_err(|e| anyhow::anyhow!("{e}"))?;
    let r = s
        .form_start(&family, "epds", None, None)
        .map_err(|e| anyhow::anyhow!("{e}"))?
        .record_id
        .to_string();
    let mut out = std::io::stdout().lock();
    for n in 0u64.. {
        let item = format!("epds-{}", n % 10 + 1);
        // The EPDS answers chosen, first to fourth printed, in turn.
        let value = ["a", "b", "c", "d"][(n / 10 % 4) as usize];
        s.form_answer(&family, &r, &item, value)
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        writeln!(out, "ack {r} {item} {value}")?;
        out.flush()?;
    }
    Ok(())
}
