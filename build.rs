//! Compiles the built portal (frontend/dist, committed) into the binary: a
//! table of every file with its path and media type, each file's bytes taken
//! with `include_bytes!`, so `cargo run` on a fresh clone serves the whole
//! portal with no Node.js, no other step and no network.
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

fn main() {
    // Read when the script runs, not when it was compiled: a target folder
    // copied to another checkout (a git worktree) reuses the compiled
    // script, which would otherwise embed the first checkout's portal.
    let manifest_dir = std::env::var("CARGO_MANIFEST_DIR").expect("CARGO_MANIFEST_DIR");
    let root = Path::new(&manifest_dir).join("frontend").join("dist");
    println!("cargo:rerun-if-changed={}", root.display());
    let mut files = Vec::new();
    if root.is_dir() {
        walk(&root, &mut files);
    }
    files.sort();
    let mut out = String::from(
        "/// Every file of frontend/dist: (path from the site root, media type, bytes).\n\
         pub static FILES: &[(&str, &str, &[u8])] = &[\n",
    );
    for file in &files {
        let rel = file
            .strip_prefix(&root)
            .expect("inside dist")
            .to_str()
            .expect("dist paths are UTF-8")
            .replace('\\', "/");
        writeln!(
            out,
            "    ({:?}, {:?}, include_bytes!({:?})),",
            format!("/{rel}"),
            media_type(&rel),
            file.display().to_string()
        )
        .expect("write to a string");
    }
    out.push_str("];\n");
    let dest = PathBuf::from(std::env::var("OUT_DIR").expect("OUT_DIR")).join("portal.rs");
    std::fs::write(dest, out).expect("write portal.rs");
}

fn walk(dir: &Path, files: &mut Vec<PathBuf>) {
    let entries = std::fs::read_dir(dir).expect("read frontend/dist");
    for entry in entries {
        let path = entry.expect("a dist entry").path();
        println!("cargo:rerun-if-changed={}", path.display());
        if path.is_dir() {
            walk(&path, files);
        } else {
            files.push(path);
        }
    }
}

fn media_type(path: &str) -> &'static str {
    match path.rsplit('.').next().unwrap_or("") {
        "html" => "text/html; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "json" => "application/json",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "webp" => "image/webp",
        "ico" => "image/x-icon",
        "woff2" => "font/woff2",
        "woff" => "font/woff",
        "ttf" => "font/ttf",
        "txt" => "text/plain; charset=utf-8",
        "wasm" => "application/wasm",
        _ => "application/octet-stream",
    }
}
