//! Sweeps: the values of one `--set` key to run a scenario at, one ensemble per value.

/// Split a `--set` value into sweep values at top-level commas (not inside quotes, brackets
/// or braces): `0.3,0.5,0.7` → three values; `[1, 2]` stays one.
pub fn sweep_values(value: &str) -> Vec<String> {
    let mut out = Vec::new();
    let (mut depth, mut quote, mut cur) = (0i32, None::<char>, String::new());
    for ch in value.chars() {
        match (quote, ch) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '"' | '\'') => quote = Some(ch),
            (None, '[' | '{') => depth += 1,
            (None, ']' | '}') => depth -= 1,
            (None, ',') if depth == 0 => {
                out.push(std::mem::take(&mut cur).trim().to_string());
                continue;
            }
            _ => {}
        }
        cur.push(ch);
    }
    out.push(cur.trim().to_string());
    out
}

#[cfg(test)]
mod sweep_tests {
    use super::sweep_values;

    #[test]
    fn splits_only_top_level_commas() {
        assert_eq!(sweep_values("0.3,0.5, 0.7"), ["0.3", "0.5", "0.7"]);
        assert_eq!(sweep_values("[1, 2]"), ["[1, 2]"]);
        assert_eq!(sweep_values("{ at = \"3d\" },{ at = \"7d\" }"), ["{ at = \"3d\" }", "{ at = \"7d\" }"]);
        assert_eq!(sweep_values("\"a,b\""), ["\"a,b\""]);
    }
}
