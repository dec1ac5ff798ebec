//! Mutations: of the value tree (wrong types, missing and extra elements,
//! huge and negative IDs, deep nesting, long strings, non-string map keys,
//! tags, invalid UTF-8) and of the encoded bytes (bit flips, interesting
//! bytes, truncation, insertion, deletion, duplication, splicing with
//! another frame, corrupted length fields, trailing garbage).

use rand::Rng;
use rand::rngs::StdRng;

use crate::fv::FValue;
use crate::generate::{CODES, Gen, MAX_ID, pick};

/// The number of nodes of a tree (a [`FValue::Deep`] counts as one).
fn count(v: &FValue) -> usize {
    1 + match v {
        FValue::List(items) => items.iter().map(count).sum(),
        FValue::Map(entries) => entries.iter().map(|(k, v)| count(k) + count(v)).sum(),
        FValue::Tag(_, inner) => count(inner),
        _ => 0,
    }
}

/// Applies `f` to a random node of `tree`.
fn at_random_node(rng: &mut StdRng, tree: &mut FValue, f: impl FnOnce(&mut FValue)) {
    let mut n = rng.random_range(0..count(tree));
    let mut path = Vec::new();
    if find_path(tree, &mut n, &mut path) {
        let mut node = tree;
        for step in path {
            node = match node {
                FValue::List(items) => &mut items[step / 2],
                FValue::Map(entries) => {
                    let (k, v) = &mut entries[step / 2];
                    if step % 2 == 0 { k } else { v }
                }
                FValue::Tag(_, inner) => inner,
                _ => return,
            };
        }
        f(node);
    }
}

/// The path to the `n`-th node: per level, `2 * index (+ 1 for a map value)`.
fn find_path(v: &FValue, n: &mut usize, path: &mut Vec<usize>) -> bool {
    if *n == 0 {
        return true;
    }
    *n -= 1;
    match v {
        FValue::List(items) => {
            for (i, item) in items.iter().enumerate() {
                path.push(2 * i);
                if find_path(item, n, path) {
                    return true;
                }
                path.pop();
            }
        }
        FValue::Map(entries) => {
            for (i, (k, val)) in entries.iter().enumerate() {
                path.push(2 * i);
                if find_path(k, n, path) {
                    return true;
                }
                path.pop();
                path.push(2 * i + 1);
                if find_path(val, n, path) {
                    return true;
                }
                path.pop();
            }
        }
        FValue::Tag(_, inner) => {
            path.push(0);
            if find_path(inner, n, path) {
                return true;
            }
            path.pop();
        }
        _ => {}
    }
    false
}

/// One structural mutation of a message tree; returns its name.
pub fn structure(g: &mut Gen<'_, '_>, tree: &mut FValue) -> &'static str {
    let what = g.rng.random_range(0..14);
    // Top-level list operations first.
    if let FValue::List(items) = tree {
        match what {
            0 if !items.is_empty() => {
                let i = g.rng.random_range(0..items.len());
                items.remove(i);
                return "remove element";
            }
            1 => {
                let v = g.value(2);
                let i = g.rng.random_range(0..=items.len());
                items.insert(i, v);
                return "insert element";
            }
            2 if !items.is_empty() => {
                items[0] = if g.rng.random_bool(0.7) {
                    FValue::UInt(*pick(g.rng, &CODES))
                } else {
                    g.int()
                };
                return "change type code";
            }
            3 if items.len() > 1 => {
                let i = g.rng.random_range(1..items.len());
                let edges = [
                    FValue::UInt(0),
                    FValue::UInt(MAX_ID),
                    FValue::UInt(MAX_ID + 1),
                    FValue::UInt(u64::MAX),
                    FValue::Int(-1),
                    FValue::Int(i64::MIN),
                    FValue::Float(1.0),
                    FValue::Float(-0.0),
                ];
                items[i] = pick(g.rng, &edges).clone();
                return "edge number field";
            }
            _ => {}
        }
    }
    let rng_pick = g.rng.random_range(0..10);
    let replacement = match what {
        4 | 5 => Some(g.value(2)),
        6 => Some(FValue::Deep {
            depth: *pick(g.rng, &[100, 127, 128, 129, 255, 256, 257, 1000, 20_000]),
            maps: g.rng.random(),
            inner: Box::new(g.value(0)),
        }),
        7 => Some(FValue::Str("é".repeat(g.rng.random_range(1000..40_000)))),
        8 => Some(FValue::BadStr(match rng_pick {
            0 => vec![0xff, 0xfe],
            1 => vec![0xc3],
            2 => vec![0xed, 0xa0, 0x80],
            _ => vec![b'c', b'o', b'm', 0x80, b'.', b'x'],
        })),
        9 => Some(FValue::List(vec![
            FValue::Null;
            g.rng.random_range(100..5000)
        ])),
        _ => None,
    };
    let tag = *pick(
        g.rng,
        &[0u64, 1, 2, 3, 24, 32, 55799, 0xffff_ffff, u64::MAX],
    );
    let key = match rng_pick {
        0..=2 => g.int(),
        3 => FValue::Bin(vec![1, 2]),
        4 => FValue::List(vec![FValue::s("k")]),
        5 => FValue::Null,
        6 => FValue::Float(1.5),
        _ => FValue::s("receive_progress"),
    };
    let value = g.value(1);
    let mut applied = "replace node";
    at_random_node(g.rng, tree, |node| match (what, replacement) {
        (_, Some(r)) => {
            applied = match what {
                4 | 5 => "replace node",
                6 => "deep nesting",
                7 => "long string",
                8 => "invalid UTF-8",
                _ => "long list",
            };
            *node = r;
        }
        (10, None) => {
            applied = "wrap in tag";
            *node = FValue::Tag(tag, Box::new(std::mem::replace(node, FValue::Null)));
        }
        (11, None) => {
            applied = "odd map key";
            match node {
                FValue::Map(entries) => entries.push((key, value)),
                _ => *node = FValue::Map(vec![(key, value)]),
            }
        }
        (12, None) => {
            applied = "duplicate entry";
            match node {
                FValue::Map(entries) if !entries.is_empty() => {
                    let e = entries[0].clone();
                    entries.push(e);
                }
                FValue::List(items) if !items.is_empty() => {
                    let e = items[0].clone();
                    items.push(e);
                }
                _ => *node = FValue::List(vec![node.clone(), node.clone()]),
            }
        }
        _ => {
            applied = "change number";
            *node = match node {
                FValue::UInt(n) => FValue::Int(-(*n as i64).max(i64::MIN + 1)),
                FValue::Int(n) => FValue::Float(*n as f64),
                FValue::Str(s) => FValue::Bin(s.clone().into_bytes()),
                FValue::Bin(b) => FValue::Str(String::from_utf8_lossy(b).into_owned()),
                FValue::Bool(b) => FValue::UInt(*b as u64),
                FValue::Null => FValue::Map(Vec::new()),
                _ => FValue::Null,
            }
        }
    });
    applied
}

