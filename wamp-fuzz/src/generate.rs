//! Structure-aware generation: WAMP messages of all 25 types as frame
//! values, with random but plausible fields (URIs the router knows, IDs at
//! the edges of their range or seen in the router's output, options with
//! their real keys, nested arguments with binary values).

use rand::Rng;
use rand::rngs::StdRng;

use crate::fv::FValue;

/// The largest WAMP ID, 2^53.
pub const MAX_ID: u64 = 1 << 53;

/// Every message type code, with the extension `EVENT_RECEIVED` (337).
pub const CODES: [u64; 25] = [
    1, 2, 3, 4, 5, 6, 8, 16, 17, 32, 33, 34, 35, 36, 48, 49, 50, 64, 65, 66, 67, 68, 69, 70, 337,
];

/// The codes a client sends in an established session (what the router core
/// acts on), with GOODBYE, weighted: calls, registrations, yields and
/// publications most.
pub const CLIENT_CODES: [u64; 32] = [
    48, 48, 48, 48, 48, 48, 64, 64, 64, 64, 70, 70, 70, 70, 70, 16, 16, 16, 16, 32, 32, 32, 8, 8,
    8, 49, 49, 66, 66, 34, 337, 6,
];

const PROCEDURES: [&str; 4] = ["com.a.x", "com.a.y", "com.b.x", "com.b.y.z"];
/// Patterns (prefix and wildcard), for REGISTER and SUBSCRIBE.
const PATTERNS: [&str; 4] = ["com.a.", "com..x", "t.a.", "t..x"];
const TOPICS: [&str; 3] = ["t.a.x", "t.a.y", "t.b.x"];
const META: [&str; 26] = [
    "wamp.session.count",
    "wamp.session.list",
    "wamp.session.get",
    "wamp.session.kill",
    "wamp.session.kill_all",
    "wamp.session.kill_by_authid",
    "wamp.session.kill_by_authrole",
    "wamp.registration.list",
    "wamp.registration.lookup",
    "wamp.registration.match",
    "wamp.registration.get",
    "wamp.registration.list_callees",
    "wamp.registration.count_callees",
    "wamp.registration.remove_callee",
    "wamp.subscription.list",
    "wamp.subscription.lookup",
    "wamp.subscription.match",
    "wamp.subscription.get",
    "wamp.subscription.list_subscribers",
    "wamp.subscription.count_subscribers",
    "wamp.subscription.remove_subscriber",
    "wamp.reflection.catalog",
    "wamp.reflection.procedure.list",
    "wamp.reflection.procedure.describe",
    "wamp.reflection.topic.list",
    "wamp.reflection.topic.describe",
];
const META_TOPICS: [&str; 6] = [
    "wamp.session.on_join",
    "wamp.session.on_leave",
    "wamp.registration.on_create",
    "wamp.registration.on_register",
    "wamp.subscription.on_subscribe",
    "wamp.subscription.",
];
const ODD_URIS: [&str; 12] = [
    "",
    ".",
    "com..",
    "..",
    "com.a.x.",
    ".com.a",
    "com a.x",
    "Com.A#X",
    "com.ü.ß",
    "wamp.error.canceled",
    "wamp.close.normal",
    "wamp.",
];
const AUTHIDS: [&str; 4] = ["user0", "user1", "admin", ""];
const AUTHROLES: [&str; 4] = ["anonymous", "admin", "restricted", "nobody"];

/// Picks one item.
pub fn pick<'a, T>(rng: &mut StdRng, items: &'a [T]) -> &'a T {
    &items[rng.random_range(0..items.len())]
}

/// What the generator knows of its target: IDs worth reusing.
#[derive(Debug, Default, Clone, Copy)]
pub struct Hints<'a> {
    /// IDs seen in the router's output.
    pub ids: &'a [u64],
}

/// A generator of one case.
pub struct Gen<'r, 'h> {
    /// The case's random source.
    pub rng: &'r mut StdRng,
    /// What the target told.
    pub hints: Hints<'h>,
    next_request: u64,
}

impl<'r, 'h> Gen<'r, 'h> {
    /// A generator drawing from `rng`.
    pub fn new(rng: &'r mut StdRng, hints: Hints<'h>) -> Self {
        Gen {
            rng,
            hints,
            next_request: 0,
        }
    }

    fn chance(&mut self, p: f64) -> bool {
        self.rng.random_bool(p)
    }

