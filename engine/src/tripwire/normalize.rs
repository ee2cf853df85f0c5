//! The text the phrase patterns read: what a model would read, not what the bytes say.
//!
//! Compatibility-decomposed (NFKD: fullwidth `ｉｇｎｏｒｅ` and mathematical `𝐢𝐠𝐧𝐨𝐫𝐞` are
//! `ignore`), combining marks dropped (`ignóre`, and Hebrew points), common Cyrillic
//! and Greek look-alikes folded to Latin (`ignоre` with a Cyrillic о), invisible
//! characters removed (`ig\u{200B}nore`), lower-cased, and every run of whitespace
//! one space. Each byte of the result remembers the original bytes it came from, so a
//! finding points into the text as given.

use unicode_normalization::char::{decompose_compatible, is_combining_mark};

pub(super) struct Normalized {
    pub text: String,
    /// For each byte of `text`: the original start and end offsets of its character.
    spans: Vec<(u32, u32)>,
}

impl Normalized {
    /// `bytes` normalised; invalid UTF-8 reads as a space.
    pub(super) fn new(bytes: &[u8]) -> Self {
        let mut out = Normalized { text: String::with_capacity(bytes.len()), spans: Vec::with_capacity(bytes.len()) };
        let mut offset = 0usize;
        for chunk in bytes.utf8_chunks() {
            for (at, ch) in chunk.valid().char_indices() {
                let start = offset + at;
                out.push_char(ch, start, start + ch.len_utf8());
            }
            offset += chunk.valid().len();
            if !chunk.invalid().is_empty() {
                out.push_space(offset, offset + chunk.invalid().len());
                offset += chunk.invalid().len();
            }
        }
        out
    }

    fn push_char(&mut self, ch: char, start: usize, end: usize) {
        if is_invisible(ch) {
            return;
        }
        // Word glue reads as a space (`ignore_previous_instructions`), emphasis as
        // nothing (`ign**ore**`, `` `ignore` ``).
        if ch.is_whitespace() || ch == '_' {
            return self.push_space(start, end);
        }
        if ch == '*' || ch == '`' {
            return;
        }
        decompose_compatible(ch, |part| {
            if is_combining_mark(part) {
                return;
            }
            for lower in fold_lookalike(part).to_lowercase() {
                self.push(lower, start, end);
            }
        });
    }

    fn push_space(&mut self, start: usize, end: usize) {
        if self.text.ends_with(' ') {
            if let Some(last) = self.spans.last_mut() {
                last.1 = to_u32(end);
            }
            return;
        }
        self.push(' ', start, end);
    }

    fn push(&mut self, ch: char, start: usize, end: usize) {
        self.text.push(ch);
        for _ in 0..ch.len_utf8() {
            self.spans.push((to_u32(start), to_u32(end)));
        }
    }

    /// The original byte range of the normalised range `start..end`.
    pub(super) fn original(&self, start: usize, end: usize) -> (usize, usize) {
        let first = self.spans.get(start).map_or(0, |s| s.0 as usize);
        let last = end.checked_sub(1).and_then(|i| self.spans.get(i)).map_or(first, |s| s.1 as usize);
        (first, last.max(first))
    }
}

fn to_u32(offset: usize) -> u32 {
    u32::try_from(offset).unwrap_or(u32::MAX)
}

/// Characters that render as nothing: zero-width spaces and joiners, word joiners,
/// the BOM, soft hyphens, variation selectors, BiDi controls and tag characters.
pub(super) fn is_invisible(ch: char) -> bool {
    matches!(ch,
        '\u{00AD}' | '\u{034F}' | '\u{061C}' | '\u{115F}' | '\u{1160}' | '\u{17B4}' | '\u{17B5}' | '\u{180B}'..='\u{180F}'
        | '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{206F}' | '\u{3164}' | '\u{FE00}'..='\u{FE0F}'
        | '\u{FEFF}' | '\u{FFA0}' | '\u{E0000}'..='\u{E007F}' | '\u{E0100}'..='\u{E01EF}')
}

/// Latin letters that Cyrillic, Greek and a few other scripts draw identically.
fn fold_lookalike(ch: char) -> char {
    match ch {
        'а' | 'α' | 'ɑ' => 'a',
        'в' | 'β' => 'b',
        'с' | 'ϲ' => 'c',
        'ԁ' => 'd',
        'е' | 'ε' | 'ё' => 'e',
        'ɡ' => 'g',
        'һ' => 'h',
        'і' | 'ι' | 'ı' | 'ӏ' => 'i',
        'ј' | 'ϳ' => 'j',
        'κ' | 'к' => 'k',
        'м' => 'm',
        'ո' | 'η' | 'п' => 'n',
        'о' | 'ο' | 'σ' | 'ө' => 'o',
        'р' | 'ρ' => 'p',
        'ԛ' => 'q',
        'г' => 'r',
        'ѕ' => 's',
        'т' | 'τ' => 't',
        'υ' | 'ս' => 'u',
        'ν' | 'ѵ' => 'v',
        'ԝ' | 'ω' => 'w',
        'х' | 'χ' => 'x',
        'у' | 'γ' => 'y',
        'А' | 'Α' => 'A',
        'В' | 'Β' => 'B',
        'С' | 'Ϲ' => 'C',
        'Е' | 'Ε' => 'E',
        'Н' | 'Η' => 'H',
        'І' | 'Ι' => 'I',
        'Ј' => 'J',
        'К' | 'Κ' => 'K',
        'М' | 'Μ' => 'M',
        'Ν' => 'N',
        'О' | 'Ο' => 'O',
        'Р' | 'Ρ' => 'P',
        'Ѕ' => 'S',
        'Т' | 'Τ' => 'T',
        'Х' | 'Χ' => 'X',
        'У' | 'Υ' => 'Y',
        'Ζ' => 'Z',
        '\u{2018}' | '\u{2019}' | '\u{02BC}' => '\'',
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn disguises_read_as_what_they_show() {
        for disguised in
            ["ign\u{43e}re", "ｉｇｎｏｒｅ", "𝐢𝐠𝐧𝐨𝐫𝐞", "ig\u{200b}no\u{200d}re", "IGNÓRE", "i\u{0307}gnore", "іgnоrе"]
        {
            assert_eq!(Normalized::new(disguised.as_bytes()).text, "ignore", "{disguised:?}");
        }
        assert_eq!(Normalized::new("a \t\n\u{2028} b".as_bytes()).text, "a b");
    }

    #[test]
    fn offsets_point_into_the_original() {
        let text = "x ｉｇｎｏｒｅ y";
        let normalized = Normalized::new(text.as_bytes());
        let at = normalized.text.find("ignore").unwrap();
        let (start, end) = normalized.original(at, at + "ignore".len());
        assert_eq!(&text[start..end], "ｉｇｎｏｒｅ");
    }
}
