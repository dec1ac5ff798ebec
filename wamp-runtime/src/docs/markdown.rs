//! The catalog document as Markdown.

use std::fmt::Write;

use serde_json::{Map, Value as Json};

use super::render::{self, Row, Style, field};

struct Md;

impl Style for Md {
    fn text(&self, s: &str) -> String {
        s.replace('|', "\\|").replace('<', "&lt;")
    }

    fn link(&self, name: &str) -> String {
        format!("[{name}](#type-{})", anchor(name))
    }
}

fn anchor(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect()
}

fn table(out: &mut String, rows: &[Row]) {
    out.push_str("| Name | Type | Required | Description |\n|---|---|---|---|\n");
    for r in rows {
        let _ = writeln!(
            out,
            "| `{}` | {} | {} | {} |",
            r.name,
            r.ty,
            if r.required { "yes" } else { "no" },
            Md.text(&r.description.replace('\n', " "))
        );
    }
    out.push('\n');
}

fn entry(out: &mut String, e: &Json, defs: &Map<String, Json>, topic: bool) {
    let uri = field(e, "uri");
    let _ = writeln!(out, "### `{uri}`\n");
    let doc = field(e, "doc").trim();
    if !doc.is_empty() {
        let _ = writeln!(out, "{doc}\n");
    }
    let opts = e.get("options").and_then(Json::as_object);
    let opt = |k: &str| {
        opts.and_then(|o| o.get(k))
            .and_then(Json::as_str)
            .unwrap_or("exact")
            .to_owned()
    };
    if topic {
        let _ = writeln!(out, "- match: `{}`", opt("match"));
    } else {
        let _ = writeln!(
            out,
            "- match: `{}`, invoke: `{}`",
            opt("match"),
            opts.and_then(|o| o.get("invoke"))
                .and_then(Json::as_str)
                .unwrap_or("single")
        );
    }
    let function = field(e, "function");
    if !function.is_empty() {
        let _ = writeln!(
            out,
            "- handler: `{}::{function}` ({}:{})",
            field(e, "module"),
            field(e, "file"),
            e.get("line").and_then(Json::as_u64).unwrap_or(0)
        );
    }
    out.push('\n');
    let args = render::arg_rows(e.get("args").unwrap_or(&Json::Null), &Md);
    if !args.is_empty() {
        out.push_str("**Positional arguments** (each may also be passed by name in kwargs)\n\n");
        table(out, &args);
    }
    let mut kwargs = render::property_rows(e.get("kwargs").unwrap_or(&Json::Null), defs, &Md);
    // Parameters taken by position or by name are listed once, as positional.
    kwargs.retain(|k| !args.iter().any(|a| a.name == k.name));
    if !kwargs.is_empty() {
        out.push_str("**Keyword-only arguments**\n\n");
        table(out, &kwargs);
    }
    if !topic {
        for (key, title) in [("result", "Result"), ("progress", "Progressive results")] {
            match e.get(key) {
                None | Some(Json::Null) => {}
                Some(schema) => {
                    let _ = writeln!(out, "**{title}**: {}\n", render::type_label(schema, &Md));
                }
            }
        }
        if let Some(errors) = e.get("errors").and_then(Json::as_array)
            && !errors.is_empty()
        {
            out.push_str("**Errors**:");
            for err in errors {
                let _ = write!(out, " `{}`", err.as_str().unwrap_or_default());
            }
            out.push_str("\n\n");
        }
    }
    if let Some(example) = e.get("example") {
        let (python, js) = render::example_snippets(e, topic);
        let _ = writeln!(
            out,
            "**Example**\n\n```json\n{}\n```\n\n```python\n{python}\n```\n\n```javascript\n{js}\n```\n",
            serde_json::to_string(example).unwrap_or_default()
        );
    }
}

/// Renders a catalog document ([`from_catalog`](super::from_catalog)) as Markdown: the
/// procedures, the topics and the shared types, each schema as a table.
pub fn markdown(doc: &Json) -> String {
    let (procedures, topics, defs) = render::parts(doc);
    let info = doc.get("info").cloned().unwrap_or(Json::Null);
    let mut out = String::new();
    let _ = writeln!(
        out,
        "# {} {}\n",
        field(&info, "title"),
        field(&info, "version")
    );
    let description = field(&info, "description");
    if !description.is_empty() {
        let _ = writeln!(out, "{description}\n");
    }
    let _ = writeln!(
        out,
        "{} procedures, {} topics. Catalog format `{}` version {}.\n",
        procedures.len(),
        topics.len(),
        field(doc, "format"),
        doc.get("format_version")
            .and_then(Json::as_u64)
            .unwrap_or(0)
    );
    out.push_str("## Procedures\n\n");
    for p in procedures {
        entry(&mut out, p, &defs, false);
    }
    out.push_str("## Topics\n\n");
    for t in topics {
        entry(&mut out, t, &defs, true);
    }
    out.push_str("## Types\n\n");
    for (name, schema) in &defs {
        let _ = writeln!(out, "<a id=\"type-{}\"></a>\n### {name}\n", anchor(name));
        if let Some(d) = schema.get("description").and_then(Json::as_str) {
            let _ = writeln!(out, "{d}\n");
        }
        table(&mut out, &render::def_rows(schema, &defs, &Md));
    }
    out
}
