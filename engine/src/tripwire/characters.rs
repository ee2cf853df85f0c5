//! Characters that hide text: zero-width and BiDi controls (medium), tag characters
//! that spell ASCII nobody sees (at least medium, and the spelled text is scanned),
//! Private Use Area code points (low).
//!
//! Legitimate uses are left alone: a zero-width joiner inside an emoji sequence, a
//! joiner or non-joiner between letters of a script that needs them, direction marks
//! next to right-to-left text, a byte-order mark at the very start, and the tag
//! sequences of subdivision flags (🏴 + tags + cancel tag).

use super::{Risk, ScanFinding};

/// A run of tag characters and the ASCII it spells.
pub(super) struct TagRun {
    pub start: usize,
    pub end: usize,
    pub hidden: String,
}

pub(super) fn findings(text: &str, base: usize, out: &mut Vec<ScanFinding>, tags: &mut Vec<TagRun>) {
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    let mut index = 0;
    while let Some(&(at, ch)) = chars.get(index) {
        let previous = index.checked_sub(1).and_then(|i| chars.get(i)).map(|c| c.1);
        let next = chars.get(index + 1).map(|c| c.1);
        let end = at + ch.len_utf8();
        let found = |id: &str, risk| ScanFinding { id: id.to_owned(), risk, start: base + at, end: base + end };
        match ch {
            '\u{E0000}'..='\u{E007F}' => {
                let run_end = chars.get(index..).map_or(0, |rest| rest.iter().take_while(|c| is_tag(c.1)).count());
                let run: Vec<(usize, char)> = chars.get(index..index + run_end).map(<[_]>::to_vec).unwrap_or_default();
                let last = run.last().map_or(end, |(a, c)| a + c.len_utf8());
                if !is_flag(previous, &run) {
                    let hidden = run.iter().filter_map(|(_, c)| spelled(*c)).collect();
                    tags.push(TagRun { start: base + at, end: base + last, hidden });
                    out.push(ScanFinding {
                        id: "tag-smuggling".into(),
                        risk: Risk::Medium,
                        start: base + at,
                        end: base + last,
                    });
                }
                index += run_end.max(1);
                continue;
            }
            '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' => out.push(found("bidi-control", Risk::Medium)),
            '\u{2028}' | '\u{2029}' => out.push(found("line-separator", Risk::Medium)),
            '\u{FEFF}' if at + base > 0 => out.push(found("zero-width", Risk::Medium)),
            '\u{200B}' => out.push(found("zero-width", Risk::Medium)),
            '\u{200C}' | '\u{200D}' if !joins(previous, next) => out.push(found("zero-width", Risk::Medium)),
            '\u{200E}' | '\u{200F}' if !near_rtl(&chars, index) => out.push(found("zero-width", Risk::Medium)),
            '\u{E000}'..='\u{F8FF}' | '\u{F0000}'..='\u{FFFFD}' | '\u{100000}'..='\u{10FFFD}' => {
                out.push(found("private-use", Risk::Low))
            }
            _ => {}
        }
        index += 1;
    }
}

fn is_tag(ch: char) -> bool {
    ('\u{E0000}'..='\u{E007F}').contains(&ch)
}

/// The ASCII character a tag character stands for.
fn spelled(ch: char) -> Option<char> {
    let code = u32::from(ch).checked_sub(0xE0000)?;
    char::from_u32(code).filter(|c| c.is_ascii_graphic() || *c == ' ')
}

/// 🏴 followed by lower-case letters and digits as tags and a cancel tag: the flag of
/// a subdivision (England, Scotland, Wales).
fn is_flag(previous: Option<char>, run: &[(usize, char)]) -> bool {
    let Some(((_, last), body)) = run.split_last() else { return false };
    previous == Some('\u{1F3F4}')
        && *last == '\u{E007F}'
        && !body.is_empty()
        && body.iter().all(|(_, c)| spelled(*c).is_some_and(|s| s.is_ascii_lowercase() || s.is_ascii_digit()))
}

/// A joiner between two emoji, or between two letters of a script that uses joiners
/// (Arabic, Persian, the Indic scripts): not between Latin letters, where it only
/// breaks up a word for a filter.
fn joins(previous: Option<char>, next: Option<char>) -> bool {
    let (Some(before), Some(after)) = (previous, next) else { return false };
    let emoji = |c: char| matches!(c, '\u{1F000}'..='\u{1FAFF}' | '\u{2600}'..='\u{27BF}' | '\u{2B00}'..='\u{2BFF}' | '\u{FE0F}');
    let joining_script = |c: char| matches!(c, '\u{0600}'..='\u{06FF}' | '\u{0750}'..='\u{077F}' | '\u{0900}'..='\u{0DFF}' | '\u{FB50}'..='\u{FDFF}' | '\u{FE70}'..='\u{FEFF}');
    (emoji(before) && emoji(after)) || (joining_script(before) && joining_script(after))
}

/// A direction mark within two characters of Hebrew or Arabic text, where it belongs
/// (`שלום ‏#5521`: the mark sits between a space and a number).
fn near_rtl(chars: &[(usize, char)], index: usize) -> bool {
    let rtl =
        |c: &(usize, char)| matches!(c.1, '\u{0590}'..='\u{08FF}' | '\u{FB1D}'..='\u{FDFF}' | '\u{FE70}'..='\u{FEFF}');
    chars.get(index.saturating_sub(2)..(index + 3).min(chars.len())).is_some_and(|near| near.iter().any(rtl))
}
