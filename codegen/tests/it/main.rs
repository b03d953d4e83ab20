//! The generator's integration tests, one binary: each module was a test
//! binary of its own. Run one with `cargo test -p codegen --test it MODULE::`.

mod common;

mod bad_specs;
mod determinism;
mod fuzz;
mod long_chains;
