//! Redacting a stream of any size in bounded memory.
//!
//! Input is read in blocks and handed on in whole lines, so a pattern always sees the
//! line it is on. A line longer than [`MAX_PENDING`] (a minified bundle, a binary
//! blob) is handed on in windows instead: each window keeps back its last
//! [`LONGEST_MATCH`] bytes for the next one, unless a secret runs across that cut, so
//! no secret is split between two windows.

use std::io::{self, Read, Write};

use super::patterns::LONGEST_MATCH;
use super::redactor::{PemState, Redactor};
use super::{MASK, redactor};

const BLOCK: usize = 64 * 1024;
/// The most that is held waiting for the end of a line.
const MAX_PENDING: usize = 1024 * 1024;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct RedactStats {
    pub bytes: u64,
    pub redacted: u64,
}

/// Copies `input` to `output` with every recognised secret replaced.
pub fn redact_stream(input: &mut dyn Read, output: &mut dyn Write) -> io::Result<RedactStats> {
    let redactor = redactor().map_err(io::Error::other)?;
    let mut stream = Stream { redactor, pending: Vec::with_capacity(2 * BLOCK), pem: PemState::default() };
    let mut stats = RedactStats::default();
    let mut block = vec![0u8; BLOCK];
    loop {
        let read = match input.read(&mut block) {
            Ok(0) => break,
            Ok(read) => read,
            Err(err) if err.kind() == io::ErrorKind::Interrupted => continue,
            Err(err) => return Err(err),
        };
        stats.bytes += read as u64;
        stream.pending.extend_from_slice(block.get(..read).unwrap_or_default());
        stats.redacted += stream.flush_ready(output)? as u64;
    }
    stats.redacted += stream.flush_all(output)? as u64;
    output.flush()?;
    Ok(stats)
}

struct Stream<'r> {
    redactor: &'r Redactor,
    pending: Vec<u8>,
    pem: PemState,
}

impl Stream<'_> {
    /// Hands on every complete line, or a window of an over-long one.
    fn flush_ready(&mut self, output: &mut dyn Write) -> io::Result<usize> {
        if let Some(newline) = self.pending.iter().rposition(|&b| b == b'\n') {
            return self.hand_on(newline + 1, output);
        }
        if self.pending.len() < MAX_PENDING {
            return Ok(0);
        }
        let cut = self.window_cut();
        self.hand_on(cut, output)
    }

    fn flush_all(&mut self, output: &mut dyn Write) -> io::Result<usize> {
        let all = self.pending.len();
        let count = self.hand_on(all, output)?;
        if self.pem.inside {
            // A key block that never ended: its body was hidden; say so at the end.
            output.write_all(MASK.as_bytes())?;
        }
        Ok(count)
    }

    /// Where to cut an over-long line: [`LONGEST_MATCH`] before the end, moved before
    /// any secret that runs across that point, so it is redacted whole next time.
    /// A secret that starts in the first half of the window is redacted through its
    /// end instead: every window then hands on at least half of what it holds, so the
    /// work stays linear (`password=password=…` for megabytes) and memory bounded.
    fn window_cut(&self) -> usize {
        let half = self.pending.len() / 2;
        let mut cut = self.pending.len().saturating_sub(LONGEST_MATCH);
        for span in self.redactor.spans(&self.pending) {
            if span.start < cut && span.end > cut {
                cut = if span.start >= half { span.start } else { span.end };
            }
        }
        cut
    }

    fn hand_on(&mut self, upto: usize, output: &mut dyn Write) -> io::Result<usize> {
        let ready = self.pending.get(..upto).unwrap_or_default();
        let count = self.redactor.write_redacted(ready, &mut self.pem, output)?;
        self.pending.drain(..upto);
        Ok(count)
    }
}
