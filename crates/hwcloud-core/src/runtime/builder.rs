//! [`RuntimeBuilder`]: credentials, endpoint, transport and signing key resolved once per
//! client.

use super::{Inner, Runtime};
use crate::config::{Config, ServiceEndpoints, resolve_endpoint, user_agent};
use crate::credentials::{self, Credentials, Env, ProcessEnv};
use crate::error::Error;
use crate::signing;
use crate::transport::{HttpTransport, ReqwestTransport};
use std::sync::Arc;

/// Builds a [`Runtime`] for one service.
pub struct RuntimeBuilder {
    endpoints: ServiceEndpoints,
    config: Config,
    credentials: Option<Credentials>,
    transport: Option<Arc<dyn HttpTransport>>,
    env: Arc<dyn Env>,
}

impl std::fmt::Debug for RuntimeBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RuntimeBuilder")
            .field("service", &self.endpoints.service)
            .field("config", &self.config)
            .field("credentials", &self.credentials)
            .finish_non_exhaustive()
    }
}

impl RuntimeBuilder {
    /// A builder for the service whose endpoint tables are `endpoints`.
    pub fn new(endpoints: ServiceEndpoints) -> Self {
        RuntimeBuilder {
            endpoints,
            config: Config::default(),
            credentials: None,
            transport: None,
            env: Arc::new(ProcessEnv),
        }
    }

    /// Replaces the whole configuration.
    pub fn config(mut self, config: Config) -> Self {
        self.config = config;
        self
    }

    /// Changes the configuration in place.
    pub fn configure(mut self, f: impl FnOnce(&mut Config)) -> Self {
        f(&mut self.config);
        self
    }

    /// The region (picks the endpoint from the cloud's table).
    pub fn region(mut self, region: impl Into<String>) -> Self {
        self.config.region = Some(region.into());
        self
    }

    /// The cloud whose endpoint table is used.
    pub fn cloud(mut self, cloud: crate::config::Cloud) -> Self {
        self.config.cloud = cloud;
        self
    }

    /// An explicit endpoint, e.g. `http://127.0.0.1:8080` for the emulator.
    pub fn endpoint(mut self, endpoint: impl Into<String>) -> Self {
        self.config.endpoint = Some(endpoint.into());
        self
    }

    /// Explicit credentials; without them the default chain (env, profile file) is used.
    pub fn credentials(mut self, credentials: Credentials) -> Self {
        self.credentials = Some(credentials);
        self
    }

    /// A custom transport (tests, mocks, proxies).
    pub fn transport(mut self, transport: Arc<dyn HttpTransport>) -> Self {
        self.transport = Some(transport);
        self
    }

    /// Where environment variables are read (tests); defaults to the process env.
    pub fn env(mut self, env: Arc<dyn Env>) -> Self {
        self.env = env;
        self
    }

    /// Resolves credentials and endpoint and builds the transport.
    pub fn build(self) -> Result<Runtime, Error> {
        let credentials = match self.credentials {
            Some(c) => c,
            None => credentials::default_chain(self.env.as_ref())?,
        };
        credentials
            .check()
            .map_err(|why| Error::Config(format!("unusable credentials: {why}")))?;
        let endpoint = resolve_endpoint(&self.config, &self.endpoints, self.env.as_ref())
            .map_err(Error::Config)?;
        let transport = match self.transport {
            Some(t) => t,
            None => Arc::new(
                ReqwestTransport::new(self.config.timeouts.connect).map_err(Error::Config)?,
            ),
        };
        let signing_key = match &credentials {
            Credentials::AkSk { secret_key, .. } => {
                Some(signing::SigningKey::new(self.config.algorithm, secret_key))
            }
            Credentials::Token { .. } => None,
        };
        let v11_scope = match (&signing_key, self.config.region.as_deref()) {
            (Some(k), region) if k.algorithm() == signing::Algorithm::V11HmacSha256 => {
                let Some(region) = region.filter(|r| !r.is_empty()) else {
                    return Err(Error::Config(
                        "V11-HMAC-SHA256 signs with the region in its credential scope: set a region (also with an explicit endpoint)".into(),
                    ));
                };
                Some(signing::DerivationScope {
                    region: region.to_owned(),
                    service: self.endpoints.service.to_owned(),
                })
            }
            _ => None,
        };
        let iam = match (credentials.project_id(), self.config.region.as_deref()) {
            (None, Some(region)) if !region.is_empty() => Some(crate::iam::iam_endpoint(
                self.env.as_ref(),
                self.config.cloud,
                region,
            )),
            _ => None,
        };
        let iam_v11_scope = v11_scope.as_ref().map(|s| signing::DerivationScope {
            region: s.region.clone(),
            service: "iam".to_owned(),
        });
        Ok(Runtime {
            inner: Arc::new(Inner {
                signing_key,
                v11_scope,
                iam,
                iam_v11_scope,
                discovered: tokio::sync::OnceCell::new(),
                user_agent: user_agent(self.config.user_agent_suffix.as_deref()),
                config: self.config,
                credentials,
                endpoint,
                transport,
            }),
        })
    }
}
