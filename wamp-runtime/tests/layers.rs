//! The architecture of `wamp-runtime/src`, checked from the code:
//!
//! 1. no import cycle between files: file A uses a name defined in file B
//!    (through `use crate::…`, `use super::…` or a path such as
//!    `crate::x::y::f(…)`) while B, directly or through other files, uses a
//!    name defined in A. A name is followed to the file that *defines* it, through
//!    `pub use` re-exports, so a `mod.rs` that only re-exports its children
//!    ties nothing;
//! 2. the top-level modules form the layers of [`LAYERS`]: a module uses names
//!    of lower layers only, never of its own layer's other modules nor of a
//!    higher one. The crate root (`lib.rs`) may use every layer.
//!
//! Test code (`#[cfg(test)]`) is not part of the architecture and is skipped.
//! Paths inside macro invocations (`tokio::select! { … }`) are not read; the
//! `use` items that bring their names in are.

use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use syn::visit::Visit;

/// The layers of the top-level modules of `src/`, bottom first. Adjust here
/// when a module is added or renamed.
const LAYERS: &[&[&str]] = &[
    // The codec layer: bytes <-> values (`serializer`, to be renamed `wire`).
    &["serializer", "wire"],
    // WAMP messages, URIs, IDs, payloads.
    &["protocol"],
    // Moving frames; proving identities.
    &["transport", "auth"],
    // The schema catalog and its renderings; knows neither client nor router.
    &["docs"],
    // The two peers, side by side: neither uses the other.
    &["client", "router"],
];

// ---------------------------------------------------------------------------
// The module tree

type ModId = usize;

/// What a path resolves to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Target {
    /// An item (fn, type, const, trait, macro…) defined in this file.
    Item(usize),
    /// A module.
    Module(ModId),
}

/// One `use` leaf: `local` is the name it binds, `path` what it names.
#[derive(Debug, Clone)]
struct UseLeaf {
    local: Option<String>,
    path: Vec<String>,
    glob: bool,
}

#[derive(Debug, Default)]
struct Module {
    file: usize,
    parent: Option<ModId>,
    /// Items defined here (all namespaces but modules).
    items: BTreeSet<String>,
    /// Child modules.
    children: HashMap<String, ModId>,
    uses: Vec<UseLeaf>,
}

/// Every module of a crate and the files that hold them.
struct Tree {
    root: PathBuf,
    files: Vec<PathBuf>,
    asts: Vec<syn::File>,
    modules: Vec<Module>,
    /// The module each file's top level is.
    file_module: Vec<ModId>,
}

fn is_cfg_test(attrs: &[syn::Attribute]) -> bool {
    attrs.iter().any(|a| {
        a.path().is_ident("cfg")
            && a.parse_args::<syn::Meta>()
                .is_ok_and(|m| m.path().is_ident("test"))
    })
}

fn path_attr(attrs: &[syn::Attribute]) -> Option<String> {
    attrs.iter().find_map(|a| match &a.meta {
        syn::Meta::NameValue(nv) if nv.path.is_ident("path") => match &nv.value {
            syn::Expr::Lit(syn::ExprLit {
                lit: syn::Lit::Str(s),
                ..
            }) => Some(s.value()),
            _ => None,
        },
        _ => None,
    })
}

fn flatten_use(tree: &syn::UseTree, prefix: &mut Vec<String>, out: &mut Vec<UseLeaf>) {
    match tree {
        syn::UseTree::Path(p) => {
            prefix.push(p.ident.to_string());
            flatten_use(&p.tree, prefix, out);
            prefix.pop();
        }
        syn::UseTree::Name(n) => {
            let name = n.ident.to_string();
            if name == "self" {
                out.push(UseLeaf {
                    local: prefix.last().cloned(),
                    path: prefix.clone(),
                    glob: false,
                });
            } else {
                let mut path = prefix.clone();
                path.push(name.clone());
                out.push(UseLeaf {
                    local: Some(name),
                    path,
                    glob: false,
                });
            }
        }
        syn::UseTree::Rename(r) => {
            let mut path = prefix.clone();
            if r.ident != "self" {
                path.push(r.ident.to_string());
            }
            let local = r.rename.to_string();
            out.push(UseLeaf {
                local: (local != "_").then_some(local),
                path,
                glob: false,
            });
        }
        syn::UseTree::Glob(_) => out.push(UseLeaf {
            local: None,
            path: prefix.clone(),
            glob: true,
        }),
        syn::UseTree::Group(g) => {
            for t in &g.items {
                flatten_use(t, prefix, out);
            }
        }
    }
}

