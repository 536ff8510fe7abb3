//! Shared by the end-to-end test files: run the real `aura` binary, read its output, and write
//! scratch source files that are removed when the test ends.
#![allow(dead_code)] // each test file uses a part of it

use std::path::PathBuf;
use std::process::{Command, Output};

pub fn aura(args: &[&str]) -> Output {
    match Command::new(env!("CARGO_BIN_EXE_aura")).args(args).output() {
        Ok(output) => output,
        Err(e) => panic!("cannot start aura: {e}"),
    }
}

pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// A scratch file that lives as long as the test (in a folder of this test process).
pub struct Scratch(pub PathBuf);

impl Scratch {
    pub fn new(name: &str, contents: impl AsRef<[u8]>) -> Scratch {
        let dir = std::env::temp_dir().join(format!("aura-cli-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let path = dir.join(name);
        std::fs::write(&path, contents).expect("write scratch file");
        Scratch(path)
    }
    pub fn path(&self) -> &str {
        self.0.to_str().expect("utf-8 temp path")
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}
