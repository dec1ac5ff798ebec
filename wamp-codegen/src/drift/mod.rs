//! Drift detection: what changed between a baseline catalog (checked in) and
//! the current one, each change classified breaking or compatible.
//!
//! - a procedure or topic removed, a match policy changed: breaking; added:
//!   compatible;
//! - a parameter removed, a new required parameter, an optional parameter
//!   made required, a parameter's type changed or narrowed (fewer values
//!   accepted), a positional parameter moved: breaking; a new optional
//!   parameter, a widened type (an integer becoming a number, a new enum
//!   variant, a nullable value): compatible;
//! - a result or progressive result: the other way round, old clients must
//!   read every new value: a removed field, a widened type: breaking; a
//!   narrowed type, a new field: compatible;
//! - an event (flows both ways): any type change is breaking;
//! - error URIs added or removed: compatible.
//!
//! ```
//! use wamp_codegen::{Catalog, drift};
//!
//! let old = Catalog::parse(include_str!("../../../examples/snapshots/math_service.catalog.json"))?;
//! let mut new = old.clone();
//! new.procedures.retain(|p| p.uri != "com.math.divide");
//! let report = drift::compare(&old, &new);
//! assert!(report.is_breaking());
//! assert!(report.to_string().contains("procedure com.math.divide: removed"));
//! # Ok::<(), wamp_codegen::Error>(())
//! ```

mod report;
mod schema_diff;

use std::collections::BTreeMap;

use serde_json::Value as Json;

pub use report::{Change, Report, Severity};
use schema_diff::{Differ, describe};

use crate::{Catalog, Entry, Param};

/// Which way values of a schema flow.
#[derive(Clone, Copy)]
enum Flow {
    /// From the client to the service (parameters).
    In,
    /// From the service to the client (results).
    Out,
    /// Both ways (events: clients publish and subscribe).
    Both,
}

/// Compares a baseline catalog with the current one.
pub fn compare(old: &Catalog, new: &Catalog) -> Report {
    let mut report = Report::default();
    let mut cmp = Comparison {
        old,
        new,
        report: &mut report,
    };
    cmp.entries("procedure", &old.procedures, &new.procedures);
    cmp.entries("topic", &old.topics, &new.topics);
    report.sort();
    report
}

struct Comparison<'a> {
    old: &'a Catalog,
    new: &'a Catalog,
    report: &'a mut Report,
}

impl Comparison<'_> {
    fn change(&mut self, severity: Severity, entry: &Entry, location: String, description: String) {
        self.report.changes.push(Change {
            severity,
            kind: entry_kind(entry),
            uri: entry.uri.clone(),
            location,
            description,
        });
    }

    fn entries(&mut self, kind: &str, old: &[Entry], new: &[Entry]) {
        let olds: BTreeMap<&str, &Entry> = old.iter().map(|e| (e.uri.as_str(), e)).collect();
        let news: BTreeMap<&str, &Entry> = new.iter().map(|e| (e.uri.as_str(), e)).collect();
        for (uri, o) in &olds {
            match news.get(uri) {
                Some(n) => self.entry(kind, o, n),
                None => self.change(Severity::Breaking, o, String::new(), "removed".into()),
            }
        }
        for (uri, n) in &news {
            if !olds.contains_key(uri) {
                self.change(Severity::Compatible, n, String::new(), "added".into());
            }
        }
    }

    fn entry(&mut self, kind: &str, o: &Entry, n: &Entry) {
        if o.match_policy() != n.match_policy() {
            self.change(
                Severity::Breaking,
                n,
                String::new(),
                format!(
                    "match policy changed from {} to {}",
                    o.match_policy(),
                    n.match_policy()
                ),
            );
        }
        let topic = kind == "topic";
        self.params(o, n, if topic { Flow::Both } else { Flow::In });
        if !topic {
            self.value(n, "result", &o.result, &n.result, Flow::Out);
            self.value(n, "progressive result", &o.progress, &n.progress, Flow::Out);
        }
        for e in n.errors.iter().filter(|e| !o.errors.contains(e)) {
            self.change(
                Severity::Compatible,
                n,
                "errors".into(),
                format!("may now answer {e}"),
            );
        }
        for e in o.errors.iter().filter(|e| !n.errors.contains(e)) {
            self.change(
                Severity::Compatible,
                n,
                "errors".into(),
                format!("no longer answers {e}"),
            );
        }
    }

    fn params(&mut self, o: &Entry, n: &Entry, flow: Flow) {
        let (op, np) = (o.params(), n.params());
        let find = |ps: &[Param], name: &str| ps.iter().find(|p| p.name == name).cloned();
        for p in &op {
            let at = format!("parameter {}", p.name);
            let Some(q) = find(&np, &p.name) else {
                self.change(Severity::Breaking, n, at, "removed".into());
                continue;
            };
            if p.position != q.position {
                self.change(
                    Severity::Breaking,
                    n,
                    at.clone(),
                    format!(
                        "moved from {} to {}",
                        position(p.position),
                        position(q.position)
                    ),
                );
            }
            match (p.required, q.required) {
                (false, true) => {
                    self.change(Severity::Breaking, n, at.clone(), "became required".into())
                }
                (true, false) => self.change(
                    Severity::Compatible,
                    n,
                    at.clone(),
                    "became optional".into(),
                ),
                _ => {}
            }
            self.value(n, &at, &p.schema, &q.schema, flow);
        }
        for q in np.iter().filter(|q| find(&op, &q.name).is_none()) {
            let at = format!("parameter {}", q.name);
            let what = format!("added ({}, {})", describe(&q.schema), position(q.position));
            if q.required {
                self.change(Severity::Breaking, n, at, format!("{what}, required"));
            } else {
                self.change(Severity::Compatible, n, at, format!("{what}, optional"));
            }
        }
    }

    fn value(&mut self, n: &Entry, location: &str, old: &Json, new: &Json, flow: Flow) {
        match (old.is_null(), new.is_null()) {
            (true, true) => return,
            (false, true) => {
                let severity = match flow {
                    Flow::In => Severity::Compatible,
                    _ => Severity::Breaking,
                };
                self.change(
                    severity,
                    n,
                    location.into(),
                    format!("removed (was {})", describe(old)),
                );
                return;
            }
            (true, false) => {
                self.change(
                    Severity::Compatible,
                    n,
                    location.into(),
                    format!("added ({})", describe(new)),
                );
                return;
            }
            _ => {}
        }
        let mut differ = Differ::new(&self.old.defs, &self.new.defs);
        differ.diff("", old, new);
        for d in differ.diffs {
            let breaking = match flow {
                Flow::In => d.breaks_input,
                Flow::Out => d.breaks_output,
                Flow::Both => d.breaks_input || d.breaks_output,
            };
            let severity = if breaking {
                Severity::Breaking
            } else {
                Severity::Compatible
            };
            self.change(severity, n, format!("{location}{}", d.path), d.description);
        }
    }
}

fn entry_kind(entry: &Entry) -> String {
    if entry.kind.is_empty() {
        "procedure".into()
    } else {
        entry.kind.clone()
    }
}

fn position(p: Option<usize>) -> String {
    match p {
        Some(i) => format!("position {i}"),
        None => "keyword".into(),
    }
}

#[cfg(test)]
mod tests;
