//! Tests of [`Payload`]: empty parts, elements with paths, replacing one part,
//! shapes, transcoding, and local values encoded once per serializer.

use super::Payload;
use crate::serializer::{Dict, SerializerKind, Value};

#[test]
fn empty_parts_are_dropped() {
    for kind in SerializerKind::ALL {
        let p = Payload::encode(kind, &Vec::<i32>::new(), &Dict::new()).unwrap();
        assert!(p.is_empty(), "{kind}");
        let p = Payload::encode(
            kind,
            &Vec::<i32>::new(),
            &[("a", 1)]
                .into_iter()
                .collect::<std::collections::BTreeMap<_, _>>(),
        )
        .unwrap();
        assert!(!p.has_args() && p.has_kwargs(), "{kind}");
    }
}

#[test]
fn non_canonical_empty_parts_keep_the_frame_whole_when_transcoded() {
    use crate::protocol::Message;
    // [CALL, 1, {}, "com.a.x", [], {}] in CBOR with the empty list and dict
    // in longer encodings (a one-byte and an eight-byte length): not dropped
    // as empty on decoding, empty once transcoded. The frame in another
    // serializer must still have as many elements as its header says (found
    // by wamp-fuzz, seed 507185480043072759).
    let mut frames = Vec::new();
    let wide_list = [0x9b, 0, 0, 0, 0, 0, 0, 0, 0];
    let wide_dict = [0xbb, 0, 0, 0, 0, 0, 0, 0, 0];
    for (args, kwargs) in [
        (&[0x98, 0x00][..], &[0xb8, 0x00][..]),
        (&wide_list, &wide_dict),
    ] {
        let mut frame = vec![0x86, 0x18, 0x30, 0x01, 0xa0, 0x67];
        frame.extend_from_slice(b"com.a.x");
        frame.extend_from_slice(args);
        frame.extend_from_slice(kwargs);
        frames.push(frame);
    }
    for frame in frames {
        let m = SerializerKind::Cbor.decode(frame.into()).unwrap();
        for kind in SerializerKind::ALL {
            let encoded = kind.encode(&m).unwrap();
            let back = kind.decode(encoded.clone());
            assert!(
                matches!(&back, Ok(Message::Call(_))),
                "{kind}: {back:?} from {encoded:?}"
            );
            assert_eq!(back.unwrap(), m, "{kind}");
        }
    }
}

#[test]
fn every_serializer_accepts_the_same_nesting() {
    // [CALL, 1, {}, "a", Arguments] with Arguments `depth` lists deep. The
    // three serializers accept the same depths, and what one accepts the
    // others read once transcoded (found by wamp-fuzz, seed
    // 5346260266052552084: MessagePack and CBOR accepted 256 levels, JSON
    // receivers could not read arguments deeper than 127).
    fn call(kind: SerializerKind, depth: usize) -> Vec<u8> {
        let mut frame = match kind {
            SerializerKind::Json => b"[48,1,{},\"a\",".to_vec(),
            SerializerKind::MsgPack => vec![0x95, 0x30, 0x01, 0x80, 0xa1, b'a'],
            SerializerKind::Cbor => vec![0x85, 0x18, 0x30, 0x01, 0xa0, 0x61, b'a'],
        };
        match kind {
            SerializerKind::Json => {
                frame.extend(std::iter::repeat_n(b'[', depth));
                frame.extend(std::iter::repeat_n(b']', depth + 1));
            }
            SerializerKind::MsgPack => {
                frame.extend(std::iter::repeat_n(0x91, depth - 1));
                frame.push(0x90);
            }
            SerializerKind::Cbor => {
                frame.extend(std::iter::repeat_n(0x81, depth - 1));
                frame.push(0x80);
            }
        }
        frame
    }
    // JSON frames carry deeper payloads as raw bytes; their arguments are
    // readable to the same depth.
    let readable = |kind: SerializerKind, depth: usize| {
        kind.decode(call(kind, depth).into())
            .ok()
            .filter(|m| m.payload().is_some_and(|p| p.args_values().is_ok()))
    };
    let mut deepest = 0;
    for depth in 100..140 {
        let decoded = SerializerKind::ALL.map(|kind| readable(kind, depth));
        assert!(
            decoded.iter().all(|m| m.is_some() == decoded[0].is_some()),
            "depth {depth}: {decoded:?}"
        );
        for m in decoded.into_iter().flatten() {
            deepest = depth;
            for kind in SerializerKind::ALL {
                let back = kind.decode(kind.encode(&m).unwrap());
                assert_eq!(back.as_ref(), Ok(&m), "depth {depth} in {kind}");
            }
        }
    }
    assert_eq!(deepest, 127);
}

