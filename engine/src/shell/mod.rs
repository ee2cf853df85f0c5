//! Shell text, parsed into segments and resolved into the commands they run.
//!
//! A real parser (`brush-parser`) builds the syntax tree; nothing here splits strings
//! on operators. The hard-deny rules consume [`ParsedCommand`].

mod invocation;
mod segments;
mod word;

pub use invocation::{Invocation, Resolved};
pub use segments::{Limits, ParsedCommand, Refusal, Segment, parse};
pub use word::{Literal, ShellWord, brace_expansions};
