//! Serving a sandbox: with its background clock, on a listener, until told to stop.

use crate::config::Config;
use crate::sandbox::{Sandbox, StartError};
use std::future::Future;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// Serves `sandbox` on `listener` with its clock until `shutdown` completes, then stops
/// its background work.
pub async fn serve(
    listener: TcpListener,
    sandbox: Sandbox,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let clock = tokio::spawn({
        let sandbox = sandbox.clone();
        async move { sandbox.run_clock().await }
    });
    let result = axum::serve(listener, sandbox.router())
        .with_graceful_shutdown(shutdown)
        .await;
    sandbox.stop();
    // The clock ends at its next wait once stopped; it cannot fail.
    let _ = clock.await;
    result
}

/// A sandbox serving in the background (see [`spawn`]). Dropping it stops it.
pub struct RunningSandbox {
    /// The base URL it is reachable at, e.g. `http://127.0.0.1:41234`.
    pub base_url: String,
    /// Its state, for faults and inspection.
    pub sandbox: Sandbox,
    shutdown: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<std::io::Result<()>>>,
}

impl RunningSandbox {
    /// `base_url` followed by `path`.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base_url)
    }

    /// Stops serving and waits until it has.
    pub async fn stop(mut self) -> std::io::Result<()> {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        match self.task.take() {
            Some(task) => task.await.unwrap_or(Ok(())),
            None => Ok(()),
        }
    }
}

impl Drop for RunningSandbox {
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        self.sandbox.stop();
    }
}

/// Binds `config.listen` (use port 0 for any free port; the bound address is then the
/// default `public_url`) and serves in the background.
pub async fn spawn(mut config: Config) -> Result<RunningSandbox, StartError> {
    config.validate()?;
    let listener = TcpListener::bind(config.listen)
        .await
        .map_err(|source| StartError::Bind {
            address: config.listen.to_string(),
            source,
        })?;
    // The bound address (the port, when given 0) is the default public URL's too.
    config.listen = listener.local_addr().map_err(|source| StartError::Bind {
        address: config.listen.to_string(),
        source,
    })?;
    let sandbox = Sandbox::new(config)?;
    let (shutdown, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(serve(listener, sandbox.clone(), async move {
        let _ = stopped.await;
    }));
    Ok(RunningSandbox {
        base_url: sandbox.base_url().to_string(),
        sandbox,
        shutdown: Some(shutdown),
        task: Some(task),
    })
}
