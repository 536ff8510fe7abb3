//! The versioned JSON form of a module: what `aura ast` prints and what `aura run x.json` reads.

use crate::{Item, Module};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

pub const SCHEMA_NAME: &str = "aura-uast";
/// The newest version: 2 adds the module graph (`path`, `content_hash`, `imports`, `modules`).
/// A document of one module without imports is still written as version 1, which it is.
pub const SCHEMA_VERSION: u32 = 2;
/// The versions this build reads.
const READS: [u32; 2] = [1, 2];

/// JSON nested deeper than this is refused before serde sees it (the parser's own nesting limits
/// keep real programs far below it).
const MAX_JSON_DEPTH: usize = 20_000;

/// The root of the JSON form.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct Document {
    pub schema: String,
    pub version: u32,
    /// One entry per top-level fn, object and plugin, with its content hash. Informational: it is
    /// recomputed, not trusted, when a document is read.
    #[serde(default)]
    pub definitions: Vec<Definition>,
    /// The entry module (the only one in a version 1 document).
    pub module: Module,
    /// Version 2: the entry module's path, against which its imports were resolved.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// Version 2: the hash of the entry module's canonical (span-free) form; recomputed, not
    /// trusted, when a document is read.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub content_hash: String,
    /// Version 2: the paths of the modules the entry imports, one per `import` item, in order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub imports: Vec<String>,
    /// Version 2: every module the entry imports directly or further down, in initialisation
    /// order (each once).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub modules: Vec<ModuleEntry>,
}

/// One imported module of a program document.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct ModuleEntry {
    /// The path the module graph names it by (`lib/util.aura`, `std/strings`).
    pub path: String,
    /// Recomputed, not trusted, when a document is read.
    #[serde(default)]
    pub content_hash: String,
    /// The paths of the modules it imports, one per `import` item, in order.
    #[serde(default)]
    pub imports: Vec<String>,
    pub module: Module,
}

/// A top-level definition and the hash of its canonical (span-free) form, so a host can tell which
/// definitions changed between two versions of a module.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct Definition {
    pub kind: String,
    pub name: String,
    pub hash: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DocumentError {
    /// Not JSON, or JSON that is not a UAST document.
    Invalid(String),
    /// A UAST document of another schema or version.
    Version {
        found: String,
    },
    TooDeep,
}

impl std::fmt::Display for DocumentError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DocumentError::Invalid(msg) => write!(f, "not a valid UAST document: {msg}"),
            DocumentError::Version { found } => write!(
                f,
                "unsupported UAST schema {found}; this aura reads {SCHEMA_NAME} versions 1 and {SCHEMA_VERSION}"
            ),
            DocumentError::TooDeep => {
                write!(f, "UAST document is nested more than {MAX_JSON_DEPTH} levels deep")
            }
        }
    }
}

impl std::error::Error for DocumentError {}

impl Document {
    /// The document of one module (version 1 unless it has `import` items).
    pub fn new(module: Module) -> Document {
        Document::program(module, None, Vec::new(), Vec::new())
    }

    /// The document of a program: the entry module (at `path`, importing `imports`) and every
    /// module it imports, in initialisation order.
    pub fn program(
        module: Module,
        path: Option<String>,
        imports: Vec<String>,
        mut modules: Vec<ModuleEntry>,
    ) -> Document {
        let graph = path.is_some()
            || !imports.is_empty()
            || !modules.is_empty()
            || module
                .items
                .iter()
                .any(|item| matches!(item, Item::Import { .. }));
        for entry in &mut modules {
            entry.content_hash = module_hash(&entry.module);
        }
        Document {
            schema: SCHEMA_NAME.to_string(),
            version: if graph { SCHEMA_VERSION } else { 1 },
            definitions: definitions(&module),
            content_hash: if graph {
                module_hash(&module)
            } else {
                String::new()
            },
            module,
            path,
            imports,
            modules,
        }
    }

    /// Pretty JSON; `spans: false` leaves every span out.
    pub fn to_json(&self, spans: bool) -> String {
        let mut value = to_value(self);
        if !spans {
            strip_spans(&mut value);
        }
        serde_json::to_string_pretty(&value).unwrap_or_else(|e| format!("\"{e}\""))
    }

