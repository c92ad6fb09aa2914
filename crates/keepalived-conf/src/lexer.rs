//! Line tokenizer reproducing keepalived 1.3.5's `alloc_strvec` (see docs/compatibility.md).
//!
//! Rules: tokens are separated by whitespace; `"…"` is one token (no escapes, `#`/`!` literal
//! inside); an unquoted `#` or `!` anywhere starts a comment; `{` and `}` are only braces when
//! they stand alone as a whitespace-separated token (so `VI_1{` is one word, as in 1.3.5).

use nom::branch::alt;
use nom::bytes::complete::{tag, take_till, take_while, take_while1};
use nom::combinator::{map, rest};
use nom::sequence::{delimited, preceded};
use nom::{IResult, Parser};

/// One token of a line: where its text is (a byte range of the lexed line, so lexing copies no
/// text and reading it needs no UTF-8 re-validation) and how it was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token {
    /// Byte offset in the line of the token text's start (after the opening quote, if quoted).
    pub start: u32,
    /// Byte offset in the line just past the token text (before the closing quote, if quoted).
    pub end: u32,
    /// 1-based column of the token's first character (the opening quote for quoted tokens).
    pub col: u32,
    /// Whether the token was written in double quotes (then it is never a brace).
    pub quoted: bool,
    /// Unquoted `{` / unquoted `}`: decided once here rather than at every brace test.
    open: bool,
    close: bool,
}

impl Token {
    /// The token text (quotes removed), given the line it was lexed from.
    pub fn text<'a>(&self, line: &'a str) -> &'a str {
        line.get(self.start as usize..self.end as usize)
            .unwrap_or_default()
    }
    /// True if this is an unquoted `{`.
    pub fn is_open(&self) -> bool {
        self.open
    }
    /// True if this is an unquoted `}`.
    pub fn is_close(&self) -> bool {
        self.close
    }
}

/// Result of lexing one line.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct LexedLine {
    /// The tokens, comments removed.
    pub tokens: Vec<Token>,
    /// Column of an opening quote with no closing quote (1.3.5: "Unmatched quote", rest dropped).
    pub unmatched_quote: Option<u32>,
}

/// What one step of the tokenizer found (slices of the line's bytes).
enum Lexeme<'a> {
    Word(&'a [u8]),
    Quoted(&'a [u8]),
    Unmatched,
    Comment,
}

fn is_space(c: char) -> bool {
    c.is_ascii_whitespace() || c == '\u{0b}'
}

/// Byte version of [`is_space`]: every separator is ASCII, so the lexer works on bytes (a UTF-8
/// continuation byte never equals one) and never decodes characters it does not need to count.
fn is_space_byte(b: u8) -> bool {
    b.is_ascii_whitespace() || b == 0x0b
}

/// One lexeme at the start of `i` (which does not start with whitespace), dispatching on the
/// first byte so each token costs one nom parser rather than a chain of failed alternatives.
fn lexeme(i: &[u8]) -> IResult<&[u8], Lexeme<'_>> {
    match i.first() {
        Some(b'#' | b'!') => map(rest, |_| Lexeme::Comment).parse(i),
        Some(b'"') => alt((
            map(
                delimited(tag(&b"\""[..]), take_till(|c| c == b'"'), tag(&b"\""[..])),
                Lexeme::Quoted,
            ),
            map(preceded(tag(&b"\""[..]), rest), |_| Lexeme::Unmatched),
        ))
        .parse(i),
        _ => map(
            take_while1(|c: u8| !is_space_byte(c) && c != b'"' && c != b'#' && c != b'!'),
            Lexeme::Word,
        )
        .parse(i),
    }
}

fn skip_space(i: &[u8]) -> &[u8] {
    match take_while::<_, &[u8], nom::error::Error<&[u8]>>(is_space_byte).parse(i) {
        Ok((rest, _)) => rest,
        Err(_) => i,
    }
}

