//! Key material under `keys/`: one current key, and during a rotation the next one.
//!
//! A key file holds 32 random bytes as one line of Base64. Each key has an id (the
//! first 4 bytes of its SHA-256) that every value it seals carries, so a value names
//! the key it needs and an error can say which one is missing. A rotation writes the
//! next key beside the current one before re-encrypting anything, so a crash at any
//! point leaves every value openable by one of the two files.

use std::fmt;
use std::fs;
use std::io::ErrorKind;
use std::os::unix::fs::{DirBuilderExt, PermissionsExt};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use secrecy::{ExposeSecret, SecretBox};
use sha2::{Digest, Sha256};
use zeroize::Zeroize;

use super::store::refuse_link;
use super::{SecretsError, UnsealError};
use crate::home::{Home, KEYS_DIR};
use crate::state_file::write_atomic;

/// The key new values are sealed with.
pub(crate) const CURRENT: &str = "keys/secrets.key";
/// The key a rotation is moving to, until the rotation completes.
pub(crate) const NEXT: &str = "keys/secrets.key.next";
/// A key file is a line of Base64; anything much longer is not one.
const MAX_KEY_FILE: u64 = 4096;

#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) struct KeyId(pub(crate) [u8; 4]);

impl fmt::Display for KeyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.iter().try_for_each(|byte| write!(f, "{byte:02x}"))
    }
}

impl fmt::Debug for KeyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "KeyId({self})")
    }
}

/// 32 bytes that never print, zeroed when dropped.
pub(crate) struct Key {
    id: KeyId,
    bytes: SecretBox<[u8; 32]>,
}

impl fmt::Debug for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Key({})", self.id)
    }
}

impl Key {
    fn from_bytes(bytes: [u8; 32]) -> Self {
        let digest: [u8; 32] = Sha256::digest(bytes).into();
        let [a, b, c, d, ..] = digest;
        let id = KeyId([a, b, c, d]);
        Self { id, bytes: SecretBox::new(Box::new(bytes)) }
    }

    fn generate() -> Result<Self, SecretsError> {
        let mut bytes = [0u8; 32];
        getrandom::fill(&mut bytes).map_err(|err| SecretsError::Random(err.to_string()))?;
        Ok(Self::from_bytes(bytes))
    }

    pub(crate) fn id(&self) -> KeyId {
        self.id
    }

    pub(crate) fn bytes(&self) -> &[u8; 32] {
        self.bytes.expose_secret()
    }

    /// Writes the key to `relative` (600), creating `keys/` (700) if needed.
    fn store(&self, home: &Home, relative: &str) -> Result<(), SecretsError> {
        refuse_link(home, KEYS_DIR)?;
        let dir = home.path(KEYS_DIR);
        if fs::symlink_metadata(&dir).is_err() {
            // A new home is created private too.
            fs::DirBuilder::new().recursive(true).mode(0o700).create(&dir).map_err(io(KEYS_DIR))?;
            fs::set_permissions(&dir, fs::Permissions::from_mode(0o700)).map_err(io(KEYS_DIR))?;
        }
        let mut line = STANDARD.encode(self.bytes());
        line.push('\n');
        let written = write_atomic(&home.path(relative), line.as_bytes(), 0o600);
        // The encoded copy is key material too.
        line.zeroize();
        written.map_err(io(relative))
    }
}

fn io(file: &str) -> impl Fn(std::io::Error) -> SecretsError + '_ {
    move |err| SecretsError::Io { file: file.to_owned(), reason: err.kind().to_string() }
}

/// The keys a home has, and what was wrong with the files that should hold them.
#[derive(Debug, Default)]
pub(crate) struct Keyring {
    current: Option<Key>,
    next: Option<Key>,
    /// A key file that exists but cannot be used: every value then fails to open
    /// with this reason, never with "no key".
    problem: Option<(String, String)>,
}

/// Two keyrings are the same when they hold the same keys and the same problem.
impl PartialEq for Keyring {
    fn eq(&self, other: &Self) -> bool {
        let ids = |keyring: &Keyring| [&keyring.current, &keyring.next].map(|key| key.as_ref().map(Key::id));
        ids(self) == ids(other) && self.problem == other.problem
    }
}

