//! The Aura programs of the repository, for the tests that run over all of them (round trip,
//! comments kept by `aura fmt`, name resolution).

use std::path::{Path, PathBuf};

/// The repository's root.
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Every `.aura` file under `dir`, sorted, skipping hidden folders, build output and npm
/// packages.
pub fn aura_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut paths: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    paths.sort();
    for path in paths {
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if path.is_dir() {
            if !name.starts_with('.') && name != "target" && name != "node_modules" {
                aura_files(&path, out);
            }
        } else if name.ends_with(".aura") {
            out.push(path);
        }
    }
}