/// Tokenize one line (without its line ending). `col_base` is the column of `line`'s first
/// character (1 normally; after an `@ID` prefix, the column where the rest starts).
pub fn lex_line(line: &str, col_base: u32) -> LexedLine {
    let mut out = LexedLine {
        tokens: Vec::new(),
        unmatched_quote: None,
    };
    let bytes = line.as_bytes();
    let mut input = bytes;
    // Column bookkeeping: count characters consumed so far.
    let mut col = col_base;
    loop {
        let after = skip_space(input);
        col += count_chars(&input[..input.len() - after.len()]);
        input = after;
        if input.is_empty() {
            break;
        }
        let Ok((remaining, lx)) = lexeme(input) else {
            break;
        };
        // Byte offset of the lexeme in `line`; all its boundaries are ASCII, so slicing `line`
        // there stays on character boundaries.
        let at = bytes.len() - input.len();
        let consumed = &input[..input.len() - remaining.len()];
        let (start, len, quoted) = match lx {
            Lexeme::Word(w) => (at, w.len(), false),
            Lexeme::Quoted(q) => (at + 1, q.len(), true),
            Lexeme::Unmatched => {
                out.unmatched_quote = Some(col);
                break;
            }
            Lexeme::Comment => break,
        };
        let text = &bytes[start..start + len];
        out.tokens.push(Token {
            start: start as u32,
            end: (start + len) as u32,
            col,
            quoted,
            open: !quoted && text == b"{",
            close: !quoted && text == b"}",
        });
        col += count_chars(consumed);
        input = remaining;
    }
    out
}

/// Number of characters in UTF-8 bytes (those that are not continuation bytes).
fn count_chars(s: &[u8]) -> u32 {
    if s.is_ascii() {
        s.len() as u32
    } else {
        s.iter().filter(|&&b| b & 0xc0 != 0x80).count() as u32
    }
}

/// Split off a 1.3.5 conditional prefix `@ID` (only at column 1). Returns the id and the rest of
/// the line with the column where it starts, or `None` when the line has no `@` prefix.
pub fn conditional_prefix(line: &str) -> Option<(&str, &str, u32)> {
    let body = line.strip_prefix('@')?;
    let id_len = body.find(is_space).unwrap_or(body.len());
    let (id, rest) = body.split_at(id_len);
    Some((id, rest, 2 + count_chars(id.as_bytes())))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(l: &str) -> Vec<String> {
        lex_line(l, 1)
            .tokens
            .into_iter()
            .map(|t| t.text(l).to_string())
            .collect()
    }

    #[test]
    fn comments_anywhere_outside_quotes() {
        assert_eq!(words("auth_pass ab#cd"), vec!["auth_pass", "ab"]);
        assert_eq!(words("  ! whole line"), Vec::<String>::new());
        assert_eq!(words("state MASTER  #设置节点"), vec!["state", "MASTER"]);
        assert_eq!(words("x \"a # b\" c"), vec!["x", "a # b", "c"]);
        assert_eq!(words("a!b"), vec!["a"]);
    }

    #[test]
    fn braces_only_as_separate_tokens() {
        assert_eq!(words("vrrp_instance VI_1{"), vec!["vrrp_instance", "VI_1{"]);
        let l = lex_line("vrrp_instance VI_1 {", 1);
        assert!(l.tokens[2].is_open());
        assert_eq!(l.tokens[2].col, 20);
        assert!(!lex_line("\"{\"", 1).tokens[0].is_open());
    }

    #[test]
    fn quotes_split_words_and_unmatched() {
        assert_eq!(words("ab\"cd\"ef"), vec!["ab", "cd", "ef"]);
        let l = lex_line("script \"abc", 1);
        assert_eq!(l.unmatched_quote, Some(8));
        assert_eq!(l.tokens.len(), 1);
    }

    #[test]
    fn columns_count_characters_and_tabs() {
        let src = "\tpriority\t100\r";
        let l = lex_line(src, 1);
        assert_eq!(l.tokens[0].col, 2);
        assert_eq!(l.tokens[1].col, 11);
        assert_eq!(l.tokens[1].text(src), "100");
        let l = lex_line("é x", 1);
        assert_eq!(l.tokens[1].col, 3);
        let src = "\"é#\" ü x";
        let l = lex_line(src, 1);
        assert_eq!(l.tokens[0].text(src), "é#");
        assert!(l.tokens[0].quoted);
        assert_eq!((l.tokens[1].col, l.tokens[2].col), (6, 8));
        assert_eq!(l.tokens[1].text(src), "ü");
    }

    #[test]
    fn conditional() {
        assert_eq!(
            conditional_prefix("@high\tpriority 1"),
            Some(("high", "\tpriority 1", 6))
        );
        assert_eq!(conditional_prefix(" @x"), None);
    }
}
