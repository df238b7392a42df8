//! `doku-proxy`: the merchant's DOKU checkout server and its command-line tools.

use clap::{Parser, Subcommand};
use doku_proxy::app::App;
use doku_proxy::config::{Config, ServeArgs};
use doku_proxy::merchant_cli::{self, LinkArgs, PaymentsArgs, PayoutArgs};
use doku_proxy::signature_cli::{self, SignArgs, VerifyArgs};
use std::process::ExitCode;
use tokio::net::TcpListener;

/// mimalloc instead of the system's malloc: under load glibc's malloc and free were about
/// 15% of the proxy's CPU samples (`perf`, callbacks at 64 connections).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the widget and the checkout API.
    Serve(Box<ServeArgs>),
    /// Print the signature of the JSON parameters on stdin.
    Sign(SignArgs),
    /// Check the signature of the callback on stdin: prints `valid` (exit 0) or
    /// `invalid` (exit 1).
    VerifyCallback(VerifyArgs),
    /// Create an order and print its payment link (calls a running proxy).
    Link(LinkArgs),
    /// Pay out to a DOKU e-wallet (calls a running proxy).
    Payout(PayoutArgs),
    /// List payments as JSON or CSV (calls a running proxy).
    Payments(PaymentsArgs),
}

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,tower_http=warn,sqlx=warn".into()),
        )
        .with_writer(std::io::stderr)
        // Colours on a terminal only, never escape codes in a log file or journal.
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
    let printed = |result: Result<String, String>| {
        result.map(|text| {
            println!("{}", text.trim_end());
            ExitCode::SUCCESS
        })
    };
    let result = match Cli::parse().command {
        Command::Serve(args) => serve(*args).await.map(|()| ExitCode::SUCCESS),
        Command::Sign(args) => sign(args),
        Command::VerifyCallback(args) => verify_callback(args),
        Command::Link(args) => printed(merchant_cli::link(args).await),
        Command::Payout(args) => printed(merchant_cli::payout(args).await),
        Command::Payments(args) => printed(merchant_cli::payments(args).await),
    };
    result.unwrap_or_else(|message| {
        eprintln!("doku-proxy: {message}");
        ExitCode::from(2)
    })
}

async fn serve(args: ServeArgs) -> Result<(), String> {
    let config = Config::load(args).map_err(|e| e.to_string())?;
    println!("{config}");
    let listen = config.listen;
    let app = App::start(config).await.map_err(|e| e.to_string())?;
    let listener = TcpListener::bind(listen)
        .await
        .map_err(|e| format!("cannot listen on {listen}: {e}"))?;
    let address = listener.local_addr().map_err(|e| e.to_string())?;
    println!("doku-proxy listening: open http://{address}/");
    doku_proxy::server::serve(listener, app, shutdown_signal())
        .await
        .map_err(|e| e.to_string())
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