    /// An ID: mostly plausible (fresh requests, IDs the router sent), some
    /// at the edges (0, 2^53, 2^53 + 1, 2^64 - 1).
    pub fn id(&mut self) -> FValue {
        let n = match self.rng.random_range(0..20) {
            0 => 0,
            1 => MAX_ID,
            2 => MAX_ID + 1,
            3 => u64::MAX,
            4 => self.rng.random_range(1..=MAX_ID),
            5..=7 => self.rng.random_range(1..=8),
            8..=13 if !self.hints.ids.is_empty() => *pick(self.rng, self.hints.ids),
            _ => {
                self.next_request += 1;
                self.next_request
            }
        };
        FValue::UInt(n)
    }

    fn uri_from(&mut self, usual: &[&str]) -> FValue {
        match self.rng.random_range(0..20) {
            0 => FValue::s(pick(self.rng, &ODD_URIS)),
            3 | 4 => FValue::s(pick(self.rng, &PATTERNS)),
            1 => FValue::s(pick(self.rng, &META_TOPICS)),
            2 => {
                let len = self.rng.random_range(0..300);
                FValue::Str("a.".repeat(len) + "z")
            }
            _ => FValue::s(pick(self.rng, usual)),
        }
    }

    fn procedure(&mut self) -> FValue {
        if self.chance(0.3) {
            FValue::s(pick(self.rng, &META))
        } else {
            self.uri_from(&PROCEDURES)
        }
    }

    fn topic(&mut self) -> FValue {
        self.uri_from(&TOPICS)
    }

    /// A string: words, authids, URIs, unicode, long ones.
    pub fn string(&mut self) -> FValue {
        match self.rng.random_range(0..10) {
            0 => FValue::s(""),
            1 => FValue::s(pick(self.rng, &AUTHIDS)),
            2 => FValue::s(pick(self.rng, &AUTHROLES)),
            3 => FValue::s("\u{0}nul and \u{1F600} and \\\"quotes\""),
            4 => {
                let len = self.rng.random_range(0..2000);
                FValue::Str("x".repeat(len))
            }
            5 => FValue::Str("\u{0}".to_owned() + "AAEC"),
            _ => FValue::s(pick(self.rng, &PROCEDURES)),
        }
    }

    /// An integer at the interesting places of its range.
    pub fn int(&mut self) -> FValue {
        match self.rng.random_range(0..12) {
            0 => FValue::Int(i64::MIN),
            1 => FValue::Int(-1),
            2 => FValue::UInt(u64::MAX),
            3 => FValue::UInt(MAX_ID),
            4 => FValue::Int(i64::MAX),
            5 => FValue::Int(-(MAX_ID as i64) - 1),
            6 => FValue::UInt(u32::MAX as u64 + 1),
            _ => FValue::Int(self.rng.random_range(-1000..1000)),
        }
    }

    fn float(&mut self) -> FValue {
        FValue::Float(match self.rng.random_range(0..8) {
            0 => f64::NAN,
            1 => f64::INFINITY,
            2 => -0.0,
            3 => f64::MAX,
            4 => f64::MIN_POSITIVE / 4.0,
            5 => 2.0,
            _ => self.rng.random_range(-1e6..1e6),
        })
    }

    fn bytes(&mut self) -> Vec<u8> {
        let len = if self.chance(0.05) {
            self.rng.random_range(0..5000)
        } else {
            self.rng.random_range(0..24)
        };
        (0..len).map(|_| self.rng.random()).collect()
    }

    /// Any value, nested up to `depth`.
    pub fn value(&mut self, depth: usize) -> FValue {
        let top = if depth == 0 { 7 } else { 10 };
        match self.rng.random_range(0..top) {
            0 => FValue::Null,
            1 => FValue::Bool(self.rng.random()),
            2 => self.int(),
            3 => self.float(),
            4 | 5 => self.string(),
            6 => FValue::Bin(self.bytes()),
            7 | 8 => {
                let n = self.rng.random_range(0..5);
                FValue::List((0..n).map(|_| self.value(depth - 1)).collect())
            }
            _ => {
                let n = self.rng.random_range(0..5);
                FValue::Map(
                    (0..n)
                        .map(|_| (self.key(), self.value(depth - 1)))
                        .collect(),
                )
            }
        }
    }

    fn key(&mut self) -> FValue {
        match self.rng.random_range(0..20) {
            0 => self.int(),
            1 => FValue::Bin(self.bytes()),
            2 => FValue::s(""),
            _ => FValue::s(pick(
                self.rng,
                &["a", "b", "x_custom", "session", "authid", "_", "0"],
            )),
        }
    }

    fn ids(&mut self) -> FValue {
        let n = self.rng.random_range(0..4);
        FValue::List((0..n).map(|_| self.id()).collect())
    }

