//! Shell text, parsed into segments and resolved into the commands they run.
//!
//! A real parser (`brush-parser`) builds the syntax tree; nothing here splits strings
//! on operators. The hard-deny rules consume [`ParsedCommand`].

mod arithmetic;
mod cwd;
mod embedded;
mod invocation;
mod programs;
mod segments;
mod vars;
mod word;

pub use cwd::Cwd;
pub(crate) use invocation::wrapper_option_values;
pub use invocation::{Invocation, Resolved, Stdin, command_name};
pub(crate) use programs::{is_shell, unversioned};
pub use segments::{Limits, ParsedCommand, Redirect, Refusal, Segment, Start, Stdout, parse};
pub use word::{Literal, ShellWord};
