//! One module per command.

pub mod authorize;
pub mod config_show;
pub mod doctor;
pub mod policy;
pub mod shell_check;
