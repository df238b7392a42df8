//! `doku-proxy`: the merchant's DOKU checkout server and its command-line tools.

use clap::{Parser, Subcommand};
use doku_proxy::config::{Config, ServeArgs};
use doku_proxy::signature_cli::{self, SignArgs, VerifyArgs};
use std::process::ExitCode;
use tokio::net::TcpListener;

#[derive(Parser)]
#[command(version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the widget and the checkout API.
    Serve(ServeArgs),
    /// Print the signature of the JSON parameters on stdin.
    Sign(SignArgs),
    /// Check the signature of the callback on stdin: prints `valid` (exit 0) or
    /// `invalid` (exit 1).
    VerifyCallback(VerifyArgs),
}

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,tower_http=warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let result = match Cli::parse().command {
        Command::Serve(args) => serve(args).await.map(|()| ExitCode::SUCCESS),
        Command::Sign(args) => sign(args),
        Command::VerifyCallback(args) => verify_callback(args),
    };
    result.unwrap_or_else(|message| {
        eprintln!("doku-proxy: {message}");
        ExitCode::from(2)
    })
}

fn sign(args: SignArgs) -> Result<ExitCode, String> {
    let secret = signature_cli::require_secret(args.secret_file.as_deref())?;
    let input = String::from_utf8(signature_cli::read_stdin()?)
        .map_err(|_| "stdin is not UTF-8".to_string())?;
    println!("{}", signature_cli::sign(&input, &secret, args.explain)?);
    Ok(ExitCode::SUCCESS)
}

fn verify_callback(args: VerifyArgs) -> Result<ExitCode, String> {
    let secret = signature_cli::require_secret(args.secret_file.as_deref())?;
    match signature_cli::verify(&signature_cli::read_stdin()?, &secret) {
        Ok(()) => {
            println!("valid");
            Ok(ExitCode::SUCCESS)
        }
        Err(reason) => {
            println!("invalid");
            eprintln!("{reason}");
            Ok(ExitCode::FAILURE)
        }
    }
}

async fn serve(args: ServeArgs) -> Result<(), String> {
    let config = Config::load(args).map_err(|e| e.to_string())?;
    println!("{config}");
    let listener = TcpListener::bind(config.listen)
        .await
        .map_err(|e| format!("cannot listen on {}: {e}", config.listen))?;
    let address = listener.local_addr().map_err(|e| e.to_string())?;
    println!("doku-proxy listening: open http://{address}/");
    axum::serve(listener, doku_proxy::server::router(&config))
        .with_graceful_shutdown(shutdown_signal())
        .await
        .map_err(|e| e.to_string())
}

/// Resolves on Ctrl-C or SIGTERM, so the server finishes in-flight requests first.
async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    let mut term = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
        Ok(term) => term,
        Err(_) => return ctrl_c.await.unwrap_or(()),
    };
    tokio::select! {
        _ = ctrl_c => {}
        _ = term.recv() => {}
    }
}
