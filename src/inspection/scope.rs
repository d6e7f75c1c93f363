//! What a scope is (a force, a region or the nation) and where a battery's tests go in it.

use std::collections::BTreeMap;

use crate::diagnostics::suggest;
use crate::model::{Dataset, ForceId};
use crate::results::{Assessment, ScopeAssessment};

/// The kind of place inspected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScopeKind {
    /// One force.
    Force,
    /// A mutual-aid region.
    Region,
    /// Every force.
    National,
}

impl ScopeKind {
    /// As reports name it.
    pub fn name(self) -> &'static str {
        match self {
            ScopeKind::Force => "force",
            ScopeKind::Region => "region",
            ScopeKind::National => "national",
        }
    }
}

/// A place to inspect.
#[derive(Debug, Clone, PartialEq)]
pub struct Scope {
    /// As the user named it (a force code, a region name, or `national`).
    pub name: String,
    /// What kind of place it is.
    pub kind: ScopeKind,
    /// Its forces, by code, largest (by officers) first.
    pub forces: Vec<String>,
}

/// A scope that names nothing in the dataset.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("no force or region called '{name}' in the dataset")]
pub struct ScopeError {
    /// As given.
    pub name: String,
    /// A nearby name, if there is one.
    pub hint: Option<String>,
}

/// The forces of `data` for which `keep` holds, largest first (ties by code).
fn largest_first(data: &Dataset, keep: impl Fn(ForceId) -> bool) -> Vec<String> {
    let mut ids: Vec<ForceId> = data.force_ids().filter(|&f| keep(f)).collect();
    ids.sort_by(|a, b| data.force(*b).officers.cmp(&data.force(*a).officers).then(a.cmp(b)));
    ids.into_iter().map(|f| data.force(f).code.clone()).collect()
}

impl Scope {
    /// The scope called `name` in `data`: a force code, a region name, or `national`.
    pub fn find(data: &Dataset, name: &str) -> Result<Scope, ScopeError> {
        let lower = name.to_lowercase();
        if lower == "national" {
            return Ok(Scope {
                name: lower,
                kind: ScopeKind::National,
                forces: largest_first(data, |_| true),
            });
        }
        if let Some(f) = data.force_by_code(&lower) {
            return Ok(Scope {
                name: lower,
                kind: ScopeKind::Force,
                forces: vec![data.force(f).code.clone()],
            });
        }
        if let Ok(r) = data.regions.binary_search(&lower) {
            let forces = largest_first(data, |f| usize::from(data.force(f).region.0) == r);
            return Ok(Scope { name: lower, kind: ScopeKind::Region, forces });
        }
        let names =
            data.forces.iter().map(|f| f.code.as_str()).chain(data.regions.iter().map(String::as_str));
        let hint = suggest(name, names.chain(["national"])).or_else(|| data.force_hint(name));
        Err(ScopeError { name: name.to_string(), hint })
    }

    /// What a test's placeholders become in this scope (see `model::PLACEHOLDERS`).
    pub fn placement(&self, data: &Dataset) -> BTreeMap<&'static str, String> {
        let host_code = self.forces.first().cloned().unwrap_or_default();
        let host = data.force_by_code(&host_code);
        // The host's neighbours, largest first.
        let neighbours: Vec<String> = match host {
            Some(h) => largest_first(data, |f| {
                data.borders.iter().any(|b| (b.a == h && b.b == f) || (b.b == h && b.a == f))
            }),
            None => Vec::new(),
        };
        // The next towns: the scope's next largest forces, then the host's largest
        // neighbours outside it (a one-force scope), then the host again.
        let mut others =
            self.forces.iter().skip(1).chain(neighbours.iter().filter(|n| !self.forces.contains(n)));
        let second = others.next().cloned().unwrap_or_else(|| host_code.clone());
        let third = others.next().cloned().unwrap_or_else(|| second.clone());
        let list = |codes: &[String]| {
            format!("[{}]", codes.iter().map(|c| format!("\"{c}\"")).collect::<Vec<_>>().join(", "))
        };
        let closures = format!(
            "[{}]",
            neighbours.iter().map(|n| format!("[\"{host_code}\", \"{n}\"]")).collect::<Vec<_>>().join(", ")
        );
        let region =
            host.map_or(String::new(), |h| data.regions[usize::from(data.force(h).region.0)].clone());
        let host_name = host.map_or(String::new(), |h| data.force(h).name.clone());
        BTreeMap::from([
            ("host", host_code),
            ("host_name", host_name),
            ("second", second),
            ("third", third),
            ("region", region),
            ("neighbours", list(&neighbours)),
            ("closures", closures),
            ("scope", self.name.clone()),
        ])
    }

    /// This scope's grades in `a`.
    pub fn assessment_of(&self, a: &Assessment) -> ScopeAssessment {
        let found = match self.kind {
            ScopeKind::National => Some(&a.nation),
            ScopeKind::Region => a.regions.iter().find(|s| s.scope == self.name),
            ScopeKind::Force => a.forces.iter().find(|s| s.scope == self.name),
        };
        found.cloned().unwrap_or_else(|| ScopeAssessment {
            scope: self.name.clone(),
            areas: Vec::new(),
            unmet_demand: Vec::new(),
            exercised: Vec::new(),
        })
    }

    /// The scopes of the same kind in `data` (itself among them), in name order: every force
    /// with a border (forces without one, the national forces, cannot host a test that closes
    /// roads), every region, or the nation alone.
    pub fn peers(&self, data: &Dataset) -> Vec<Scope> {
        let names: Vec<String> = match self.kind {
            ScopeKind::National => vec!["national".into()],
            ScopeKind::Region => data.regions.clone(),
            ScopeKind::Force => data
                .force_ids()
                .filter(|&f| data.borders.iter().any(|b| b.a == f || b.b == f))
                .map(|f| data.force(f).code.clone())
                .collect(),
        };
        names.iter().filter_map(|n| Scope::find(data, n).ok()).collect()
    }
}
