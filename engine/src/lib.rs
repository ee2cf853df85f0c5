//! netclaw's security core as a library: the CLI, the daemon and the doctor all call
//! this crate, so every decision is made in one place.
//!
//! The façade is small: load a home ([`HomeFiles`] → [`HomeConfig`]), run the doctor
//! ([`doctor::run`]), and the published schemas ([`SchemaId`]). File-system access is
//! confined to [`home`]; everything else is pure.

pub mod config;
mod decision;
mod diagnostic;
pub mod doctor;
mod document;
mod glob;
pub mod hard_deny;
pub mod home;
mod json_pointer;
pub mod paths;
pub mod policy;
#[cfg(test)]
mod publish;
mod reason;
mod schema;
pub mod shell;

pub use config::HomeConfig;
pub use decision::{AuthorizeRequest, Decision, Effect, Layer, Outcome, SlackContext};
pub use diagnostic::{Diagnostic, Location, Problem, Severity};
pub use home::{Home, HomeFiles};
pub use json_pointer::dotted as dotted_key;
pub use reason::ReasonCode;
pub use schema::SchemaId;
