//! One relocatable object per program (compiled code + the runtime, merged with `ld -r`) and
//! executables linked from it with the system `cc` and `runtime/native/support.c`.

use crate::clif;
use aura_lir::Program;
use object::{Object, ObjectSymbol};
use std::path::{Path, PathBuf};
use std::process::Command;

/// The C runtime (`runtime/rt/*.c`) compiled by `build.rs` for x86-64, freestanding.
pub static RUNTIME_OBJECT: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/aura_rt.o"));

/// The libc-based host of `--emit exe` executables (compiled at link time).
pub static SUPPORT_C: &str = include_str!("../../../runtime/native/support.c");

/// The only symbols a merged object may leave undefined (`spec/abi.md`, "External symbols").
pub const EXTERNAL_SYMBOLS: &[&str] = &[
    "aura_cap_clock",
    "aura_cap_log",
    "aura_cap_store",
    "aura_fail",
    "aura_heap_base",
    "aura_heap_size",
    "aura_write",
];

/// Why an object or executable could not be made.
#[derive(Debug)]
pub struct Error(pub String);

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Error {}

impl From<clif::CompileError> for Error {
    fn from(e: clif::CompileError) -> Error {
        Error(e.to_string())
    }
}

/// A scratch directory removed when dropped.
pub struct TempDir(PathBuf);

impl TempDir {
    pub fn new(purpose: &str) -> Result<TempDir, Error> {
        use std::sync::atomic::{AtomicU32, Ordering};
        static COUNTER: AtomicU32 = AtomicU32::new(0);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        let path = std::env::temp_dir().join(format!(
            "aura-{purpose}-{}-{}-{nanos}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&path)
            .map_err(|e| Error(format!("cannot create {}: {e}", path.display())))?;
        Ok(TempDir(path))
    }

    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn write(path: &Path, bytes: &[u8]) -> Result<(), Error> {
    std::fs::write(path, bytes).map_err(|e| Error(format!("cannot write {}: {e}", path.display())))
}

fn run(command: &mut Command) -> Result<(), Error> {
    let output = command
        .output()
        .map_err(|e| Error(format!("cannot run {:?}: {e}", command.get_program())))?;
    if output.status.success() {
        Ok(())
    } else {
        Err(Error(format!(
            "{:?} failed ({}):\n{}",
            command.get_program(),
            output.status,
            String::from_utf8_lossy(&output.stderr)
        )))
    }
}

/// The undefined global symbols of an ELF relocatable object, sorted.
pub fn undefined_symbols(bytes: &[u8]) -> Result<Vec<String>, Error> {
    let file = object::File::parse(bytes).map_err(|e| Error(format!("bad object: {e}")))?;
    let mut names: Vec<String> = file
        .symbols()
        .filter(|s| s.is_undefined() && s.is_global())
        .filter_map(|s| s.name().ok().map(str::to_string))
        .filter(|name| !name.is_empty())
        .collect();
    names.sort();
    names.dedup();
    Ok(names)
}

/// Compiles `program` and merges it with the runtime into one x86-64 ELF relocatable object
/// whose only undefined symbols are [`EXTERNAL_SYMBOLS`].
pub fn build_object(program: &Program) -> Result<Vec<u8>, Error> {
    let code = clif::compile(program)?;
    if RUNTIME_OBJECT.is_empty() {
        return Err(Error(
            "the native runtime was not built (no runtime/rt/*.c when aura was compiled)".into(),
        ));
    }
    let dir = TempDir::new("obj")?;
    let code_path = dir.path().join("code.o");
    let rt_path = dir.path().join("rt.o");
    let merged = dir.path().join("merged.o");
    write(&code_path, &code)?;
    write(&rt_path, RUNTIME_OBJECT)?;
    run(Command::new("ld")
        .arg("-r")
        .arg("-o")
        .arg(&merged)
        .arg(&code_path)
        .arg(&rt_path))?;
    let bytes =
        std::fs::read(&merged).map_err(|e| Error(format!("cannot read merged object: {e}")))?;
    let unexpected: Vec<String> = undefined_symbols(&bytes)?
        .into_iter()
        .filter(|name| !EXTERNAL_SYMBOLS.contains(&name.as_str()))
        .collect();
    if !unexpected.is_empty() {
        return Err(Error(format!(
            "the runtime does not define {} (needed by the compiled program)",
            unexpected.join(", ")
        )));
    }
    Ok(bytes)
}

/// Links a merged object (from [`build_object`]) into an executable at `output` with the system
/// `cc -no-pie` and `runtime/native/support.c`.
pub fn link_executable(object: &[u8], output: &Path) -> Result<(), Error> {
    let dir = TempDir::new("link")?;
    let object_path = dir.path().join("program.o");
    write(&object_path, object)?;
    let support = support_object(dir.path())?;
    run(Command::new(cc())
        .args(["-no-pie", "-o"])
        .arg(output)
        .arg(&object_path)
        .arg(&support)
        .arg("-lpthread"))
}

fn cc() -> String {
    std::env::var("CC").unwrap_or_else(|_| "cc".into())
}

/// `support.c` compiled with `cc -O2`. Compiling it takes most of a link, so the object is kept
/// in the user's cache directory (`$XDG_CACHE_HOME/aura` or `~/.cache/aura`) under a hash of the
/// source and the compiler name; without a cache directory it is compiled into `scratch`.
fn support_object(scratch: &Path) -> Result<PathBuf, Error> {
    use std::hash::{Hash, Hasher};
    let compile = |c_path: &Path, o_path: &Path| -> Result<(), Error> {
        write(c_path, SUPPORT_C.as_bytes())?;
        run(Command::new(cc())
            .args(["-O2", "-c", "-o"])
            .arg(o_path)
            .arg(c_path))
    };
    let cache = std::env::var_os("XDG_CACHE_HOME")
        .filter(|d| !d.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))
        .map(|d| d.join("aura"));
    let Some(cache) = cache.filter(|d| std::fs::create_dir_all(d).is_ok()) else {
        let o_path = scratch.join("support.o");
        compile(&scratch.join("support.c"), &o_path)?;
        return Ok(o_path);
    };
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    SUPPORT_C.hash(&mut hasher);
    cc().hash(&mut hasher);
    let cached = cache.join(format!("native-support-{:016x}.o", hasher.finish()));
    if !cached.is_file() {
        // Compiled beside the final name and renamed into place, so that concurrent links never
        // see a half-written object.
        let o_path = scratch.join("support.o");
        compile(&scratch.join("support.c"), &o_path)?;
        let staged = cache.join(format!(
            "native-support-{}-{}.tmp",
            std::process::id(),
            scratch
                .file_name()
                .map(|n| n.to_string_lossy())
                .unwrap_or_default()
        ));
        if std::fs::copy(&o_path, &staged).is_err() || std::fs::rename(&staged, &cached).is_err() {
            let _ = std::fs::remove_file(&staged);
            return Ok(o_path);
        }
    }
    Ok(cached)
}
