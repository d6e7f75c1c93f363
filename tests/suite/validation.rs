//! The model against the published record: the built-in reference cases run and read their
//! figures; the cases that test the model's own mechanisms fit their tolerance; a user's file
//! of held-out cases is checked like any input.

use std::process::Command;

use muster::input::{self, InputFile};

#[test]
fn the_reference_cases_run_and_the_mechanism_cases_fit_the_record() {
    let cases = input::load_cases(InputFile {
        name: input::BUILTIN_CASES_NAME,
        bytes: input::BUILTIN_CASES.as_bytes(),
    })
    .expect("the built-in cases load");
    assert!(cases.len() >= 7);
    let fits = muster::analysis::validation::fit(&cases, 8);
    for f in &fits {
        assert!(f.median.is_some(), "{} was never reached", f.id);
    }
    // What docs/validation.md says fits (the two summer-2024 cases are documented misses: the
    // scenario's written demand, and standby mobilisation the model leaves out).
    for id in [
        "national-requirement-in-24h",
        "london-bridge-armed-response",
        "london-2011-first-two-nights",
        "london-2011-by-tuesday",
        "london-2011-in-transit",
    ] {
        let f = fits.iter().find(|f| f.id == id).unwrap_or_else(|| panic!("case {id}"));
        assert!(f.fits, "{id}: median {:?} outside {:?}", f.median, f.tolerance);
    }
    // Same inputs, same figures.
    assert_eq!(fits, muster::analysis::validation::fit(&cases, 8));
}

#[test]
fn a_users_cases_file_is_checked_and_its_problems_located() {
    let d = std::env::temp_dir().join(format!("muster-validation-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    let bad = "[[case]]\nid = \"x\"\ntitle = \"t\"\nrecord = 1.0\nunit = \"hours\"\ntolerance = [2.0, 1.0]\n\
               source = \"s\"\nfigure = { kind = \"peak-on-tusk\", capability = \"public-order\" }\n\
               shipped = \"london-disorder-2011\"\n\n[[case]]\nid = \"y\"\ntitle = \"t\"\nrecord = 1.0\n\
               unit = \"officers\"\ntolerance = [0.0, 1.0]\nsource = \"s\"\n\
               figure = { kind = \"peak-on-task\", capability = \"public-order\" }\nscenario = \"\"\"\n\
               [scenario]\nname = \"n\"\nhorizon = \"1d\"\n\n[[incident]]\nid = \"i\"\nkind = \"disorder\"\n\
               force = \"mett\"\nstart = \"0h\"\n\"\"\"\n";
    std::fs::write(d.join("cases.toml"), bad).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_muster"))
        .args(["validation", "--runs", "1", "--cases"])
        .arg(d.join("cases.toml"))
        .arg("--markdown")
        .arg(d.join("fit.md"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("cases.toml:6:13: tolerance [2, 1] must be two numbers, low first"), "{err}");
    assert!(err.contains("unknown figure kind 'peak-on-tusk'") && err.contains("peak-on-task"), "{err}");
    // The inline scenario's unknown force, at its line in the cases file.
    assert!(err.contains("cases.toml:27:9: unknown force 'mett'"), "{err}");
    assert!(!d.join("fit.md").exists());
}