    fn strings(&mut self, from: &[&str]) -> FValue {
        let n = self.rng.random_range(0..3);
        FValue::List((0..n).map(|_| FValue::s(pick(self.rng, from))).collect())
    }

    fn bool(&mut self) -> FValue {
        FValue::Bool(self.rng.random())
    }

    /// An options or details dict: some of `keys` with plausible values,
    /// sometimes an extra key.
    fn options(&mut self, keys: &[(&'static str, Kind)]) -> FValue {
        let mut entries = Vec::new();
        for (key, kind) in keys {
            if self.chance(0.25) {
                let v = self.of_kind(*kind);
                entries.push((FValue::s(key), v));
            }
        }
        if self.chance(0.1) {
            let k = self.key();
            let v = self.value(2);
            entries.push((k, v));
        }
        FValue::Map(entries)
    }

    fn of_kind(&mut self, kind: Kind) -> FValue {
        match kind {
            Kind::Bool => self.bool(),
            Kind::Id => self.id(),
            Kind::Ids => self.ids(),
            Kind::Timeout => {
                let ms = [
                    0,
                    1,
                    10,
                    1000,
                    1000,
                    60_000,
                    60_000,
                    1 << 32,
                    MAX_ID,
                    u64::MAX,
                ];
                FValue::UInt(*pick(self.rng, &ms))
            }
            Kind::Authids => self.strings(&AUTHIDS),
            Kind::Authroles => self.strings(&AUTHROLES),
            Kind::Str => self.string(),
            Kind::Uri => self.procedure(),
            Kind::Match => FValue::s(pick(self.rng, &["exact", "prefix", "wildcard", "fuzzy"])),
            Kind::Invoke => FValue::s(pick(
                self.rng,
                &["single", "roundrobin", "random", "first", "last", "all"],
            )),
            Kind::Mode => FValue::s(pick(self.rng, &["skip", "kill", "killnowait", "kaboom"])),
            Kind::Uint => FValue::UInt(self.rng.random_range(0..5)),
            Kind::Dict => self.value(2),
            Kind::Roles => self.roles(),
        }
    }

    fn roles(&mut self) -> FValue {
        let mut entries = Vec::new();
        for role in [
            "caller",
            "callee",
            "publisher",
            "subscriber",
            "broker",
            "dealer",
        ] {
            if self.chance(0.5) {
                let mut features = Vec::new();
                for f in [
                    "progressive_call_results",
                    "call_canceling",
                    "registration_revocation",
                    "subscription_revocation",
                    "pattern_based_registration",
                ] {
                    if self.chance(0.3) {
                        features.push((FValue::s(f), FValue::Bool(true)));
                    }
                }
                entries.push((
                    FValue::s(role),
                    FValue::dict(vec![("features", FValue::Map(features))]),
                ));
            }
        }
        if entries.is_empty() {
            entries.push((FValue::s("caller"), FValue::Map(Vec::new())));
        }
        FValue::Map(entries)
    }

    /// Appends `Arguments` and `ArgumentsKw` (or a transparent payload), each
    /// maybe absent.
    fn payload(&mut self, items: &mut Vec<FValue>) {
        match self.rng.random_range(0..10) {
            0..=2 => {}
            3 => items.push(FValue::Bin(self.bytes())),
            4 if items[0] != FValue::UInt(48) => items.push(self.string()),
            4..=6 => items.push(self.args()),
            _ => {
                items.push(self.args());
                let n = self.rng.random_range(0..4);
                items.push(FValue::Map(
                    (0..n).map(|_| (self.key(), self.value(3))).collect(),
                ));
            }
        }
    }

    fn args(&mut self) -> FValue {
        let n = self.rng.random_range(0..4);
        FValue::List((0..n).map(|_| self.arg()).collect())
    }

    /// An argument: often one a meta procedure reads (an ID, an authid, a
    /// URI, a match policy), else anything.
    fn arg(&mut self) -> FValue {
        match self.rng.random_range(0..6) {
            0 => self.id(),
            1 => FValue::s(pick(self.rng, &AUTHIDS)),
            2 => self.procedure(),
            3 => FValue::dict(vec![("match", self.of_kind(Kind::Match))]),
            _ => self.value(3),
        }
    }

    /// A message of type `code` as a frame value.
    pub fn message(&mut self, code: u64) -> FValue {
        use Kind::*;
        let mut m = vec![FValue::UInt(code)];
        match code {
            1 => {
                m.push(FValue::s(pick(self.rng, &["realm1", "realm2", ""])));
                m.push(self.options(&[
                    ("roles", Roles),
                    ("authmethods", Dict),
                    ("authid", Str),
                    ("authrole", Str),
                    ("authextra", Dict),
                    ("agent", Str),
                ]));
                if let FValue::Map(e) = &mut m[2] {
                    let roles = self.roles();
                    e.push((FValue::s("roles"), roles));
                }
            }
            2 => {
                m.push(self.id());
                m.push(FValue::dict(vec![(
                    "roles",
                    FValue::dict(vec![
                        ("broker", FValue::Map(Vec::new())),
                        ("dealer", FValue::Map(Vec::new())),
                    ]),
                )]));
            }
            3 | 6 => {
                m.push(self.options(&[("message", Str)]));
                m.push(self.uri_from(&["wamp.close.normal", "wamp.error.protocol_violation"]));
                if code == 3 {
                    self.payload(&mut m);
                }
            }
            4 | 5 => {
                m.push(FValue::s(pick(
                    self.rng,
                    &["wampcra", "ticket", "cryptosign", "anonymous"],
                )));
                m.push(self.options(&[
                    ("challenge", Str),
                    ("salt", Str),
                    ("keylen", Uint),
                    ("iterations", Uint),
                ]));
            }
            8 => {
                let t = if self.chance(0.8) {
                    *pick(self.rng, &[68, 68, 68, 48, 16, 32, 64])
                } else {
                    *pick(self.rng, &CODES)
                };
                m.push(FValue::UInt(t));
                m.push(self.id());
                m.push(self.options(&[("x_detail", Dict)]));
                m.push(self.uri_from(&["com.app.error", "wamp.error.canceled"]));
                self.payload(&mut m);
            }
            16 => {
                m.push(self.id());
                m.push(self.options(&[
                    ("acknowledge", Bool),
                    ("exclude_me", Bool),
                    ("exclude", Ids),
                    ("eligible", Ids),
                    ("exclude_authid", Authids),
                    ("eligible_authid", Authids),
                    ("exclude_authrole", Authroles),
                    ("eligible_authrole", Authroles),
                    ("retain", Bool),
                    ("disclose_me", Bool),
                    ("x_acknowledged_delivery", Bool),
                ]));
                m.push(self.topic());
                self.payload(&mut m);
            }
            32 => {
                m.push(self.id());
                m.push(self.options(&[("match", Match), ("get_retained", Bool)]));
                m.push(self.topic());
            }
            17 | 33 | 34 | 65 | 66 => {
                m.push(self.id());
                m.push(self.id());
            }
            35 | 67 => {
                m.push(self.id());
                if self.chance(0.3) {
                    m.push(self.options(&[
                        ("subscription", Id),
                        ("registration", Id),
                        ("reason", Uri),
                    ]));
                }
            }
            36 => {
                m.push(self.id());
                m.push(self.id());
                m.push(self.options(&[("publisher", Id), ("topic", Uri), ("retained", Bool)]));
                self.payload(&mut m);
            }
            48 => {
                m.push(self.id());
                m.push(self.options(&[
                    ("receive_progress", Bool),
                    ("progress", Bool),
                    ("timeout", Timeout),
                    ("disclose_me", Bool),
                ]));
                m.push(self.procedure());
                self.payload(&mut m);
            }
            49 | 69 => {
                m.push(self.id());
                m.push(self.options(&[("mode", Mode), ("reason", Uri)]));
            }
            50 | 70 => {
                m.push(self.id());
                m.push(self.options(&[("progress", Bool)]));
                self.payload(&mut m);
            }
            64 => {
                m.push(self.id());
                m.push(self.options(&[
                    ("match", Match),
                    ("invoke", Invoke),
                    ("force_reregister", Bool),
                    ("concurrency", Uint),
                    ("disclose_caller", Bool),
                ]));
                m.push(self.procedure());
            }
            68 => {
                m.push(self.id());
                m.push(self.id());
                m.push(self.options(&[
                    ("caller", Id),
                    ("procedure", Uri),
                    ("receive_progress", Bool),
                    ("timeout", Timeout),
                ]));
                self.payload(&mut m);
            }
            _ => m.push(self.id()),
        }
        FValue::List(m)
    }
}

/// The kind of value an option holds.
#[derive(Debug, Clone, Copy)]
enum Kind {
    Bool,
    Id,
    Ids,
    Timeout,
    Authids,
    Authroles,
    Str,
    Uri,
    Match,
    Invoke,
    Mode,
    Uint,
    Dict,
    Roles,
}