/// Collects what a list of items defines and imports into `module`; nested
/// `use` items (in function bodies) count as the module's. The files of
/// `mod x;` declarations are left in `pending`, to be read next.
struct Collector<'a> {
    tree: &'a mut Tree,
    module: ModId,
    /// Directory where this module's child module files live.
    dir: PathBuf,
    pending: Vec<(ModId, PathBuf)>,
}

impl Collector<'_> {
    fn item_name(item: &syn::Item) -> Option<String> {
        Some(match item {
            syn::Item::Const(i) => i.ident.to_string(),
            syn::Item::Enum(i) => i.ident.to_string(),
            syn::Item::Fn(i) => i.sig.ident.to_string(),
            syn::Item::Static(i) => i.ident.to_string(),
            syn::Item::Struct(i) => i.ident.to_string(),
            syn::Item::Trait(i) => i.ident.to_string(),
            syn::Item::TraitAlias(i) => i.ident.to_string(),
            syn::Item::Type(i) => i.ident.to_string(),
            syn::Item::Union(i) => i.ident.to_string(),
            syn::Item::Macro(i) => i.ident.as_ref()?.to_string(),
            _ => return None,
        })
    }

    fn items(&mut self, items: &[syn::Item]) {
        for item in items {
            if is_cfg_test(attrs_of(item)) {
                continue;
            }
            if let Some(name) = Self::item_name(item) {
                self.tree.modules[self.module].items.insert(name);
            }
            match item {
                syn::Item::Use(u) => {
                    let mut leaves = Vec::new();
                    flatten_use(&u.tree, &mut Vec::new(), &mut leaves);
                    self.tree.modules[self.module].uses.extend(leaves);
                }
                syn::Item::Mod(m) => {
                    let name = m.ident.to_string();
                    let file = self.tree.modules[self.module].file;
                    let child = self.tree.modules.len();
                    self.tree.modules.push(Module {
                        file,
                        parent: Some(self.module),
                        ..Module::default()
                    });
                    self.tree.modules[self.module]
                        .children
                        .insert(name.clone(), child);
                    match &m.content {
                        Some((_, inner)) => {
                            let mut nested = Collector {
                                tree: &mut *self.tree,
                                module: child,
                                dir: self.dir.join(&name),
                                pending: Vec::new(),
                            };
                            nested.items(inner);
                            let found = nested.pending;
                            self.pending.extend(found);
                        }
                        None => {
                            let path = match path_attr(&m.attrs) {
                                Some(p) => self.dir.join(p),
                                None => {
                                    let flat = self.dir.join(format!("{name}.rs"));
                                    if self.tree.root.join(&flat).exists() {
                                        flat
                                    } else {
                                        self.dir.join(&name).join("mod.rs")
                                    }
                                }
                            };
                            self.pending.push((child, path));
                        }
                    }
                }
                syn::Item::Fn(f) => {
                    let mut uses = NestedUses::default();
                    uses.visit_block(&f.block);
                    self.tree.modules[self.module].uses.extend(uses.0);
                }
                syn::Item::Impl(i) => {
                    let mut uses = NestedUses::default();
                    uses.visit_item_impl(i);
                    self.tree.modules[self.module].uses.extend(uses.0);
                }
                _ => {}
            }
        }
    }
}

