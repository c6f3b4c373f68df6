//! What every generated service client shares: how it is built.

use crate::config::{Cloud, Config, ServiceEndpoints};
use crate::credentials::{Credentials, Env};
use crate::error::Error;
use crate::runtime::{Runtime, RuntimeBuilder};
use crate::transport::HttpTransport;
use std::marker::PhantomData;
use std::sync::Arc;

/// Implemented by each generated `Client`.
pub trait ServiceClient: Sized {
    /// The service's endpoint tables.
    const ENDPOINTS: ServiceEndpoints;
    /// Wraps a runtime.
    fn from_runtime(runtime: Runtime) -> Self;
}

/// Builds a service client: region or endpoint, credentials, configuration, transport.
pub struct ClientBuilder<C> {
    inner: RuntimeBuilder,
    _client: PhantomData<fn() -> C>,
}

impl<C> std::fmt::Debug for ClientBuilder<C> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.inner.fmt(f)
    }
}

impl<C: ServiceClient> Default for ClientBuilder<C> {
    fn default() -> Self {
        Self::new()
    }
}

impl<C: ServiceClient> ClientBuilder<C> {
    /// A builder with default configuration.
    pub fn new() -> Self {
        ClientBuilder {
            inner: RuntimeBuilder::new(C::ENDPOINTS),
            _client: PhantomData,
        }
    }

    /// The region; picks the endpoint from the cloud's table.
    pub fn region(self, region: impl Into<String>) -> Self {
        self.map(|b| b.region(region))
    }

    /// The cloud (Huawei Cloud or Open Telekom Cloud).
    pub fn cloud(self, cloud: Cloud) -> Self {
        self.map(|b| b.cloud(cloud))
    }

    /// An explicit endpoint (`http://` allowed, e.g. for the emulator).
    pub fn endpoint(self, endpoint: impl Into<String>) -> Self {
        self.map(|b| b.endpoint(endpoint))
    }

    /// Explicit credentials (default: environment, then profile file).
    pub fn credentials(self, credentials: Credentials) -> Self {
        self.map(|b| b.credentials(credentials))
    }

    /// Replaces the configuration.
    pub fn config(self, config: Config) -> Self {
        self.map(|b| b.config(config))
    }

    /// Changes the configuration in place.
    pub fn configure(self, f: impl FnOnce(&mut Config)) -> Self {
        self.map(|b| b.configure(f))
    }

    /// A custom transport (tests and mocks).
    pub fn transport(self, transport: Arc<dyn HttpTransport>) -> Self {
        self.map(|b| b.transport(transport))
    }

    /// Where environment variables are read from.
    pub fn env(self, env: Arc<dyn Env>) -> Self {
        self.map(|b| b.env(env))
    }

    /// Builds the client.
    pub fn build(self) -> Result<C, Error> {
        Ok(C::from_runtime(self.inner.build()?))
    }

    fn map(self, f: impl FnOnce(RuntimeBuilder) -> RuntimeBuilder) -> Self {
        ClientBuilder {
            inner: f(self.inner),
            _client: PhantomData,
        }
    }
}
