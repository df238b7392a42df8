//! `ecommpay-sandbox`: serves the emulated platform and DOKU pages on loopback.

use clap::Parser;
use ecommpay_sandbox::{Config, Sandbox};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use tokio::net::TcpListener;

/// A local emulation of the ecommpay platform and the DOKU Wallet pages.
#[derive(Parser)]
#[command(version, about)]
struct Cli {
    /// Address to listen on, loopback only [default: 127.0.0.1:8090, or `listen` in the
    /// configuration file].
    #[arg(long, env = "SANDBOX_LISTEN")]
    listen: Option<SocketAddr>,
    /// Base URL browsers reach the sandbox at [default: http://<listen>].
    #[arg(long, env = "SANDBOX_PUBLIC_URL")]
    public_url: Option<String>,
    /// TOML configuration file (projects, rates, callbacks, timings).
    #[arg(long, env = "SANDBOX_CONFIG")]
    config: Option<PathBuf>,
}

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .with_writer(std::io::stderr)
        // Colours on a terminal only, never escape codes in a log file.
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
    match run(Cli::parse()).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("ecommpay-sandbox: {message}");
            ExitCode::from(2)
        }
    }
}

async fn run(cli: Cli) -> Result<(), String> {
    let mut config = match &cli.config {
        Some(path) => Config::from_file(path).map_err(|e| e.to_string())?,
        None => Config::default(),
    };
    if let Some(listen) = cli.listen {
        config.listen = listen;
    }
    if cli.public_url.is_some() {
        config.public_url = cli.public_url;
    }
    config.validate().map_err(|e| e.to_string())?;
    let listener = TcpListener::bind(config.listen)
        .await
        .map_err(|e| format!("cannot listen on {}: {e}", config.listen))?;
    // The bound address (the port, when given 0) is the default public URL's too.
    config.listen = listener.local_addr().map_err(|e| e.to_string())?;
    println!("{config}");
    let sandbox = Sandbox::new(config).map_err(|e| e.to_string())?;
    println!("ecommpay-sandbox listening: open {}/", sandbox.base_url());
    ecommpay_sandbox::serve(listener, sandbox, shutdown_signal())
        .await
        .map_err(|e| e.to_string())
}

/// Resolves on Ctrl-C or SIGTERM.
async fn shutdown_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    eprintln!("ecommpay-sandbox: shutting down");
}
