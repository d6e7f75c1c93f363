//! `muster scenarios`: list the shipped scenarios (run one with `muster run NAME`).

use super::failure::Failure;

/// Run `muster scenarios`.
pub fn exec() -> Result<(), Failure> {
    let width = muster::shipped::SHIPPED.iter().map(|(n, _)| n.len()).max().unwrap_or(0);
    for (name, text) in muster::shipped::SHIPPED {
        let q = muster::shipped::question(text).unwrap_or_default();
        println!("{name:<width$}  {q}");
    }
    Ok(())
}