/// `use` items inside function bodies.
#[derive(Default)]
struct NestedUses(Vec<UseLeaf>);

impl<'ast> Visit<'ast> for NestedUses {
    fn visit_item_use(&mut self, u: &'ast syn::ItemUse) {
        flatten_use(&u.tree, &mut Vec::new(), &mut self.0);
    }
    fn visit_item_mod(&mut self, _: &'ast syn::ItemMod) {}
}

fn attrs_of(item: &syn::Item) -> &[syn::Attribute] {
    match item {
        syn::Item::Const(i) => &i.attrs,
        syn::Item::Enum(i) => &i.attrs,
        syn::Item::ExternCrate(i) => &i.attrs,
        syn::Item::Fn(i) => &i.attrs,
        syn::Item::ForeignMod(i) => &i.attrs,
        syn::Item::Impl(i) => &i.attrs,
        syn::Item::Macro(i) => &i.attrs,
        syn::Item::Mod(i) => &i.attrs,
        syn::Item::Static(i) => &i.attrs,
        syn::Item::Struct(i) => &i.attrs,
        syn::Item::Trait(i) => &i.attrs,
        syn::Item::TraitAlias(i) => &i.attrs,
        syn::Item::Type(i) => &i.attrs,
        syn::Item::Union(i) => &i.attrs,
        syn::Item::Use(i) => &i.attrs,
        _ => &[],
    }
}

impl Tree {
    /// Reads the crate whose root is `src/lib.rs`, following `mod` declarations.
    fn read(src: &Path) -> Result<Tree, String> {
        let mut tree = Tree {
            root: src.to_path_buf(),
            files: Vec::new(),
            asts: Vec::new(),
            modules: vec![Module::default()],
            file_module: Vec::new(),
        };
        // A library's root, or a binary's when the crate has no library.
        let root = if src.join("lib.rs").exists() {
            "lib.rs"
        } else {
            "main.rs"
        };
        let mut queue = VecDeque::from([(0, PathBuf::from(root))]);
        while let Some((module, rel)) = queue.pop_front() {
            let text = std::fs::read_to_string(src.join(&rel))
                .map_err(|e| format!("reading {}: {e}", rel.display()))?;
            let ast =
                syn::parse_file(&text).map_err(|e| format!("parsing {}: {e}", rel.display()))?;
            let file = tree.files.len();
            tree.modules[module].file = file;
            let dir = match rel.file_name().and_then(|n| n.to_str()) {
                Some("lib.rs" | "mod.rs" | "main.rs") => {
                    rel.parent().unwrap_or(Path::new("")).to_path_buf()
                }
                _ => rel.with_extension(""),
            };
            let mut collector = Collector {
                tree: &mut tree,
                module,
                dir,
                pending: Vec::new(),
            };
            collector.items(&ast.items);
            queue.extend(collector.pending);
            tree.files.push(rel);
            tree.asts.push(ast);
            tree.file_module.push(module);
        }
        Ok(tree)
    }

    fn name(&self, file: usize) -> String {
        self.files[file].display().to_string()
    }

    /// Looks `name` up in the scope of `module`: its items and child modules,
    /// then its `use` bindings, then its glob imports. `module_wanted` prefers
    /// a module when an item and a module share the name.
    fn lookup(&self, module: ModId, name: &str, module_wanted: bool, depth: u32) -> Option<Target> {
        if depth > 32 {
            return None;
        }
        let m = &self.modules[module];
        let child = m.children.get(name).map(|&c| Target::Module(c));
        let item = m.items.contains(name).then_some(Target::Item(m.file));
        let own = if module_wanted {
            child.or(item)
        } else {
            item.or(child)
        };
        if own.is_some() {
            return own;
        }
        let mut found = None;
        for leaf in m
            .uses
            .iter()
            .filter(|l| !l.glob && l.local.as_deref() == Some(name))
        {
            match self.resolve(module, &leaf.path, module_wanted, depth + 1) {
                Some(t @ Target::Module(_)) if module_wanted => return Some(t),
                Some(t @ Target::Item(_)) if !module_wanted => return Some(t),
                Some(t) => found = found.or(Some(t)),
                None => {}
            }
        }
        if found.is_some() {
            return found;
        }
        for leaf in m.uses.iter().filter(|l| l.glob) {
            if let Some(Target::Module(g)) = self.resolve(module, &leaf.path, true, depth + 1)
                && g != module
                && let Some(t) = self.lookup(g, name, module_wanted, depth + 1)
            {
                return Some(t);
            }
        }
        None
    }

