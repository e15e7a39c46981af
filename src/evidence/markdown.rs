//! Markdown escaping for the report tables. Free text (requirement sentences, titles, and above
//! all failure reasons, which quote what the DUT sent) must neither break a table row nor turn
//! into markup or HTML when GitHub or an editor renders the file.

/// Text for one table cell: a single line, Markdown and HTML punctuation backslash-escaped
/// (CommonMark allows a backslash before any ASCII punctuation). `_` is left alone: inside a word
/// (`device_management`) it never starts emphasis, and emphasis could not escape the cell anyway.
pub fn cell(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for ch in text.chars() {
        match ch {
            '\n' | '\r' | '\t' => out.push(' '),
            '\\' | '`' | '*' | '[' | ']' | '<' | '>' | '|' | '&' | '~' | '!' => {
                out.push('\\');
                out.push(ch);
            }
            c if c.is_control() => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
    out
}

/// An identifier (case or requirement ID) as inline code; its text is ours, but a `|` would
/// still end the cell and a backtick the code span.
pub fn code(text: &str) -> String {
    format!("`{}`", text.replace('`', "'").replace('|', "\\|"))
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_cell_keeps_dut_bytes_inert() {
        assert_eq!(
            super::cell("a|b\n<script>*x*</script> [l](j:)"),
            "a\\|b \\<script\\>\\*x\\*\\</script\\> \\[l\\](j:)"
        );
        assert_eq!(super::cell("bell\u{7}"), "bell\u{fffd}");
        assert_eq!(super::code("a|b`c"), "`a\\|b'c`");
    }
}
