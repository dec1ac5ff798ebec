//! The catalog document as one self-contained HTML page: inline CSS and
//! script, no external resources, searchable, schemas as tables.

use std::fmt::Write;

use serde_json::{Map, Value as Json};

use super::render::{self, Row, Style, field};

struct Html;

/// Escapes text for HTML content and attribute values.
fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

impl Style for Html {
    fn text(&self, s: &str) -> String {
        esc(s)
    }

    fn link(&self, name: &str) -> String {
        format!("<a class=\"type\" href=\"#type-{0}\">{0}</a>", esc(name))
    }
}

const CSS: &str = r#"
:root { --fg:#1d2330; --muted:#5b6475; --line:#d9dee7; --accent:#1f5fbf; --bg:#fff; --code:#f4f6fa; }
* { box-sizing: border-box; }
body { margin:0; font:15px/1.5 system-ui, -apple-system, "Segoe UI", sans-serif; color:var(--fg); background:var(--bg); }
header { position:sticky; top:0; background:#f8fafc; border-bottom:1px solid var(--line); padding:12px 24px; z-index:1; }
header h1 { margin:0 0 8px; font-size:22px; }
header .meta { color:var(--muted); font-size:13px; }
#search { width:100%; max-width:640px; padding:8px 10px; font-size:15px; border:1px solid var(--line); border-radius:6px; }
.layout { display:flex; }
nav { width:300px; flex:none; padding:16px 24px; border-right:1px solid var(--line); font-size:13px; }
nav ul { list-style:none; padding:0; margin:0 0 16px; }
nav a { color:var(--accent); text-decoration:none; word-break:break-all; }
main { flex:1; padding:16px 32px; min-width:0; }
section.entry, section.def { border:1px solid var(--line); border-radius:8px; padding:12px 18px; margin:0 0 18px; }
section h3 { margin:0 0 6px; font-family:ui-monospace, monospace; font-size:17px; word-break:break-all; }
.kind { display:inline-block; font-size:11px; text-transform:uppercase; letter-spacing:.05em; padding:1px 6px; border-radius:4px; background:#e7eefb; color:var(--accent); margin-right:8px; vertical-align:middle; }
.doc { white-space:pre-wrap; margin:6px 0 10px; }
.opts, .where { color:var(--muted); font-size:13px; }
table { border-collapse:collapse; width:100%; margin:6px 0 12px; font-size:14px; }
th, td { border:1px solid var(--line); padding:4px 8px; text-align:left; vertical-align:top; }
th { background:#f3f5f9; }
code, pre { font-family:ui-monospace, monospace; background:var(--code); border-radius:4px; }
code { padding:0 3px; }
pre { padding:8px 10px; overflow-x:auto; margin:4px 0; }
h4 { margin:10px 0 2px; font-size:14px; }
.hidden { display:none !important; }
#empty { color:var(--muted); }
"#;

const SCRIPT: &str = r#"
(function () {
  "use strict";
  var body = document.body;
  var input = document.getElementById("search");
  var sections = Array.prototype.slice.call(document.querySelectorAll("section.entry, section.def"));
  var links = Array.prototype.slice.call(document.querySelectorAll("nav li"));
  function apply(q) {
    q = (q || "").trim().toLowerCase();
    var visible = 0;
    sections.forEach(function (s) {
      var hit = !q || s.textContent.toLowerCase().indexOf(q) >= 0;
      s.classList.toggle("hidden", !hit);
      if (hit && s.classList.contains("entry")) { visible++; }
    });
    links.forEach(function (li) {
      var target = document.getElementById(li.getAttribute("data-target"));
      li.classList.toggle("hidden", !!target && target.classList.contains("hidden"));
    });
    document.getElementById("empty").classList.toggle("hidden", visible > 0);
    body.setAttribute("data-visible-entries", String(visible));
  }
  input.addEventListener("input", function () { apply(input.value); });
  var catalog = JSON.parse(document.getElementById("catalog").textContent);
  var missing = (catalog.procedures || []).concat(catalog.topics || []).filter(function (e) {
    var kind = e.kind === "topic" ? "topic-" : "procedure-";
    var s = document.getElementById(kind + e.uri);
    return !s || s.querySelector("h3").textContent.indexOf(e.uri) < 0;
  }).map(function (e) { return e.uri; });
  var q = new URLSearchParams(window.location.search).get("q");
  if (q) { input.value = q; }
  apply(q);
  body.setAttribute("data-procedures", String((catalog.procedures || []).length));
  body.setAttribute("data-missing", missing.join(" "));
  if (!body.hasAttribute("data-js-error")) { body.setAttribute("data-status", "ready"); }
})();
"#;

fn table(out: &mut String, rows: &[Row]) {
    out.push_str(
        "<table><thead><tr><th>Name</th><th>Type</th><th>Required</th><th>Description</th></tr></thead><tbody>",
    );
    for r in rows {
        let _ = write!(
            out,
            "<tr><td><code>{}</code></td><td>{}</td><td>{}</td><td>{}</td></tr>",
            esc(&r.name),
            r.ty,
            if r.required { "yes" } else { "no" },
            esc(&r.description)
        );
    }
    out.push_str("</tbody></table>");
}

fn entry(out: &mut String, e: &Json, defs: &Map<String, Json>, topic: bool) {
    let uri = field(e, "uri");
    let kind = if topic { "topic" } else { "procedure" };
    let _ = write!(
        out,
        "<section class=\"entry {kind}\" id=\"{kind}-{0}\" data-uri=\"{0}\"><h3><span class=\"kind\">{kind}</span>{0}</h3>",
        esc(uri)
    );
    let doc = field(e, "doc").trim();
    if !doc.is_empty() {
        let _ = write!(out, "<div class=\"doc\">{}</div>", esc(doc));
    }
    let opts = e.get("options").and_then(Json::as_object);
    let opt = |k: &str, d: &str| {
        opts.and_then(|o| o.get(k))
            .and_then(Json::as_str)
            .unwrap_or(d)
            .to_owned()
    };
    if topic {
        let _ = write!(
            out,
            "<div class=\"opts\">match: <code>{}</code></div>",
            esc(&opt("match", "exact"))
        );
    } else {
        let _ = write!(
            out,
            "<div class=\"opts\">match: <code>{}</code> · invoke: <code>{}</code></div>",
            esc(&opt("match", "exact")),
            esc(&opt("invoke", "single"))
        );
    }
    let function = field(e, "function");
    if !function.is_empty() {
        let _ = write!(
            out,
            "<div class=\"where\">handler <code>{}::{}</code> in {}:{}</div>",
            esc(field(e, "module")),
            esc(function),
            esc(field(e, "file")),
            e.get("line").and_then(Json::as_u64).unwrap_or(0)
        );
    }
    let args = render::arg_rows(e.get("args").unwrap_or(&Json::Null), &Html);
    if !args.is_empty() {
        out.push_str("<h4>Positional arguments <small>(each may also be passed by name in kwargs)</small></h4>");
        table(out, &args);
    }
    let mut kwargs = render::property_rows(e.get("kwargs").unwrap_or(&Json::Null), defs, &Html);
    // Parameters taken by position or by name are listed once, as positional.
    kwargs.retain(|k| !args.iter().any(|a| a.name == k.name));
    if !kwargs.is_empty() {
        out.push_str("<h4>Keyword-only arguments</h4>");
        table(out, &kwargs);
    }
    if !topic {
        for (key, title) in [("result", "Result"), ("progress", "Progressive results")] {
            if let Some(schema) = e.get(key).filter(|s| !s.is_null()) {
                let _ = write!(
                    out,
                    "<h4>{title}</h4><div>{}</div>",
                    render::type_label(schema, &Html)
                );
            }
        }
        if let Some(errors) = e.get("errors").and_then(Json::as_array)
            && !errors.is_empty()
        {
            out.push_str("<h4>Errors</h4><div>");
            for err in errors {
                let _ = write!(
                    out,
                    "<code>{}</code> ",
                    esc(err.as_str().unwrap_or_default())
                );
            }
            out.push_str("</div>");
        }
    }
    if let Some(example) = e.get("example") {
        let (python, js) = render::example_snippets(e, topic);
        let _ = write!(
            out,
            "<h4>Example</h4><pre>{}</pre><pre>{}</pre><pre>{}</pre>",
            esc(&serde_json::to_string(example).unwrap_or_default()),
            esc(&python),
            esc(&js)
        );
    }
    out.push_str("</section>\n");
}

/// Renders a catalog document ([`from_catalog`](super::from_catalog)) as one self-contained
/// HTML page (no external resources; works from `file://` and offline):
/// a search box that filters procedures, topics and types, and every schema
/// as a table. The body gets `data-status="ready"` once its script ran, and
/// `data-js-error` if a script error happened, for automated checks.
pub fn html(doc: &Json) -> String {
    let (procedures, topics, defs) = render::parts(doc);
    let info = doc.get("info").cloned().unwrap_or(Json::Null);
    let title = format!("{} {}", field(&info, "title"), field(&info, "version"));
    let mut out = String::new();
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{0}</title><style>{CSS}</style>\
         <script>window.addEventListener(\"error\", function (e) {{ document.body.setAttribute(\"data-js-error\", String(e.message)); document.body.setAttribute(\"data-status\", \"error\"); }});</script>\
         </head>\n<body data-status=\"loading\"><header><h1>{0}</h1>\
         <div class=\"meta\">{1}{2} procedures · {3} topics · {4} types · catalog format {5} v{6}</div>\
         <input id=\"search\" type=\"search\" placeholder=\"Search procedures, topics, types…\" autocomplete=\"off\"></header>\n",
        esc(&title),
        if field(&info, "description").is_empty() {
            String::new()
        } else {
            format!("{} · ", esc(field(&info, "description")))
        },
        procedures.len(),
        topics.len(),
        defs.len(),
        esc(field(doc, "format")),
        doc.get("format_version")
            .and_then(Json::as_u64)
            .unwrap_or(0)
    );
    out.push_str("<div class=\"layout\"><nav>");
    for (title, kind, list) in [
        ("Procedures", "procedure", procedures),
        ("Topics", "topic", topics),
    ] {
        let _ = write!(out, "<h4>{title}</h4><ul>");
        for e in list {
            let uri = esc(field(e, "uri"));
            let _ = write!(
                out,
                "<li data-target=\"{kind}-{uri}\"><a href=\"#{kind}-{uri}\">{uri}</a></li>"
            );
        }
        out.push_str("</ul>");
    }
    out.push_str("<h4>Types</h4><ul>");
    for name in defs.keys() {
        let name = esc(name);
        let _ = write!(
            out,
            "<li data-target=\"type-{name}\"><a href=\"#type-{name}\">{name}</a></li>"
        );
    }
    out.push_str("</ul></nav>\n<main><p id=\"empty\" class=\"hidden\">Nothing matches.</p><h2>Procedures</h2>\n");
    for p in procedures {
        entry(&mut out, p, &defs, false);
    }
    out.push_str("<h2>Topics</h2>\n");
    for t in topics {
        entry(&mut out, t, &defs, true);
    }
    out.push_str("<h2>Types</h2>\n");
    for (name, schema) in &defs {
        let _ = write!(
            out,
            "<section class=\"def\" id=\"type-{0}\"><h3>{0}</h3>",
            esc(name)
        );
        if let Some(d) = schema.get("description").and_then(Json::as_str) {
            let _ = write!(out, "<div class=\"doc\">{}</div>", esc(d));
        }
        table(&mut out, &render::def_rows(schema, &defs, &Html));
        out.push_str("</section>\n");
    }
    // The catalog itself, for tools; `</` cannot end the script element.
    let json = serde_json::to_string(doc)
        .unwrap_or_default()
        .replace("</", "<\\/")
        .replace("<!--", "<\\u0021--");
    let _ = write!(
        out,
        "</main></div>\n<script type=\"application/json\" id=\"catalog\">{json}</script>\n<script>{SCRIPT}</script>\n</body></html>\n"
    );
    out
}