    /// Resolves a path seen in `module`; `None` for names outside the crate
    /// (std, dependencies) and for locals.
    fn resolve(
        &self,
        module: ModId,
        path: &[String],
        last_is_module: bool,
        depth: u32,
    ) -> Option<Target> {
        if depth > 32 || path.is_empty() {
            return None;
        }
        let mut current = module;
        let mut rest = path;
        let mut anchored = false;
        while let Some(first) = rest.first() {
            match first.as_str() {
                "crate" if !anchored => current = 0,
                "self" => {}
                "super" => current = self.modules[current].parent?,
                _ => break,
            }
            anchored = true;
            rest = &rest[1..];
        }
        if rest.is_empty() {
            return Some(Target::Module(current));
        }
        for (i, segment) in rest.iter().enumerate() {
            let last = i + 1 == rest.len();
            let wanted = if last { last_is_module } else { true };
            match self.lookup(current, segment, wanted, depth + 1)? {
                Target::Module(m) if !last => current = m,
                // An item: what follows is a variant or an associated item.
                t => return Some(t),
            }
        }
        None
    }
}

// ---------------------------------------------------------------------------
// The file graph

/// Who uses whom: `edges[a][b]` are the names file `a` takes from file `b`.
struct Graph {
    tree: Tree,
    edges: BTreeMap<usize, BTreeMap<usize, BTreeSet<String>>>,
}

/// Walks one file's code, module by module, recording the names it takes
/// from other files.
struct Uses<'a> {
    tree: &'a Tree,
    file: usize,
    modules: Vec<ModId>,
    edges: &'a mut BTreeMap<usize, BTreeSet<String>>,
}

impl Uses<'_> {
    fn module(&self) -> ModId {
        *self.modules.last().unwrap_or(&0)
    }

    fn record(&mut self, target: Option<Target>, name: &str) {
        if let Some(Target::Item(file)) = target
            && file != self.file
        {
            self.edges.entry(file).or_default().insert(name.to_owned());
        }
    }
}

impl<'ast> Visit<'ast> for Uses<'_> {
    fn visit_item(&mut self, item: &'ast syn::Item) {
        if !is_cfg_test(attrs_of(item)) {
            syn::visit::visit_item(self, item);
        }
    }

    fn visit_item_mod(&mut self, m: &'ast syn::ItemMod) {
        // A module's items are walked in its own scope (inline) or file.
        if let Some((_, items)) = &m.content {
            let parent = self.module();
            let Some(&child) = self.tree.modules[parent].children.get(&m.ident.to_string()) else {
                return;
            };
            self.modules.push(child);
            for item in items {
                self.visit_item(item);
            }
            self.modules.pop();
        }
    }

    fn visit_item_use(&mut self, u: &'ast syn::ItemUse) {
        // A private import ties this file to the definition; a re-export
        // (`pub use`) only hands the name on, and ties nothing by itself.
        if !matches!(u.vis, syn::Visibility::Inherited) {
            return;
        }
        let mut leaves = Vec::new();
        flatten_use(&u.tree, &mut Vec::new(), &mut leaves);
        for leaf in leaves.iter().filter(|l| !l.glob) {
            let target = self.tree.resolve(self.module(), &leaf.path, false, 0);
            let name = leaf.path.last().cloned().unwrap_or_default();
            self.record(target, &name);
        }
    }

    fn visit_path(&mut self, path: &'ast syn::Path) {
        if path.leading_colon.is_none() {
            let segments: Vec<String> = path.segments.iter().map(|s| s.ident.to_string()).collect();
            let target = self.tree.resolve(self.module(), &segments, false, 0);
            // The name that led to the item: the last segment that resolved.
            let mut name = segments.last().cloned().unwrap_or_default();
            if let Some(Target::Item(_)) = target {
                for n in 1..=segments.len() {
                    if let Some(Target::Item(_)) =
                        self.tree.resolve(self.module(), &segments[..n], false, 0)
                    {
                        name = segments[n - 1].clone();
                        break;
                    }
                }
            }
            self.record(target, &name);
        }
        syn::visit::visit_path(self, path);
    }
}

