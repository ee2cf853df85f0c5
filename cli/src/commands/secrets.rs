//! `netclaw secrets set|list|encrypt|rotate-key`.

use std::io::{self, IsTerminal, Read, Write};

use netclaw_engine::{
    Home, SecretListing, SecretState, SecretsError, encrypt_secrets, list_secrets, rotate_secrets_key, set_secret,
};
use secrecy::SecretString;
use serde_json::json;
use zeroize::Zeroizing;

use crate::args::{Format, SecretsCommand};
use crate::exit::Exit;
use crate::output::emit;

/// A credential is short; anything longer on stdin is a mistake (a file piped in).
const MAX_VALUE_BYTES: u64 = 64 * 1024;

pub fn run(home: &Home, command: SecretsCommand) -> Exit {
    let result = match command {
        SecretsCommand::Set { key, format } => set(home, &key, format),
        SecretsCommand::List { format } => list(home, format),
        SecretsCommand::Encrypt { format } => encrypt_secrets(home).map_err(Failure::Secrets).and_then(|sealed| {
            let summary = json!({"encrypted": sealed});
            emit(format, &summary, |out| writeln!(out, "encrypted {sealed} value(s)")).map_err(Failure::Exit)
        }),
        SecretsCommand::RotateKey { format } => rotate_secrets_key(home).map_err(Failure::Secrets).and_then(|report| {
            emit(format, &report, |out| {
                let old = report.old_key.as_deref().unwrap_or("none");
                writeln!(out, "key {old} → {}: {} value(s) re-encrypted", report.new_key, report.reencrypted)?;
                if report.plaintext > 0 {
                    writeln!(out, "{} value(s) still in plaintext: run `netclaw secrets encrypt`", report.plaintext)?;
                }
                Ok(())
            })
            .map_err(Failure::Exit)
        }),
    };
    match result {
        Ok(()) => Exit::Ok,
        Err(Failure::Exit(exit)) => exit,
        Err(Failure::Secrets(err)) => {
            eprintln!("error[{}]: {err}", err.code());
            exit_for(&err)
        }
    }
}

enum Failure {
    Secrets(SecretsError),
    Exit(Exit),
}

fn exit_for(err: &SecretsError) -> Exit {
    match err {
        SecretsError::NotACredential { .. } | SecretsError::Empty { .. } => Exit::Usage,
        SecretsError::NotJson { .. } => Exit::DataError,
        SecretsError::Io { .. } | SecretsError::Random(_) => Exit::IoError,
        SecretsError::Unseal { .. } | SecretsError::KeyUnusable { .. } | SecretsError::Linked { .. } => Exit::Failed,
    }
}

fn set(home: &Home, key: &str, format: Format) -> Result<(), Failure> {
    let value = read_value(key).map_err(|err| {
        eprintln!("error: cannot read the value: {err}");
        Failure::Exit(Exit::IoError)
    })?;
    let key = set_secret(home, key, &value).map_err(Failure::Secrets)?;
    let summary = json!({"key": key, "file": "config/secrets.json", "encrypted": true});
    emit(format, &summary, |out| writeln!(out, "{key}: stored encrypted in config/secrets.json")).map_err(Failure::Exit)
}

/// The value from a no-echo prompt on a terminal, else all of stdin without its final
/// line break.
fn read_value(key: &str) -> io::Result<SecretString> {
    if io::stdin().is_terminal() {
        return rpassword::prompt_password(format!("value for {key} (not echoed): ")).map(SecretString::from);
    }
    let mut text = Zeroizing::new(String::new());
    io::stdin().take(MAX_VALUE_BYTES + 1).read_to_string(&mut text)?;
    if text.len() as u64 > MAX_VALUE_BYTES {
        return Err(io::Error::other(format!("more than {MAX_VALUE_BYTES} bytes on stdin")));
    }
    let trimmed = text.strip_suffix('\n').map(|t| t.strip_suffix('\r').unwrap_or(t)).unwrap_or(&text);
    Ok(SecretString::from(trimmed.to_owned()))
}

fn list(home: &Home, format: Format) -> Result<(), Failure> {
    let listing = list_secrets(home).map_err(Failure::Secrets)?;
    emit(format, &listing, |out| write_listing(out, &listing)).map_err(Failure::Exit)
}

fn write_listing(out: &mut dyn Write, listing: &[SecretListing]) -> io::Result<()> {
    if listing.is_empty() {
        return writeln!(out, "no credentials stored");
    }
    for entry in listing {
        let state = match entry.state {
            SecretState::Encrypted => "encrypted",
            SecretState::Plaintext => "PLAINTEXT",
            SecretState::Undecryptable => "DOES NOT DECRYPT",
        };
        writeln!(out, "{}  {}  {state}", entry.file, entry.key)?;
        if let Some(problem) = &entry.problem {
            writeln!(out, "  {}", problem)?;
        }
    }
    Ok(())
}
