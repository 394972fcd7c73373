//! The `stance` command line: parses arguments and routes each subcommand to
//! its function in [`cli`]. All the work happens in the library; the binary
//! reads flags, prints reports and turns errors into messages and exit
//! codes (0 success, 1 bad data, model or settings, 2 bad usage, 101 a bug).

mod cli;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    install_panic_hook();
    let cli = cli::Cli::parse();
    match cli.command.run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) if is_broken_pipe(&err) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("stance: error: {}", message(&err));
            ExitCode::from(1)
        }
    }
}

/// The error and its causes in one line, each cause said once: a cause
/// whose text the message already holds (an OS error its wrapper quotes)
/// is left out.
fn message(err: &anyhow::Error) -> String {
    let mut message = String::new();
    for cause in err.chain() {
        let text = cause.to_string();
        if message.contains(&text) {
            continue;
        }
        if !message.is_empty() {
            message.push_str(": ");
        }
        message.push_str(&text);
    }
    message
}

/// A panic is a bug, never the user's fault: say so in one line and exit
/// with the code the README documents for it (101), without a backtrace
/// dump unless RUST_BACKTRACE asks for one.
fn install_panic_hook() {
    let default_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if std::env::var_os("RUST_BACKTRACE").is_some() {
            default_hook(info);
        }
        let location = info
            .location()
            .map(|l| format!(" at {}:{}", l.file(), l.line()))
            .unwrap_or_default();
        let message = info
            .payload()
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| info.payload().downcast_ref::<String>().cloned())
            .unwrap_or_default();
        eprintln!("stance: internal error (a bug in stance, please report it){location}: {message}");
    }));
}

/// The reader of our output went away (`stance classify | head`): a quiet
/// success, as for other Unix filters.
fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
    })
}
