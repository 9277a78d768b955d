//! wiremock standing in for an API, on a runtime of its own so that a test drives it from
//! plain synchronous code while `prr` runs as a child process.

#![allow(dead_code)] // each test file uses part of it

use wiremock::{Mock, MockServer, Request};

pub struct Api {
    runtime: tokio::runtime::Runtime,
    pub server: MockServer,
}

impl Api {
    pub fn start() -> Self {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .expect("a runtime");
        let server = runtime.block_on(MockServer::start());
        Self { runtime, server }
    }

    pub fn uri(&self) -> String {
        self.server.uri()
    }

    pub fn mount(&self, mock: Mock) {
        self.runtime.block_on(mock.mount(&self.server));
    }

    /// Every request received so far, in order.
    pub fn requests(&self) -> Vec<Request> {
        self.runtime
            .block_on(self.server.received_requests())
            .unwrap_or_default()
    }
}
