//! The server's shared state: configuration, storage, the platform client, metrics.

use crate::config::Config;
use crate::metrics::Metrics;
use crate::store::{Store, StoreError};
use ecommpay::{GateClient, GateError, Signer};
use std::sync::Arc;

/// Everything a request handler needs.
#[derive(Debug)]
pub struct App {
    /// The configuration.
    pub config: Config,
    /// Orders, payments, callbacks.
    pub store: Store,
    /// Signs with the project's secret key.
    pub signer: Signer,
    /// Calls the platform's Gate.
    pub gate: GateClient,
    /// Counters for `/metrics`.
    pub metrics: Metrics,
}

/// The state handlers share.
pub type SharedApp = Arc<App>;

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// The database could not be opened or migrated.
    #[error("{0}")]
    Store(#[from] StoreError),
    /// The platform client could not be built.
    #[error("{0}")]
    Gate(#[from] GateError),
}

impl App {
    /// Opens the database (bringing its schema up to date) and builds the clients.
    pub async fn start(config: Config) -> Result<SharedApp, StartError> {
        let store = Store::connect(&config.database_url).await?;
        let signer = Signer::new(config.secret_key.expose());
        let gate = GateClient::new(&config.gate_url, signer.clone(), config.gate_timeout)?;
        Ok(Arc::new(App {
            config,
            store,
            signer,
            gate,
            metrics: Metrics::default(),
        }))
    }
}
