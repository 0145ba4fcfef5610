//! The `clobkit` binary: the command line of [`clobkit_cli`].

fn main() -> std::process::ExitCode {
    std::process::ExitCode::from(clobkit_cli::main_with(std::env::args_os()))
}
