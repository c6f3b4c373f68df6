//! SIGINT (ctrl-c) and SIGTERM as one future, listened for from the moment it is made.
//!
//! A listener registered only when a future is first polled misses a signal that arrives
//! between a command's "listening…" line and that poll: the default action then kills the
//! process without its clean stop. [`Shutdown::listen`] registers both at once, so a caller
//! makes it before it announces anything.

/// Both signals, already registered.
pub struct Shutdown {
    #[cfg(unix)]
    handlers: Option<(tokio::signal::unix::Signal, tokio::signal::unix::Signal)>,
}

impl Shutdown {
    /// Registers the handlers now; needs a running tokio runtime.
    pub fn listen() -> Self {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            let handlers = signal(SignalKind::interrupt())
                .and_then(|int| Ok((int, signal(SignalKind::terminate())?)))
                .ok();
            Shutdown { handlers }
        }
        #[cfg(not(unix))]
        {
            Shutdown {}
        }
    }

    /// Resolves at the first SIGINT or SIGTERM received since [`Shutdown::listen`].
    pub async fn recv(self) {
        #[cfg(unix)]
        {
            match self.handlers {
                Some((mut int, mut term)) => {
                    tokio::select! {
                        _ = int.recv() => {}
                        _ = term.recv() => {}
                    }
                }
                None => {
                    let _ = tokio::signal::ctrl_c().await;
                }
            }
        }
        #[cfg(not(unix))]
        {
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}
