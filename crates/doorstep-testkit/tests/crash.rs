//! Crash safety: 200 SIGKILL cycles of a writer adding families; after each
//! kill the store opens, integrity_check is ok, and nothing acknowledged is
//! lost.

use doorstep_testkit::{crash, TempDevice};

#[test]
fn acknowledged_families_survive_200_kills() {
    let device = TempDevice::new();
    let writer = std::path::PathBuf::from(env!("CARGO_BIN_EXE_crash-writer"));
    let report =
        crash::run_cycles(&writer, &device.data_dir(), 200, 42).expect("every cycle is clean");
    assert_eq!(report.cycles, 200);
    assert!(
        report.acknowledged >= 200,
        "the writer acknowledged at least one family per cycle"
    );
    assert_eq!(report.present, report.acknowledged);
}
