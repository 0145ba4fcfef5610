//! Cursor pagination: `{limit, count, next_cursor, data}` with base64 offsets.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde::{Deserialize, Serialize};

/// A page cursor: base64 of the decimal row offset. `MA==` ("0") is the first page and `LTE=`
/// ("-1") means there is no next page.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Cursor(pub String);

impl Cursor {
    /// The first-page cursor text.
    pub const START: &'static str = "MA==";
    /// The end marker.
    pub const END: &'static str = "LTE=";

    /// The first page.
    pub fn start() -> Cursor {
        Cursor(Cursor::START.to_owned())
    }
    /// The end marker.
    pub fn end() -> Cursor {
        Cursor(Cursor::END.to_owned())
    }
    /// The cursor of a row offset.
    pub fn from_offset(offset: u64) -> Cursor {
        Cursor(STANDARD.encode(offset.to_string()))
    }
    /// Whether this is the end marker.
    pub fn is_end(&self) -> bool {
        self.0 == Cursor::END
    }
    /// The row offset; an empty cursor is the first page (as prod accepts), the end marker and
    /// anything undecodable are `None`.
    pub fn offset(&self) -> Option<u64> {
        if self.0.is_empty() {
            return Some(0);
        }
        let bytes = super::super::auth::decode_secret(&self.0).ok()?;
        std::str::from_utf8(&bytes).ok()?.parse().ok()
    }
    /// The text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// One page of a listing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Page<T> {
    /// Page size the server used.
    #[serde(default)]
    pub limit: u64,
    /// Items in this page.
    #[serde(default)]
    pub count: u64,
    /// Cursor of the next page, [`Cursor::END`] on the last.
    pub next_cursor: Cursor,
    /// The items.
    pub data: Vec<T>,
}

impl<T> Page<T> {
    /// The same page with every item turned into another (a server builds the views of a page
    /// only, after slicing it).
    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Page<U> {
        Page {
            limit: self.limit,
            count: self.count,
            next_cursor: self.next_cursor,
            data: self.data.into_iter().map(f).collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors() {
        assert_eq!(Cursor::from_offset(0).as_str(), "MA==");
        assert_eq!(Cursor::from_offset(1000).as_str(), "MTAwMA==");
        assert_eq!(Cursor::from_offset(100).as_str(), "MTAw");
        assert_eq!(Cursor::from_offset(100).offset(), Some(100));
        assert_eq!(Cursor::start().offset(), Some(0));
        assert_eq!(Cursor(String::new()).offset(), Some(0));
        assert_eq!(Cursor::end().offset(), None);
        assert!(Cursor::end().is_end());
        assert_eq!(Cursor("%%".into()).offset(), None);
        let p: Page<u32> = serde_json::from_str(
            r#"{"limit":100,"count":2,"next_cursor":"LTE=","data":[1,2],"x":1}"#,
        )
        .unwrap();
        assert!(p.next_cursor.is_end());
    }
}