impl Graph {
    fn build(src: &Path) -> Result<Graph, String> {
        let tree = Tree::read(src)?;
        let mut edges = BTreeMap::new();
        for file in 0..tree.files.len() {
            let mut out = BTreeMap::new();
            let mut uses = Uses {
                tree: &tree,
                file,
                modules: vec![tree.file_module[file]],
                edges: &mut out,
            };
            for item in &tree.asts[file].items {
                uses.visit_item(item);
            }
            edges.insert(file, out);
        }
        Ok(Graph { tree, edges })
    }

    fn ties(&self, from: usize, to: usize) -> String {
        self.edges[&from][&to]
            .iter()
            .cloned()
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// The strongly connected components of more than one file (Tarjan).
    fn cycles(&self) -> Vec<Vec<usize>> {
        struct State {
            index: Vec<Option<usize>>,
            low: Vec<usize>,
            on_stack: Vec<bool>,
            stack: Vec<usize>,
            next: usize,
            out: Vec<Vec<usize>>,
        }
        fn connect(g: &Graph, v: usize, s: &mut State) {
            s.index[v] = Some(s.next);
            s.low[v] = s.next;
            s.next += 1;
            s.stack.push(v);
            s.on_stack[v] = true;
            for &w in g.edges[&v].keys() {
                match s.index[w] {
                    None => {
                        connect(g, w, s);
                        s.low[v] = s.low[v].min(s.low[w]);
                    }
                    Some(i) if s.on_stack[w] => s.low[v] = s.low[v].min(i),
                    Some(_) => {}
                }
            }
            if Some(s.low[v]) == s.index[v] {
                let mut component = Vec::new();
                while let Some(w) = s.stack.pop() {
                    s.on_stack[w] = false;
                    component.push(w);
                    if w == v {
                        break;
                    }
                }
                if component.len() > 1 {
                    component.sort();
                    s.out.push(component);
                }
            }
        }
        let n = self.tree.files.len();
        let mut s = State {
            index: vec![None; n],
            low: vec![0; n],
            on_stack: vec![false; n],
            stack: Vec::new(),
            next: 0,
            out: Vec::new(),
        };
        for v in 0..n {
            if s.index[v].is_none() {
                connect(self, v, &mut s);
            }
        }
        s.out.sort();
        s.out
    }

    /// A shortest loop from `start` back to it inside `component`.
    fn loop_through(&self, start: usize, component: &[usize]) -> Vec<usize> {
        let mut previous: HashMap<usize, usize> = HashMap::new();
        let mut queue = VecDeque::from([start]);
        while let Some(v) = queue.pop_front() {
            for &w in self.edges[&v].keys() {
                if !component.contains(&w) {
                    continue;
                }
                if w == start {
                    let mut chain = vec![v];
                    let mut at = v;
                    while at != start {
                        at = previous[&at];
                        chain.push(at);
                    }
                    chain.reverse();
                    return chain;
                }
                if let std::collections::hash_map::Entry::Vacant(e) = previous.entry(w) {
                    e.insert(v);
                    queue.push_back(w);
                }
            }
        }
        vec![start]
    }

    fn describe_cycle(&self, component: &[usize]) -> String {
        let mut out = String::new();
        let chain = self.loop_through(component[0], component);
        let _ = writeln!(out, "import cycle among {} files:", component.len());
        for (i, &from) in chain.iter().enumerate() {
            let to = chain[(i + 1) % chain.len()];
            let _ = writeln!(
                out,
                "  {} -> {}  (uses {})",
                self.tree.name(from),
                self.tree.name(to),
                self.ties(from, to)
            );
        }
        let _ = writeln!(out, "  every tie inside it:");
        for &from in component {
            for &to in self.edges[&from].keys().filter(|t| component.contains(t)) {
                let _ = writeln!(
                    out,
                    "    {} -> {}: {}",
                    self.tree.name(from),
                    self.tree.name(to),
                    self.ties(from, to)
                );
            }
        }
        out
    }

    /// The top-level module of a file (`None` for the crate root).
    fn top(&self, file: usize) -> Option<String> {
        let path = &self.tree.files[file];
        let first = path.components().next()?.as_os_str().to_str()?.to_owned();
        if path.components().count() == 1 {
            let stem = first.strip_suffix(".rs").unwrap_or(&first).to_owned();
            return (stem != "lib").then_some(stem);
        }
        Some(first)
    }

    fn layer_violations(&self, layers: &[&[&str]]) -> Vec<String> {
        let level = |m: &str| layers.iter().position(|l| l.contains(&m));
        let mut out = Vec::new();
        let unknown: BTreeSet<String> = (0..self.tree.files.len())
            .filter_map(|f| self.top(f))
            .filter(|m| level(m).is_none())
            .collect();
        for (&from, targets) in &self.edges {
            let Some(a) = self.top(from) else { continue };
            for &to in targets.keys() {
                let Some(b) = self.top(to) else { continue };
                if a == b {
                    continue;
                }
                let (Some(la), Some(lb)) = (level(&a), level(&b)) else {
                    continue;
                };
                if lb >= la {
                    let why = if lb == la {
                        "its own layer"
                    } else {
                        "a higher layer"
                    };
                    out.push(format!(
                        "{a} uses {b} ({why}): {} -> {}: {}",
                        self.tree.name(from),
                        self.tree.name(to),
                        self.ties(from, to)
                    ));
                }
            }
        }
        for m in unknown {
            out.push(format!("module `{m}` is in no layer: add it to LAYERS"));
        }
        out
    }
}

/// Everything wrong with the tree under `src`, as readable lines.
struct Report {
    cycles: Vec<String>,
    violations: Vec<String>,
}

impl Report {
    fn of(src: &Path, layers: &[&[&str]]) -> Report {
        let graph = Graph::build(src).unwrap_or_else(|e| panic!("{e}"));
        Report {
            cycles: graph
                .cycles()
                .iter()
                .map(|c| graph.describe_cycle(c))
                .collect(),
            violations: graph.layer_violations(layers),
        }
    }

