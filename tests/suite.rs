//! The integration test suite: one binary, so the crate is linked once.
mod suite {
    mod allocation;
    mod assessment;
    mod browser;
    mod cli;
    pub mod common;
    mod console;
    mod determinism;
    mod ensembles;
    mod hand_checked;
    mod hostile;
    mod inspection;
    mod layout;
    mod malformed;
    mod national;
    mod outputs;
    mod reports;
    mod slurm;
    mod synthetic;
    mod tabletop;
    mod threats;
    mod validation;
    pub mod webdriver;
    mod workforce;
}
