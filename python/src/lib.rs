//! `clobkit._native`: what the Python package `clobkit` runs in Rust.
//!
//! - [`cli`]: the `clobkit` command (the whole command line, inside the interpreter);
//! - [`exchange`]: a local exchange running on threads of the interpreter's process;
//! - [`signing`]: orders (V1 and V2, limit and market) and L1/L2 headers, exact, from the same
//!   inputs the official `py-clob-client-v2` takes.
//!
//! Errors are Python exceptions: [`InvalidInput`] (a `ValueError`) for what the caller passed,
//! [`ExchangeError`] (a `RuntimeError`) for an exchange that could not start or stop. Nothing
//! here panics on input.

use pyo3::prelude::*;

pub mod cli;
pub mod exchange;
pub mod signing;

pyo3::create_exception!(
    _native,
    InvalidInput,
    pyo3::exceptions::PyValueError,
    "An argument was not what clobkit expects; the message says what was wrong and what was expected."
);
pyo3::create_exception!(
    _native,
    NoMatch,
    InvalidInput,
    "A market order cannot be priced: the book side is empty, or a FOK order cannot fill."
);
pyo3::create_exception!(
    _native,
    ExchangeError,
    pyo3::exceptions::PyRuntimeError,
    "A local exchange could not start, or stopped with an error."
);

/// `InvalidInput("{what}: {why}")`.
pub(crate) fn invalid(what: &str, why: impl std::fmt::Display) -> PyErr {
    InvalidInput::new_err(format!("{what}: {why}"))
}

/// The module.
#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("InvalidInput", m.py().get_type::<InvalidInput>())?;
    m.add("ExchangeError", m.py().get_type::<ExchangeError>())?;
    m.add("NoMatch", m.py().get_type::<NoMatch>())?;
    m.add_function(wrap_pyfunction!(cli::run_cli, m)?)?;
    m.add_class::<exchange::Exchange>()?;
    signing::register(m)?;
    Ok(())
}
