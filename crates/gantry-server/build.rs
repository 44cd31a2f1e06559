//! Installs the web pages' third-party front-end code from npm (`package-lock.json` pins it) so
//! that `cargo build`, `cargo run` and `cargo test` need no extra step; the files are then
//! embedded in the binary by `src/web/assets.rs`. `npm ci` runs only when the installed packages
//! are missing or older than the lockfile.

use std::path::Path;
use std::process::Command;
use std::time::SystemTime;

/// The installed files that `src/web/assets.rs` embeds.
const EMBEDDED: &[&str] = &["node_modules/htmx.org/dist/htmx.min.js"];

fn modified(path: &Path) -> Option<SystemTime> {
    std::fs::metadata(path)
        .and_then(|meta| meta.modified())
        .ok()
}

fn main() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    let lockfile = dir.join("package-lock.json");
    let installed = dir.join("node_modules/.package-lock.json");
    println!("cargo::rerun-if-changed=package.json");
    println!("cargo::rerun-if-changed=package-lock.json");
    println!("cargo::rerun-if-changed=node_modules/.package-lock.json");

    let stale = match (modified(&installed), modified(&lockfile)) {
        (Some(installed), Some(locked)) => installed < locked,
        _ => true,
    };
    if stale {
        let status = Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund", "--ignore-scripts"])
            .current_dir(dir)
            .status();
        match status {
            Ok(status) if status.success() => {}
            Ok(status) => panic!(
                "`npm ci` in {} failed ({status}); the web pages need the front-end packages \
                 that package-lock.json pins (is the npm registry reachable?)",
                dir.display()
            ),
            Err(error) => panic!(
                "could not run `npm` ({error}): building gantry-server needs Node.js and npm to \
                 install the web pages' front-end packages (https://nodejs.org); then build again"
            ),
        }
    }
    for asset in EMBEDDED {
        assert!(
            dir.join(asset).is_file(),
            "{asset} is missing after `npm ci`; delete {}/node_modules and build again",
            dir.display()
        );
    }
}
