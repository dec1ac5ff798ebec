use serde_json::json;

use super::*;

fn math() -> Catalog {
    Catalog::parse(include_str!(
        "../../../examples/snapshots/math_service.catalog.json"
    ))
    .unwrap()
}

fn procedure<'a>(c: &'a mut Catalog, uri: &str) -> &'a mut Entry {
    c.procedures.iter_mut().find(|p| p.uri == uri).unwrap()
}

#[test]
fn identical_catalogs_have_no_changes() {
    let report = compare(&math(), &math());
    assert!(report.is_empty(), "{report}");
    assert!(!report.is_breaking());
    assert_eq!(report.to_string(), "no changes\n");
}

#[test]
fn changed_parameter_type_is_breaking() {
    let old = math();
    let mut new = old.clone();
    let add = procedure(&mut new, "com.math.add");
    add.args["prefixItems"][1] = json!({"title": "b", "type": "string"});
    add.kwargs["properties"]["b"] = json!({"title": "b", "type": "string"});
    let report = compare(&old, &new);
    let c = report
        .find("com.math.add", "parameter b")
        .expect("a change of b");
    assert_eq!(c.severity, Severity::Breaking, "{report}");
    assert_eq!(c.description, "type changed from integer (int64) to string");
    assert!(report.is_breaking());
    assert!(
        report
            .to_string()
            .contains("[breaking]   procedure com.math.add, parameter b: type changed from integer (int64) to string"),
        "{report}"
    );
}

#[test]
fn removed_procedure_is_breaking_and_added_one_compatible() {
    let old = math();
    let mut new = old.clone();
    new.procedures.retain(|p| p.uri != "com.math.divide");
    let mut extra = old.procedures[0].clone();
    extra.uri = "com.math.sub".into();
    new.procedures.push(extra);
    let report = compare(&old, &new);
    assert_eq!(
        report.find("com.math.divide", "").map(|c| c.severity),
        Some(Severity::Breaking),
        "{report}"
    );
    assert_eq!(
        report.find("com.math.sub", "").map(|c| c.severity),
        Some(Severity::Compatible),
        "{report}"
    );
    assert!(
        report
            .to_string()
            .contains("procedure com.math.divide: removed")
    );
    assert!(
        report
            .to_string()
            .ends_with("1 breaking change, 1 compatible change\n"),
        "{report}"
    );
}

#[test]
fn added_optional_parameter_is_compatible_and_required_one_breaking() {
    let old = math();
    let mut new = old.clone();
    procedure(&mut new, "com.math.round").kwargs["properties"]["precise"] =
        json!({"title": "precise", "type": ["boolean", "null"]});
    let report = compare(&old, &new);
    let c = report
        .find("com.math.round", "parameter precise")
        .expect("precise");
    assert_eq!(c.severity, Severity::Compatible, "{report}");
    assert!(c.description.contains("optional"), "{report}");
    assert!(!report.is_breaking(), "{report}");

    let round = procedure(&mut new, "com.math.round");
    round.kwargs["required"] = json!(["precise"]);
    round.kwargs["properties"]["precise"] = json!({"title": "precise", "type": "boolean"});
    let report = compare(&old, &new);
    let c = report.find("com.math.round", "parameter precise").unwrap();
    assert_eq!(c.severity, Severity::Breaking, "{report}");
}

#[test]
fn widened_parameter_is_compatible_narrowed_breaking() {
    let old = math();
    let mut new = old.clone();
    // digits: uint8 -> uint32 (wider), a: int64 -> number (wider)
    let round = procedure(&mut new, "com.math.round");
    round.kwargs["properties"]["digits"]["format"] = json!("uint32");
    round.kwargs["properties"]["digits"]["maximum"] = json!(4294967295u64);
    let add = procedure(&mut new, "com.math.add");
    add.args["prefixItems"][0] = json!({"title": "a", "type": "number", "format": "double"});
    let report = compare(&old, &new);
    assert!(!report.is_breaking(), "{report}");
    assert_eq!(
        report
            .find("com.math.round", "parameter digits")
            .unwrap()
            .severity,
        Severity::Compatible
    );
    assert_eq!(
        report.find("com.math.add", "parameter a").unwrap().severity,
        Severity::Compatible
    );
    // and back: narrowed
    let report = compare(&new, &old);
    assert_eq!(
        report
            .find("com.math.round", "parameter digits")
            .unwrap()
            .severity,
        Severity::Breaking,
        "{report}"
    );
}

#[test]
fn removed_result_field_and_enum_variant() {
    let old = math();
    let mut new = old.clone();
    let stats = new.defs.get_mut("Stats").unwrap();
    stats["properties"].as_object_mut().unwrap().remove("max");
    stats["required"] = json!(["count", "mean", "min"]);
    // A removed variant narrows the `mode` parameter.
    new.defs.get_mut("Rounding").unwrap()["oneOf"]
        .as_array_mut()
        .unwrap()
        .pop();
    let report = compare(&old, &new);
    let c = report
        .find("com.math.stats", "result field max")
        .expect("max");
    assert_eq!(c.severity, Severity::Breaking, "{report}");
    assert_eq!(c.description, "removed");
    let c = report
        .find("com.math.round", "parameter mode")
        .expect("mode");
    assert_eq!(c.severity, Severity::Breaking, "{report}");
    assert_eq!(c.description, "variant \"up\" removed");
}

#[test]
fn removed_topic_and_changed_event_are_breaking() {
    let old = math();
    let mut new = old.clone();
    new.defs.get_mut("Announcement").unwrap()["properties"]["text"] = json!({"type": "integer"});
    let report = compare(&old, &new);
    let c = report
        .find("com.math.announcement", "parameter announcement field text")
        .expect("text");
    assert_eq!(c.severity, Severity::Breaking, "{report}");
    new.topics.clear();
    let report = compare(&old, &new);
    assert_eq!(
        report.find("com.math.announcement", "").unwrap().severity,
        Severity::Breaking
    );
}
