//! The cluster workflow of docs/distributed.md on a real single-node Slurm cluster: the
//! submit, shard and merge scripts are taken from the doc as written, run on the loopback
//! interface, and the merged bytes compared with one machine's (tests/slurm/cluster.sh, which
//! installs Debian's slurm-wlm and munge when missing and stops every daemon it starts).

use super::common::{muster, scratch};

#[test]
fn the_documented_job_array_merges_to_the_one_machine_bytes() {
    let work = scratch("slurm", "cluster");
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/slurm/cluster.sh");
    let binary = muster().get_program().to_owned();
    // 16 shards of one replication each: every task runs, and the test stays within a minute.
    let o = std::process::Command::new("bash")
        .arg(script)
        .arg(&binary)
        .arg(work.join("cluster"))
        .arg("16")
        .output()
        .expect("bash runs");
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "the cluster test failed:\n{err}");
    assert!(err.contains("merged 16 shards: byte-identical to one machine (17 lines)"), "{err}");
    assert!(err.contains("reproduced part 7 byte for byte"), "{err}");
    let _ = std::fs::remove_dir_all(&work);
}