/// Bytes that often sit on the boundaries of the formats.
const INTERESTING: [u8; 16] = [
    0x00, 0x01, 0x7f, 0x80, 0xff, 0xc1, 0xd9, 0xdc, 0xdf, 0xc7, 0x9f, 0xbf, 0x5b, 0x7b, 0x22, 0x5c,
];

/// Whether `b` announces a length or value in the bytes that follow it.
fn is_length_header(b: u8) -> bool {
    matches!(b, 0xc4..=0xc9 | 0xcc..=0xd3 | 0xd9..=0xdf) // MessagePack
        || (b & 0x1f) >= 24 && (b & 0x1f) <= 27 // CBOR with a 1-8 byte argument
}

/// One byte-level mutation of a frame; `other` is another frame to splice
/// from. Returns its name.
pub fn bytes(rng: &mut StdRng, frame: &mut Vec<u8>, other: &[u8]) -> &'static str {
    let len = frame.len();
    let at = |rng: &mut StdRng| {
        if len == 0 {
            0
        } else {
            rng.random_range(0..len)
        }
    };
    match rng.random_range(0..11) {
        0 if len > 0 => {
            let i = at(rng);
            frame[i] ^= 1 << rng.random_range(0..8);
            "bit flip"
        }
        1 if len > 0 => {
            let i = at(rng);
            frame[i] = *pick(rng, &INTERESTING);
            "interesting byte"
        }
        2 => {
            let i = at(rng);
            frame.truncate(i);
            "truncate"
        }
        3 => {
            let i = at(rng);
            let n = rng.random_range(1..8);
            let junk: Vec<u8> = (0..n).map(|_| rng.random()).collect();
            frame.splice(i..i, junk);
            "insert bytes"
        }
        4 if len > 0 => {
            let i = at(rng);
            let j = (i + rng.random_range(1..16)).min(len);
            frame.drain(i..j);
            "delete bytes"
        }
        5 if len > 0 => {
            let i = at(rng);
            let j = (i + rng.random_range(1..32)).min(len);
            let chunk = frame[i..j].to_vec();
            let k = at(rng);
            frame.splice(k..k, chunk);
            "duplicate bytes"
        }
        6 if !other.is_empty() => {
            let i = at(rng);
            let j = rng.random_range(0..other.len());
            frame.truncate(i);
            frame.extend_from_slice(&other[j..]);
            "splice"
        }
        7 | 8 => {
            let heads: Vec<usize> = (0..len.saturating_sub(1))
                .filter(|&i| is_length_header(frame[i]))
                .collect();
            if heads.is_empty() {
                return "no length field";
            }
            let i = *pick(rng, &heads) + 1;
            let n = rng.random_range(1..=8).min(len - i);
            let fill = *pick(rng, &[0xff, 0x7f, 0x00, 0x80]);
            for b in &mut frame[i..i + n] {
                *b = fill;
            }
            "corrupt length"
        }
        9 => {
            let n = rng.random_range(1..4);
            frame.extend((0..n).map(|_| rng.random::<u8>()));
            "trailing bytes"
        }
        _ => {
            let i = at(rng);
            for b in frame.iter_mut().skip(i).take(4) {
                *b = rng.random();
            }
            "random bytes"
        }
    }
}