    fn is_clean(&self) -> bool {
        self.cycles.is_empty() && self.violations.is_empty()
    }
}

impl std::fmt::Display for Report {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for c in &self.cycles {
            writeln!(f, "{c}")?;
        }
        if !self.violations.is_empty() {
            writeln!(f, "layer violations (layers, bottom first: {LAYERS:?}):")?;
            for v in &self.violations {
                writeln!(f, "  {v}")?;
            }
        }
        Ok(())
    }
}

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

// ---------------------------------------------------------------------------
// The checks

#[test]
fn no_import_cycles_and_the_layers_hold() {
    let report = Report::of(&src(), LAYERS);
    assert!(report.is_clean(), "\n{report}");
}

/// The other crates of the workspace have no import cycle between their
/// files either (they have no layers of their own).
#[test]
fn the_other_crates_have_no_import_cycles() {
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    for krate in [
        "wamp-macros",
        "wamp-codegen",
        "wamp-router",
        "wamp-cli",
        "wamp-fuzz",
        "wamp-bench",
    ] {
        let report = Report::of(&workspace.join(krate).join("src"), &[]);
        assert!(report.cycles.is_empty(), "{krate}:\n{:#?}", report.cycles);
    }
}

/// The part that holds already: nothing in `transport/` is in a cycle, and
/// `transport` uses lower layers only.
#[test]
fn transport_has_no_cycle_and_uses_lower_layers_only() {
    let report = Report::of(&src(), LAYERS);
    let cycles: Vec<_> = report
        .cycles
        .iter()
        .filter(|c| c.contains("transport/"))
        .collect();
    let violations: Vec<_> = report
        .violations
        .iter()
        .filter(|v| v.starts_with("transport uses"))
        .collect();
    assert!(
        cycles.is_empty() && violations.is_empty(),
        "{cycles:#?}\n{violations:#?}"
    );
}

