//! The result of a drift check: a list of changes, each breaking or
//! compatible, printed as a readable diff.

use std::fmt;

/// Whether a change breaks existing clients.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    /// Existing clients (or the service's existing callers) may fail.
    Breaking,
    /// Existing clients keep working.
    Compatible,
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Severity::Breaking => "breaking",
            Severity::Compatible => "compatible",
        })
    }
}

/// One change between the baseline and the current catalog.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// Breaking or compatible.
    pub severity: Severity,
    /// `procedure` or `topic`.
    pub kind: String,
    /// The procedure's or topic's URI.
    pub uri: String,
    /// Where in it: empty for the entry itself, else e.g. `parameter b`,
    /// `result field mean`.
    pub location: String,
    /// What changed, e.g. `type changed from integer (int64) to string`.
    pub description: String,
}

impl fmt::Display for Change {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let tag = format!("[{}]", self.severity);
        write!(f, "{tag:<13}{} {}", self.kind, self.uri)?;
        if !self.location.is_empty() {
            write!(f, ", {}", self.location)?;
        }
        write!(f, ": {}", self.description)
    }
}

/// All changes found by [`compare`](super::compare), breaking ones first.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Report {
    /// The changes.
    pub changes: Vec<Change>,
}

impl Report {
    /// Whether any change is breaking.
    pub fn is_breaking(&self) -> bool {
        self.breaking().next().is_some()
    }

    /// The breaking changes.
    pub fn breaking(&self) -> impl Iterator<Item = &Change> {
        self.changes
            .iter()
            .filter(|c| c.severity == Severity::Breaking)
    }

    /// The compatible changes.
    pub fn compatible(&self) -> impl Iterator<Item = &Change> {
        self.changes
            .iter()
            .filter(|c| c.severity == Severity::Compatible)
    }

    /// The change at `uri` whose location is `location`, if any.
    pub fn find(&self, uri: &str, location: &str) -> Option<&Change> {
        self.changes
            .iter()
            .find(|c| c.uri == uri && c.location == location)
    }

    /// Whether nothing changed.
    pub fn is_empty(&self) -> bool {
        self.changes.is_empty()
    }

    pub(super) fn sort(&mut self) {
        self.changes.sort_by(|a, b| {
            (a.severity, &a.kind, &a.uri, &a.location).cmp(&(
                b.severity,
                &b.kind,
                &b.uri,
                &b.location,
            ))
        });
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.changes.is_empty() {
            return writeln!(f, "no changes");
        }
        for change in &self.changes {
            writeln!(f, "{change}")?;
        }
        let b = self.breaking().count();
        let c = self.compatible().count();
        let plural = |n: usize| if n == 1 { "" } else { "s" };
        writeln!(
            f,
            "{b} breaking change{}, {c} compatible change{}",
            plural(b),
            plural(c)
        )
    }
}
