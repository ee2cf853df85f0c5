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

pub(crate) use cwd::Cwd;
pub(crate) use invocation::{Invocation, Stdin, command_name, wrapper_option_values};
pub(crate) use programs::{GIT_VALUED, is_shell, unversioned};
pub(crate) use segments::{Limits, ParsedCommand, Redirect, Segment, Start, Stdout, parse};
pub(crate) use word::{Literal, ShellWord};
