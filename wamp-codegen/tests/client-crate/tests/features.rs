//! The client of `api/features.catalog.json` (shapes the math service does
//! not have): its API has the expected signatures. This file only has to
//! compile; the function below is never run.

use std::time::Duration;

use futures_util::StreamExt as _;

use wamp_codegen_client_test::features::{self, Counts, NestedOptions, Shape, Tree};

#[allow(dead_code)]
async fn signatures(session: &wamp::Session) -> Result<(), wamp::Error> {
    // A prefix procedure takes the concrete URI.
    let _: String = features::echo_any::call(session, "com.features.echo.x", "hi".into()).await?;
    // A required keyword-only parameter is an argument; optional ones are set
    // by name (an optional positional one too); no result is `()`.
    let (): () = features::configure::call(session, "n".into())
        .level(3)
        .shape(Shape::Circle { radius: 1.0 })
        .timeout(Duration::from_secs(1))
        .await?;
    let _ = [
        features::configure::errors::BAD_NAME,
        features::configure::errors::BAD_NAME_2,
    ];
    // Any result: the raw CallResult; any progress: JSON values.
    let _: wamp::CallResult = features::raw::call(session).await?;
    let mut raw = features::raw::call(session).progressive();
    if let Some(Ok(features::raw::Update::Progress(v))) = raw.next().await {
        let _: serde_json::Value = v;
    }
    // Inline types: a tuple, an object (named after the parameter), a
    // recursive type, a union result; a parameter called `options`.
    let tree = Tree {
        label: "root".into(),
        children: vec![],
        note: None,
    };
    let r = features::nested::call(session, (1.0, 2.0), NestedOptions { depth: 1 }, tree).await?;
    match r {
        features::types::NestedResult::String(_) => {}
        features::types::NestedResult::Counts(Counts(map)) => {
            let _: Option<&u64> = map.get("x");
        }
    }
    // Keywords as names, a wildcard pattern.
    let _: Vec<Shape> =
        features::r#type::call(session, "com.features.x.type", "t".into(), true).await?;
    // Topics: two arguments (an Event struct) on a wildcard, none at all.
    features::on_pair::publish(session, "com.features.a.pair", &1, &"y".to_owned()).await?;
    let _sub = features::on_pair::subscribe(session, |e: features::on_pair::Event, _| async move {
        let _: (i64, String) = (e.x, e.y);
    })
    .await?;
    features::on_tick::publish(session).await?;
    let _sub =
        features::on_tick::subscribe(session, |_: features::on_tick::Event, _| async {}).await?;
    Ok(())
}

#[test]
fn constants_and_types_follow_the_catalog() {
    assert_eq!(features::echo_any::URI, "com.features.echo.");
    assert_eq!(features::on_pair::URI, "com.features..pair");
    assert_eq!(
        [
            features::configure::errors::BAD_NAME,
            features::configure::errors::BAD_NAME_2
        ],
        ["com.features.error.bad-name", "com.features.error.bad_name"]
    );
    // The tagged union and the recursive type read and write the catalog's JSON.
    let shape: Shape =
        serde_json::from_value(serde_json::json!({"kind": "square", "side": 2.0})).unwrap();
    assert_eq!(shape, Shape::Square { side: 2.0 });
    assert_eq!(
        serde_json::to_value(Shape::Circle { radius: 1.5 }).unwrap(),
        serde_json::json!({"kind": "circle", "radius": 1.5})
    );
    let tree: Tree = serde_json::from_value(serde_json::json!({
        "label": "a", "children": [{"label": "b", "children": []}]
    }))
    .unwrap();
    assert_eq!(tree.children[0].label, "b");
    assert!(serde_json::from_value::<Tree>(serde_json::json!({"label": "a"})).is_err());
}
