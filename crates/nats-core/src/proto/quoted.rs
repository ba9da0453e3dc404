//! [`Quoted`]: how error messages show text the user or the server gave.

use std::fmt;

/// Shows `text` in double quotes with `"`, `\` and control characters escaped, so that a
/// subject like `"a b\r\n"` reads unambiguously in an error message. It writes the same as
/// `{:?}` for every string without control characters other than CR, LF and tab, but without
/// `str`'s Unicode-aware `Debug` escaping, which costs the browser build about 3 KB of wasm.
#[derive(Debug, Clone, Copy)]
pub struct Quoted<'a>(pub &'a str);

impl fmt::Display for Quoted<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const HEX: &[u8; 16] = b"0123456789abcdef";
        let text = self.0;
        f.write_str("\"")?;
        let mut plain_from = 0;
        for (i, byte) in text.bytes().enumerate() {
            let escape = match byte {
                b'"' => "\\\"",
                b'\\' => "\\\\",
                b'\n' => "\\n",
                b'\r' => "\\r",
                b'\t' => "\\t",
                0..=0x1f | 0x7f => "",
                _ => continue,
            };
            // Escaped bytes are ASCII, so `plain_from` and `i` are always character boundaries.
            f.write_str(text.get(plain_from..i).unwrap_or_default())?;
            if escape.is_empty() {
                let hex = [HEX[usize::from(byte >> 4)], HEX[usize::from(byte & 0xf)]];
                f.write_str("\\x")?;
                f.write_str(std::str::from_utf8(&hex).unwrap_or("??"))?;
            } else {
                f.write_str(escape)?;
            }
            plain_from = i + 1;
        }
        f.write_str(text.get(plain_from..).unwrap_or_default())?;
        f.write_str("\"")
    }
}

#[cfg(test)]
mod tests {
    use super::Quoted;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn plain_text_is_only_wrapped_in_quotes() {
        assert_eq!(Quoted("greet.joe").to_string(), "\"greet.joe\"");
        assert_eq!(Quoted("").to_string(), "\"\"");
        assert_eq!(Quoted("grüße.*").to_string(), "\"grüße.*\"");
    }

    #[test]
    fn quotes_backslashes_and_line_breaks_are_escaped_as_debug_would() {
        for text in ["a b\r\n", "say \"hi\"", "back\\slash", "tab\there", "it's"] {
            assert_eq!(Quoted(text).to_string(), format!("{text:?}"));
        }
    }

    #[test]
    fn other_control_characters_are_shown_as_hex_escapes() {
        assert_eq!(
            Quoted("a\0b\x1bc\x7f").to_string(),
            "\"a\\x00b\\x1bc\\x7f\""
        );
    }
}
