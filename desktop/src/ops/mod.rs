//! The operations layer: what a user can ask skillmeat to do, as typed
//! requests and responses ([`transfer`]) that every face shares — the CLI,
//! the desktop app and, later, the HTTP server.

pub mod transfer;
