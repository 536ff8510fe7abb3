//! Compiles the C runtime (`runtime/rt/*.c`) once, with the system `cc`, into one relocatable
//! object that the crate embeds (`RUNTIME_OBJECT`): every `aura build --target native` merges it
//! with the compiled program, so programs never recompile the runtime.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The flags `spec/abi.md` gives for the x86-64 runtime: freestanding, no libc, non-PIC.
const CFLAGS: &[&str] = &[
    "-O2",
    "-ffreestanding",
    "-fno-builtin",
    "-fno-stack-protector",
    "-fno-pic",
    "-c",
];

fn main() {
    let manifest = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").expect("set by cargo"));
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("set by cargo"));
    let rt = manifest.join("../../runtime/rt");
    println!("cargo:rerun-if-changed={}", rt.display());
    println!("cargo:rerun-if-env-changed=CC");
    let mut sources: Vec<PathBuf> = std::fs::read_dir(&rt)
        .map(|entries| {
            entries
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|x| x == "c" || x == "h"))
                .collect()
        })
        .unwrap_or_default();
    sources.sort();
    for source in &sources {
        println!("cargo:rerun-if-changed={}", source.display());
    }
    let target = out.join("aura_rt.o");
    let c_files: Vec<&PathBuf> = sources
        .iter()
        .filter(|p| p.extension().is_some_and(|x| x == "c"))
        .collect();
    if c_files.is_empty() {
        // No runtime yet: an empty object makes `aura build --target native` report that the
        // runtime is missing instead of failing the whole workspace build.
        std::fs::write(&target, b"").expect("write OUT_DIR/aura_rt.o");
        return;
    }
    let cc = std::env::var("CC").unwrap_or_else(|_| "cc".into());
    let mut objects = Vec::new();
    for source in c_files {
        let stem = source.file_stem().expect("a .c file has a stem");
        let object = out.join(Path::new(stem).with_extension("o"));
        run(Command::new(&cc)
            .args(CFLAGS)
            .arg("-I")
            .arg(&rt)
            .arg(source)
            .arg("-o")
            .arg(&object));
        objects.push(object);
    }
    run(Command::new("ld")
        .arg("-r")
        .arg("-o")
        .arg(&target)
        .args(&objects));
}

fn run(command: &mut Command) {
    let status = command
        .status()
        .unwrap_or_else(|e| panic!("cannot run {command:?}: {e}"));
    assert!(status.success(), "{command:?} failed: {status}");
}