/// Prints today's report (`cargo test -p wamp-runtime --test layers -- --ignored --nocapture report`).
#[test]
#[ignore = "prints the report; run by hand"]
fn report() {
    println!("{}", Report::of(&src(), LAYERS));
}

// ---------------------------------------------------------------------------
// The checker itself, on small trees

fn tree(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (path, text) in files {
        let path = dir.path().join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    dir
}

const TINY_LAYERS: &[&[&str]] = &[&["low"], &["high"]];

#[test]
fn a_cycle_between_two_files_is_reported_with_its_names() {
    let dir = tree(&[
        ("lib.rs", "pub mod low;"),
        ("low/mod.rs", "mod a;\nmod b;\npub use a::A;\npub use b::B;"),
        ("low/a.rs", "use super::b::B;\npub struct A(pub B);"),
        (
            "low/b.rs",
            "pub struct B;\npub fn make() -> super::A { super::A(B) }",
        ),
    ]);
    let report = Report::of(dir.path(), TINY_LAYERS);
    assert_eq!(report.cycles.len(), 1, "{report}");
    let text = report.to_string();
    assert!(text.contains("low/a.rs -> low/b.rs  (uses B)"), "{text}");
    assert!(text.contains("low/b.rs -> low/a.rs  (uses A)"), "{text}");
    assert!(report.violations.is_empty(), "{report}");
}

#[test]
fn re_exports_and_a_tree_without_loops_are_accepted() {
    // `low/mod.rs` re-exports both children and `high` takes everything
    // through it; `b` uses `a` through the re-export and a full path.
    let dir = tree(&[
        ("lib.rs", "pub mod high;\npub mod low;\npub use low::*;"),
        (
            "low/mod.rs",
            "mod a;\nmod b;\npub use a::{A, helper};\npub use b::B;",
        ),
        ("low/a.rs", "pub struct A;\npub fn helper() {}"),
        (
            "low/b.rs",
            "use super::A;\npub struct B(pub A);\npub fn f() { crate::low::helper() }",
        ),
        (
            "high.rs",
            "use crate::low::{self, B};\nuse crate::A;\npub fn g() -> (A, B) { low::helper(); (A, B(A)) }",
        ),
    ]);
    let report = Report::of(dir.path(), TINY_LAYERS);
    assert!(report.is_clean(), "{report}");
}

#[test]
fn a_lower_layer_using_a_higher_one_is_reported() {
    let dir = tree(&[
        ("lib.rs", "pub mod high;\npub mod low;\npub mod other;"),
        (
            "low.rs",
            "pub fn f() { crate::high::g() }\n#[cfg(test)]\nmod tests { use crate::high::h; }",
        ),
        ("high.rs", "pub fn g() {}\npub fn h() {}"),
        ("other.rs", "pub struct X;"),
    ]);
    let report = Report::of(dir.path(), TINY_LAYERS);
    assert!(report.cycles.is_empty(), "{report}");
    assert_eq!(
        report.violations,
        vec![
            "low uses high (a higher layer): low.rs -> high.rs: g".to_owned(),
            "module `other` is in no layer: add it to LAYERS".to_owned(),
        ],
        "test code (the use of `h`) is skipped"
    );
}