    pub fn from_json(text: &str) -> Result<Document, DocumentError> {
        if json_depth(text) > MAX_JSON_DEPTH {
            return Err(DocumentError::TooDeep);
        }
        let raw: serde_json::Value = deserialize(text)?;
        let schema = raw.get("schema").and_then(|s| s.as_str()).unwrap_or("");
        let version = raw.get("version").and_then(|v| v.as_u64());
        let known = version.is_some_and(|v| READS.iter().any(|r| u64::from(*r) == v));
        if schema != SCHEMA_NAME || !known {
            let found = match (schema, version) {
                ("", _) => "(none)".to_string(),
                (s, Some(v)) => format!("{s} version {v}"),
                (s, None) => format!("{s} (no version)"),
            };
            return Err(DocumentError::Version { found });
        }
        let mut doc: Document =
            Document::deserialize(raw).map_err(|e| DocumentError::Invalid(e.to_string()))?;
        doc.definitions = definitions(&doc.module);
        if doc.version >= 2 {
            doc.content_hash = module_hash(&doc.module);
        }
        for entry in &mut doc.modules {
            entry.content_hash = module_hash(&entry.module);
        }
        Ok(doc)
    }
}

fn deserialize(text: &str) -> Result<serde_json::Value, DocumentError> {
    let mut de = serde_json::Deserializer::from_str(text);
    de.disable_recursion_limit();
    let value = serde_json::Value::deserialize(&mut de)
        .map_err(|e| DocumentError::Invalid(e.to_string()))?;
    de.end()
        .map_err(|e| DocumentError::Invalid(e.to_string()))?;
    Ok(value)
}

fn to_value<T: Serialize>(value: &T) -> serde_json::Value {
    serde_json::to_value(value).unwrap_or(serde_json::Value::Null)
}

/// Removes every `span` field, recursively: the canonical form hashes and comparisons use.
pub fn strip_spans(value: &mut serde_json::Value) {
    let mut stack = vec![value];
    while let Some(v) = stack.pop() {
        match v {
            serde_json::Value::Object(map) => {
                let _ = map.shift_remove("span");
                stack.extend(map.values_mut());
            }
            serde_json::Value::Array(items) => stack.extend(items.iter_mut()),
            _ => {}
        }
    }
}

/// The span-free JSON value of a module: two modules that differ only in spans are equal here.
pub fn canonical(module: &Module) -> serde_json::Value {
    let mut value = to_value(module);
    strip_spans(&mut value);
    value
}

/// Hex sha256 of the canonical compact JSON of one item.
pub fn content_hash(item: &Item) -> String {
    hash_canonical(to_value(item))
}

/// Hex sha256 of the canonical compact JSON of a whole module: equal for two modules that
/// differ only in spans (layout, comments).
pub fn module_hash(module: &Module) -> String {
    hash_canonical(to_value(module))
}

fn hash_canonical(mut value: serde_json::Value) -> String {
    strip_spans(&mut value);
    let text = serde_json::to_string(&value).unwrap_or_default();
    let digest = Sha256::digest(text.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

fn definitions(module: &Module) -> Vec<Definition> {
    module
        .items
        .iter()
        .filter_map(|item| {
            let (kind, name) = match item {
                Item::Fn(def) => ("fn", &def.name.name),
                Item::Object(def) => ("object", &def.name.name),
                Item::Plugin(def) => ("plugin", &def.name.name),
                Item::Uses { .. } | Item::Import { .. } | Item::Let { .. } => return None,
            };
            Some(Definition {
                kind: kind.to_string(),
                name: name.clone(),
                hash: content_hash(item),
            })
        })
        .collect()
}

/// Bracket depth of JSON text, ignoring brackets inside strings.
fn json_depth(text: &str) -> usize {
    let (mut depth, mut max, mut in_string, mut escaped) = (0usize, 0usize, false, false);
    for byte in text.bytes() {
        if in_string {
            match byte {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match byte {
            b'"' => in_string = true,
            b'[' | b'{' => {
                depth += 1;
                max = max.max(depth);
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    max
}
