//! The `clobkit` command inside the interpreter: what `pip install` puts on the PATH runs the
//! same command line as the Rust binary.

use pyo3::prelude::*;

/// Runs the `clobkit` command line `argv` (program name first) and returns its exit code. The
/// interpreter's lock is released meanwhile, so `clobkit serve` runs beside Python threads.
#[pyfunction]
pub fn run_cli(py: Python<'_>, argv: Vec<String>) -> u8 {
    py.detach(|| clobkit_cli::main_with(argv))
}
