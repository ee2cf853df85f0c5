//! The approver's credential. Answering an approval is the one thing an agent must
//! never do for itself, and the daemon listens where the agent's own shell can reach
//! it (`curl 127.0.0.1:5199/v1/approvals/…`). So the approval routes want a bearer
//! token the agent cannot read: it lives in `keys/approver.token` (600, in a 700
//! directory), a path every file tool and every shell command naming it is denied
//! (resource hard deny), and `netclaw approvals answer`, which reads it, is itself on
//! the built-in hard-deny list.

use std::fs;
use std::io::{self, ErrorKind};
use std::os::unix::fs::{DirBuilderExt, PermissionsExt};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use secrecy::{ExposeSecret, SecretString};
use subtle::ConstantTimeEq;

use crate::home::{Home, KEYS_DIR};
use crate::state_file::write_atomic;

pub(crate) const TOKEN_FILE: &str = "keys/approver.token";

#[derive(Debug)]
pub(crate) struct ApproverToken(SecretString);

impl ApproverToken {
    /// The home's token, created on first use. A file that exists is never replaced:
    /// an unreadable one is an error, not a reason to issue a new credential.
    pub(crate) fn ensure(home: &Home) -> io::Result<Self> {
        match Self::read(home) {
            Err(err) if err.kind() == ErrorKind::NotFound => {}
            read => return read,
        }
        let dir = home.path(KEYS_DIR);
        if fs::symlink_metadata(&dir).is_err() {
            fs::DirBuilder::new().recursive(true).mode(0o700).create(&dir)?;
            fs::set_permissions(&dir, fs::Permissions::from_mode(0o700))?;
        }
        let mut bytes = [0_u8; 32];
        getrandom::fill(&mut bytes).map_err(|e| io::Error::other(e.to_string()))?;
        let token = URL_SAFE_NO_PAD.encode(bytes);
        write_atomic(&home.path(TOKEN_FILE), format!("{token}\n").as_bytes(), 0o600)?;
        Ok(Self(SecretString::from(token)))
    }

    pub(crate) fn read(home: &Home) -> io::Result<Self> {
        let path = home.path(TOKEN_FILE);
        if fs::symlink_metadata(&path)?.file_type().is_symlink() {
            return Err(io::Error::other(format!("{TOKEN_FILE} is a symbolic link")));
        }
        let text = fs::read_to_string(&path)?;
        let token = text.trim();
        if token.len() < 32 {
            return Err(io::Error::other(format!("{TOKEN_FILE} does not hold a token")));
        }
        Ok(Self(SecretString::from(token.to_owned())))
    }

    /// Whether an `Authorization` header carries this token, compared in constant time.
    pub(crate) fn admits(&self, authorization: Option<&str>) -> bool {
        let presented = authorization.and_then(|value| value.strip_prefix("Bearer ")).unwrap_or_default();
        bool::from(presented.as_bytes().ct_eq(self.0.expose_secret().as_bytes()))
    }

    pub(crate) fn header(&self) -> String {
        format!("Bearer {}", self.0.expose_secret())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_token_is_private_kept_across_starts_and_only_it_is_admitted() -> io::Result<()> {
        let dir = tempfile::tempdir()?;
        let home = Home::new(dir.path().to_path_buf());
        let token = ApproverToken::ensure(&home)?;
        assert_eq!(crate::state_file::mode_of(&home.path(TOKEN_FILE)), Some(0o600));
        assert_eq!(crate::state_file::mode_of(&home.path(KEYS_DIR)), Some(0o700));
        let again = ApproverToken::ensure(&home)?;
        assert!(again.admits(Some(&token.header())), "a restart keeps the approver's token");
        assert!(!token.admits(None));
        assert!(!token.admits(Some("Bearer ")));
        let mut wrong = token.header();
        wrong.pop();
        assert!(!token.admits(Some(&wrong)));
        fs::write(home.path(TOKEN_FILE), "short\n")?;
        assert!(ApproverToken::ensure(&home).is_err(), "a damaged token is an error, never silently replaced");
        Ok(())
    }
}
