//! What can go wrong in a `clobkit` command, and the exit code each kind gives: 2 for a command
//! line or environment that cannot work (a value that does not parse, something missing), 1 for a
//! failure while running (the exchange refused, a file, the network, the local exchange).

use std::path::PathBuf;

use clobkit_client::ClientError;

/// A command's failure, printed as `error: …` on stderr.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// A value given on the command line or in the environment does not parse.
    #[error("invalid {what} {value:?}: {reason}")]
    Input {
        /// What the value is (`price`, `token id`, `--chain`, …).
        what: &'static str,
        /// The text given.
        value: String,
        /// Why it is not one.
        reason: String,
    },
    /// Something the command needs was not given.
    #[error("{0}")]
    Missing(&'static str),
    /// The SDK or the exchange refused, with the kind of error when the exchange named one.
    #[error("{}", client_message(.0))]
    Client(#[from] ClientError),
    /// A file the command reads.
    #[error("{path}: {reason}")]
    File {
        /// The file.
        path: PathBuf,
        /// What went wrong.
        reason: String,
    },
    /// The local exchange could not start, load its seed, or serve.
    #[error("{0}")]
    Exchange(String),
    /// The exchange could not be reached for an admin call.
    #[error("cannot reach the exchange at {host}: {reason}")]
    Unreachable {
        /// The host tried.
        host: String,
        /// Why not.
        reason: String,
    },
    /// An admin call was answered with an error.
    #[error("{status}: {message}")]
    Admin {
        /// The HTTP status.
        status: u16,
        /// The exchange's message.
        message: String,
    },
    /// An answer could not be read or printed as JSON.
    #[error("unreadable JSON ({context}): {reason}")]
    Json {
        /// Where.
        context: String,
        /// Why.
        reason: String,
    },
    /// A step of the demo failed.
    #[error("{step}: {reason}")]
    Demo {
        /// The step.
        step: &'static str,
        /// What happened.
        reason: String,
    },
}

/// The SDK's message, with the error kind when the exchange named one (scripts grep for it).
fn client_message(e: &ClientError) -> String {
    match e.kind() {
        Some(k) => format!("{e} ({k:?})"),
        None => e.to_string(),
    }
}

impl CliError {
    /// A value that does not parse.
    pub fn input(what: &'static str, value: &str, reason: impl std::fmt::Display) -> CliError {
        CliError::Input {
            what,
            value: value.to_owned(),
            reason: reason.to_string(),
        }
    }

    /// The process exit code for this failure.
    pub fn exit_code(&self) -> u8 {
        match self {
            CliError::Input { .. } | CliError::Missing(_) => 2,
            _ => 1,
        }
    }
}