#[derive(Debug, serde::Deserialize, PartialEq)]
struct Item {
    name: String,
    qty: u32,
}

#[test]
fn elements_and_entries_decode_with_paths() {
    let args = (1, "two", [3, 4]);
    let kwargs: std::collections::BTreeMap<&str, Value> = [
        (
            "item",
            Value::Dict(
                [
                    ("name".to_string(), Value::from("pen")),
                    ("qty".to_string(), Value::from("x")),
                ]
                .into_iter()
                .collect(),
            ),
        ),
        ("n", Value::from(5u64)),
    ]
    .into_iter()
    .collect();
    for kind in SerializerKind::ALL {
        let p = Payload::encode(kind, &args, &kwargs).unwrap();
        let elems = p.arg_elements().unwrap();
        assert_eq!(elems.len(), 3, "{kind}");
        assert_eq!(p.decode_element::<i64>(elems[0]).unwrap(), 1);
        assert_eq!(p.decode_element::<String>(elems[1]).unwrap(), "two");
        assert_eq!(p.decode_element::<Vec<u8>>(elems[2]).unwrap(), vec![3, 4]);
        let e = p.decode_element::<Vec<String>>(elems[2]).unwrap_err();
        assert_eq!(e.path, "[0]", "{kind}");
        let entries = p.kwarg_entries().unwrap();
        let keys: Vec<&str> = entries.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(keys, ["item", "n"], "{kind}");
        let e = p.decode_element::<Item>(entries[0].1).unwrap_err();
        assert_eq!(e.path, "qty", "{kind}");
        assert!(!e.message.is_empty(), "{kind}");
        assert_eq!(p.decode_element::<u8>(entries[1].1).unwrap(), 5);
    }
    assert!(Payload::empty().arg_elements().unwrap().is_empty());
    assert!(Payload::empty().kwarg_entries().unwrap().is_empty());
}

#[test]
fn replacing_one_part_keeps_the_other_encoded() {
    for kind in SerializerKind::ALL {
        let kwargs: std::collections::BTreeMap<_, _> = [("k", "v")].into_iter().collect();
        let p = Payload::encode_kwargs(kind, &kwargs).unwrap();
        let q = p.with_args(&(1, "two")).unwrap();
        assert_eq!(q.serializer(), Some(kind));
        assert_eq!(q.raw_kwargs(), p.raw_kwargs(), "{kind}: kwargs bytes kept");
        assert_eq!(q.args::<(i32, String)>().unwrap(), (1, "two".to_owned()));
        let r = q
            .with_kwargs(&std::collections::BTreeMap::<String, i32>::new())
            .unwrap();
        assert!(
            r.has_args() && !r.has_kwargs(),
            "{kind}: empty kwargs dropped"
        );
        assert_eq!(r.raw_args(), q.raw_args());
    }
    let fresh = Payload::empty()
        .with_kwargs(
            &[("a", 1)]
                .into_iter()
                .collect::<std::collections::BTreeMap<_, _>>(),
        )
        .unwrap();
    // Not encoded yet: local values, encoded in the serializer they are sent in.
    assert_eq!(fresh.serializer(), None);
    assert_eq!(
        fresh
            .kwargs::<std::collections::BTreeMap<String, i32>>()
            .unwrap()["a"],
        1
    );
}

#[test]
fn args_must_be_a_list() {
    for kind in SerializerKind::ALL {
        assert!(Payload::encode_args(kind, &5).is_err(), "{kind}");
        assert!(Payload::encode_kwargs(kind, &(1, 2)).is_err(), "{kind}");
    }
}

