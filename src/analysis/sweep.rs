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

/// One dimension of a sweep: a `--set` key and the values it takes.
pub type Dimension = (String, Vec<String>);

/// Split `--set KEY=VALUE` overrides into the sweep's dimensions (values with top-level commas)
/// and the overrides every point shares, each in the order given.
pub fn dimensions(sets: &[String]) -> (Vec<Dimension>, Vec<String>) {
    let mut dims = Vec::new();
    let mut fixed = Vec::new();
    for s in sets {
        match s.split_once('=') {
            Some((k, v)) if sweep_values(v).len() > 1 => dims.push((k.trim().to_string(), sweep_values(v))),
            _ => fixed.push(s.clone()),
        }
    }
    (dims, fixed)
}

/// Every point of the grid, in row-major order: the last dimension changes fastest.
pub fn grid(dims: &[Dimension]) -> Vec<Vec<String>> {
    let mut points: Vec<Vec<String>> = vec![Vec::new()];
    for (_, values) in dims {
        points = points
            .iter()
            .flat_map(|p| values.iter().map(move |v| [p.clone(), vec![v.clone()]].concat()))
            .collect();
    }
    points
}

#[cfg(test)]
mod sweep_tests {
    use super::{dimensions, grid, sweep_values};

    #[test]
    fn the_grid_is_row_major_over_the_swept_keys_only() {
        let sets = ["a=1,2".to_string(), "b=x".to_string(), "c=[1, 2],3".to_string()];
        let (dims, fixed) = dimensions(&sets);
        assert_eq!(fixed, ["b=x"]);
        assert_eq!(dims.len(), 2);
        let points = grid(&dims);
        assert_eq!(
            points,
            [["1", "[1, 2]"], ["1", "3"], ["2", "[1, 2]"], ["2", "3"]].map(|p| p.map(String::from).to_vec())
        );
    }

    #[test]
    fn splits_only_top_level_commas() {
        assert_eq!(sweep_values("0.3,0.5, 0.7"), ["0.3", "0.5", "0.7"]);
        assert_eq!(sweep_values("[1, 2]"), ["[1, 2]"]);
        assert_eq!(sweep_values("{ at = \"3d\" },{ at = \"7d\" }"), ["{ at = \"3d\" }", "{ at = \"7d\" }"]);
        assert_eq!(sweep_values("\"a,b\""), ["\"a,b\""]);
    }
}