impl Keyring {
    /// The home's keys; a missing file is no key, an unusable one is a problem.
    pub(crate) fn read(home: &Home) -> Self {
        let mut keyring = Keyring::default();
        for (relative, slot) in [(CURRENT, &mut keyring.current), (NEXT, &mut keyring.next)] {
            match read_key(home, relative) {
                Ok(key) => *slot = key,
                Err(reason) => keyring.problem = Some((relative.to_owned(), reason)),
            }
        }
        keyring
    }

    /// The key new values are sealed with; during a rotation, the next one.
    pub(crate) fn sealing_key(&self) -> Option<&Key> {
        self.next.as_ref().or(self.current.as_ref())
    }

    pub(crate) fn current(&self) -> Option<&Key> {
        self.current.as_ref()
    }

    /// The key with `id`, or why there is none.
    pub(crate) fn find(&self, id: KeyId) -> Result<&Key, UnsealError> {
        if let Some(key) = [&self.current, &self.next].into_iter().flatten().find(|k| k.id == id) {
            return Ok(key);
        }
        if let Some((file, reason)) = &self.problem {
            return Err(UnsealError::KeyUnusable { file: file.clone(), reason: reason.clone() });
        }
        match &self.current {
            None => Err(UnsealError::NoKey),
            Some(current) => Err(UnsealError::OtherKey { wanted: id.to_string(), have: current.id.to_string() }),
        }
    }

    /// The current key, created (and stored) if the home has none yet.
    pub(crate) fn ensure_current(home: &Home) -> Result<Keyring, SecretsError> {
        let mut keyring = Keyring::read(home);
        if let Some((file, reason)) = keyring.problem.take() {
            return Err(SecretsError::KeyUnusable { file, reason });
        }
        if keyring.current.is_none() && keyring.next.is_none() {
            let key = Key::generate()?;
            key.store(home, CURRENT)?;
            keyring.current = Some(key);
        }
        Ok(keyring)
    }

    /// Starts (or resumes) a rotation: the next key, stored beside the current one.
    pub(crate) fn begin_rotation(home: &Home) -> Result<Keyring, SecretsError> {
        let mut keyring = Keyring::read(home);
        if let Some((file, reason)) = keyring.problem.take() {
            return Err(SecretsError::KeyUnusable { file, reason });
        }
        if keyring.next.is_none() {
            let key = Key::generate()?;
            key.store(home, NEXT)?;
            keyring.next = Some(key);
        }
        Ok(keyring)
    }

    /// Ends a rotation once nothing needs the old key: the next key becomes current.
    pub(crate) fn finish_rotation(home: &Home) -> Result<(), SecretsError> {
        fs::rename(home.path(NEXT), home.path(CURRENT)).map_err(io(CURRENT))?;
        fs::File::open(home.path(KEYS_DIR)).and_then(|dir| dir.sync_all()).map_err(io(KEYS_DIR))
    }
}

/// One key file: `Ok(None)` when it does not exist.
fn read_key(home: &Home, relative: &str) -> Result<Option<Key>, String> {
    let path = home.path(relative);
    let meta = match fs::metadata(&path) {
        Ok(meta) => meta,
        Err(err) if err.kind() == ErrorKind::NotFound => return Ok(None),
        Err(err) => return Err(err.kind().to_string()),
    };
    if !meta.is_file() {
        return Err("not a regular file".to_owned());
    }
    if meta.len() > MAX_KEY_FILE {
        return Err("too large to be a key".to_owned());
    }
    let mut text = fs::read_to_string(&path).map_err(|err| err.kind().to_string())?;
    let decoded = STANDARD.decode(text.trim()).map_err(|_| "not Base64".to_owned());
    text.zeroize();
    let mut decoded = decoded?;
    let bytes: Result<[u8; 32], _> = decoded.as_slice().try_into();
    decoded.zeroize();
    bytes.map(|bytes| Some(Key::from_bytes(bytes))).map_err(|_| "not 32 bytes of Base64".to_owned())
}