#[test]
fn transcoding_keeps_binary() {
    let args = vec![
        Value::Bytes(vec![0, 1, 2, 255]),
        Value::String("\u{0}x".into()),
    ];
    let p = Payload::from_values(args.clone(), Dict::new());
    for kind in SerializerKind::ALL {
        let q = p.to_serializer(kind).unwrap();
        assert_eq!(q.serializer(), Some(kind));
        assert_eq!(q.args_values().unwrap()[0], args[0], "{kind}");
    }
}

#[test]
fn local_values_are_encoded_straight_in_each_serializer() {
    let args = vec![
        Value::Bytes(vec![0, 1, 255]),
        Value::from("x"),
        Value::from(-2i64),
    ];
    let mut kwargs = Dict::new();
    kwargs.insert(
        "k".into(),
        Value::List(vec![Value::Null, Value::Float(0.5)]),
    );
    let local = Payload::from_values(args.clone(), kwargs.clone());
    assert_eq!(local.serializer(), None);
    assert!(local.has_args() && local.has_kwargs());
    for kind in SerializerKind::ALL {
        let parts = local.parts_in(kind).unwrap();
        // The same bytes as encoding the values in that serializer directly.
        let direct = Payload::encode(kind, &args, &kwargs).unwrap();
        assert_eq!(parts.args.as_ref(), direct.raw_args(), "{kind}");
        assert_eq!(parts.kwargs.as_ref(), direct.raw_kwargs(), "{kind}");
        // Encoded once: a second message borrows the same bytes.
        let again = local.parts_in(kind).unwrap();
        assert!(matches!(again, std::borrow::Cow::Borrowed(_)), "{kind}");
        assert_eq!(
            again.args.as_ref().unwrap().as_ptr(),
            parts.args.as_ref().unwrap().as_ptr(),
            "{kind}"
        );
        let moved = local.to_serializer(kind).unwrap();
        assert_eq!(moved.serializer(), Some(kind));
        assert_eq!(moved, local, "{kind}");
    }
}

#[test]
fn local_arguments_decode_without_any_encoding() {
    let p = Payload::from_args(&(1, "two", [3u8, 4])).unwrap();
    assert_eq!(
        p.args::<(i64, String, Vec<u8>)>().unwrap(),
        (1, "two".to_owned(), vec![3, 4])
    );
    assert_eq!(p.args_values().unwrap()[1], Value::from("two"));
    assert_eq!(p.single_arg::<i64>().unwrap(), Err(3));
    let one = Payload::from_args(&[42]).unwrap();
    assert_eq!(one.single_arg::<i64>().unwrap(), Ok(42));
    // A wrong type in a one-element list is the decoder's error, as before.
    assert!(one.single_arg::<String>().is_err());
    // A wrong count wins over a wrong type, as before.
    assert_eq!(p.single_arg::<bool>().unwrap(), Err(3));
    let kw = Payload::from_kwargs(&std::collections::BTreeMap::from([("n", 5)])).unwrap();
    assert_eq!(kw.kwarg_entries().unwrap().len(), 1);
    let (key, elem) = &kw.kwarg_entries().unwrap()[0];
    assert_eq!(key, "n");
    assert_eq!(kw.decode_element::<u8>(elem).unwrap(), 5);
    #[derive(Debug, serde::Deserialize)]
    struct N {
        #[allow(dead_code)]
        n: String,
    }
    assert_eq!(kw.decode_kwargs::<N>().unwrap_err().path, "n");
    assert!(Payload::from_args(&5).is_err());
    assert!(Payload::from_kwargs(&(1, 2)).is_err());
    assert!(Payload::from_args(&Vec::<i32>::new()).unwrap().is_empty());
}

#[test]
fn raw_payloads_in_the_same_serializer_are_borrowed() {
    for kind in SerializerKind::ALL {
        let p = Payload::encode_args(kind, &(1, 2)).unwrap();
        let parts = p.parts_in(kind).unwrap();
        assert!(matches!(parts, std::borrow::Cow::Borrowed(_)), "{kind}");
        assert_eq!(parts.args.as_ref(), p.raw_args());
    }
}
