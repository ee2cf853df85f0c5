//! The README documents vocabularies the code defines: they must not drift apart.

use netclaw_engine::ReasonCode;
use strum::VariantArray;

/// The first column of the table under `heading`, backticks removed.
fn table_column(readme: &str, heading: &str) -> Vec<String> {
    readme
        .split_once(heading)
        .map(|(_, after)| after)
        .unwrap_or_default()
        .lines()
        .skip_while(|line| !line.starts_with('|'))
        .take_while(|line| line.starts_with('|'))
        .skip(2)
        .filter_map(|line| line.split('|').nth(1))
        .map(|cell| cell.trim().trim_matches('`').to_owned())
        .collect()
}

#[test]
fn the_reason_code_table_lists_every_code_once() {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../README.md")).unwrap_or_default();
    let documented = table_column(&readme, "### Reason codes");
    let codes: Vec<String> = ReasonCode::VARIANTS.iter().map(|c| c.as_str().to_owned()).collect();
    assert_eq!(documented, codes, "README's reason-code table and ReasonCode differ (same order)");
}
