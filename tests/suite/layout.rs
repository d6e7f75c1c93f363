//! The layout shows the architecture (ARCHITECTURE.md): every module of `src/` imports only from
//! its own layer or the layers below it, and no modules import each other in a circle. Read
//! from the source text: every `crate::a::b` and `super::x` path names a module; a module's
//! references to its own ancestors (the `mod.rs` that declares it) are part of it.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// The layers, lowest first: a top-level module may import from its own layer and below.
const LAYERS: [&[&str]; 9] = [
    &["time", "diagnostics", "shipped"],
    &["model"],
    &["input", "results"],
    &["engine"],
    &["analysis", "synth"],
    &["assessment", "inspection", "tabletop"],
    &["present"],
    &["web"],
    &["cli", "main"],
];

fn layer(top: &str) -> Option<usize> {
    LAYERS.iter().position(|l| l.contains(&top))
}

/// Every module of `src/` by path (`engine::systems`), with its file's text.
fn modules() -> BTreeMap<String, String> {
    fn walk(dir: &Path, prefix: &[String], out: &mut BTreeMap<String, String>) {
        let mut entries: Vec<_> = std::fs::read_dir(dir).expect("src is readable").flatten().collect();
        entries.sort_by_key(|e| e.path());
        for e in entries {
            let path = e.path();
            let name = path.file_stem().and_then(|s| s.to_str()).unwrap_or("").to_string();
            if path.is_dir() {
                let mut p = prefix.to_vec();
                p.push(name);
                walk(&path, &p, out);
            } else if path.extension().is_some_and(|x| x == "rs") {
                let mut p = prefix.to_vec();
                if name != "mod" && name != "lib" {
                    p.push(name);
                }
                out.insert(p.join("::"), std::fs::read_to_string(&path).expect("a source file"));
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src"), &[], &mut out);
    out
}

/// The path segments after each occurrence of `root::` in `text` (`crate::engine::run` → engine, run).
fn paths<'a>(text: &'a str, root: &str) -> Vec<Vec<&'a str>> {
    let needle = format!("{root}::");
    let mut out = Vec::new();
    for (at, _) in text.match_indices(&needle) {
        // Only the keyword itself, not `supercrate::` or `my_super::`.
        let before = text[..at].chars().next_back();
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_') || text[..at].ends_with("::") {
            continue;
        }
        let rest = &text[at + needle.len()..];
        let segs: Vec<&str> = rest
            .split("::")
            .map(|s| s.split(|c: char| !(c.is_alphanumeric() || c == '_')).next().unwrap_or(""))
            .take_while(|s| {
                !s.is_empty() && s.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
            })
            .collect();
        if !segs.is_empty() {
            out.push(segs);
        }
    }
    out
}

/// Module → the modules it names (the longest prefix of each path that is a module), without
/// itself and its ancestors.
fn imports(mods: &BTreeMap<String, String>) -> BTreeMap<String, BTreeSet<String>> {
    let mut out = BTreeMap::new();
    for (m, text) in mods {
        let here: Vec<String> =
            if m.is_empty() { Vec::new() } else { m.split("::").map(str::to_string).collect() };
        let mut deps = BTreeSet::new();
        let mut add = |full: Vec<String>| {
            for k in (1..=full.len()).rev() {
                let cand = full[..k].join("::");
                if mods.contains_key(&cand) {
                    let ancestor = *m == cand || m.starts_with(&format!("{cand}::"));
                    if !ancestor {
                        deps.insert(cand);
                    }
                    break;
                }
            }
        };
        for p in paths(text, "crate") {
            add(p.iter().map(|s| s.to_string()).collect());
        }
        // `super::` in `a::b::c` means `a::b` (from a file or a `mod.rs` alike), and each
        // further `super::` one level up.
        for p in paths(text, "super") {
            let ups = 1 + p.iter().take_while(|s| **s == "super").count();
            let mut full: Vec<String> = here[..here.len().saturating_sub(ups)].to_vec();
            full.extend(p.iter().skip(ups - 1).map(|s| s.to_string()));
            add(full);
        }
        out.insert(m.clone(), deps);
    }
    out
}

#[test]
fn every_module_imports_only_from_its_layer_or_below() {
    let mods = modules();
    let graph = imports(&mods);
    let mut wrong = Vec::new();
    for (m, deps) in &graph {
        let Some(top) = m.split("::").next().filter(|t| !t.is_empty()) else { continue };
        let mine = layer(top)
            .unwrap_or_else(|| panic!("src/{top} is in no layer: add it to LAYERS and ARCHITECTURE.md"));
        for d in deps {
            let theirs = d.split("::").next().and_then(layer).unwrap_or(0);
            if theirs > mine {
                wrong.push(format!("{m} imports {d}, a layer above it"));
            }
        }
    }
    assert!(wrong.is_empty(), "{wrong:#?}");
    // The rule has teeth: the analysis layer is below the assessment.
    assert!(layer("analysis") < layer("assessment") && layer("engine") < layer("analysis"));
}

#[test]
fn no_modules_import_each_other_in_a_circle() {
    let graph = imports(&modules());
    /// Tarjan's strongly connected components: the next index, each visited module's (index,
    /// lowest index reachable), the stack and what is on it.
    type Tarjan = (usize, BTreeMap<String, (usize, usize)>, Vec<String>, BTreeSet<String>);
    fn visit(
        v: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        state: &mut Tarjan,
        circles: &mut Vec<Vec<String>>,
    ) {
        let n = state.0;
        state.0 += 1;
        state.1.insert(v.to_string(), (n, n));
        state.2.push(v.to_string());
        state.3.insert(v.to_string());
        for w in graph.get(v).into_iter().flatten() {
            if !state.1.contains_key(w) {
                visit(w, graph, state, circles);
                let low_w = state.1[w].1;
                let e = state.1.get_mut(v).expect("visited");
                e.1 = e.1.min(low_w);
            } else if state.3.contains(w) {
                let idx_w = state.1[w].0;
                let e = state.1.get_mut(v).expect("visited");
                e.1 = e.1.min(idx_w);
            }
        }
        let (idx, low) = state.1[v];
        if idx == low {
            let mut comp = Vec::new();
            while let Some(w) = state.2.pop() {
                state.3.remove(&w);
                let done = w == v;
                comp.push(w);
                if done {
                    break;
                }
            }
            if comp.len() > 1 {
                comp.sort();
                circles.push(comp);
            }
        }
    }
    let mut state: Tarjan = (0, BTreeMap::new(), Vec::new(), BTreeSet::new());
    let mut circles = Vec::new();
    for v in graph.keys() {
        if !state.1.contains_key(v) {
            visit(v, &graph, &mut state, &mut circles);
        }
    }
    assert!(circles.is_empty(), "modules that import each other: {circles:?}");
}

#[test]
fn the_checker_sees_a_circle_and_a_layer_broken() {
    // A small made-up tree: a::x and a::y name each other; model names engine.
    let mut mods = BTreeMap::new();
    mods.insert("a".to_string(), "pub mod x; pub mod y;".to_string());
    mods.insert("a::x".to_string(), "use super::y::thing;".to_string());
    mods.insert("a::y".to_string(), "use crate::a::x::other; use super::super::model;".to_string());
    mods.insert("model".to_string(), "use crate::engine::step;".to_string());
    mods.insert("engine".to_string(), String::new());
    let g = imports(&mods);
    assert!(g["a::x"].contains("a::y") && g["a::y"].contains("a::x"), "{g:?}");
    assert!(g["model"].contains("engine"));
    assert!(layer("model") < layer("engine"), "so model → engine breaks the rule");
}
