//! One module per command.

pub mod config_show;
pub mod doctor;
pub mod shell_check;
