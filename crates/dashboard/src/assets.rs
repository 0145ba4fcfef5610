//! The dashboard's files, embedded in the binary: the page, its script and its style.

/// One embedded file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Asset {
    /// Its `Content-Type`.
    pub content_type: &'static str,
    /// Its text.
    pub body: &'static str,
}

/// The page (`/ui/`).
pub const INDEX: Asset = Asset {
    content_type: "text/html; charset=utf-8",
    body: include_str!("../assets/index.html"),
};

/// The files under `/ui/` by name, the page's as `index.html`.
const FILES: [(&str, Asset); 3] = [
    ("index.html", INDEX),
    (
        "app.js",
        Asset {
            content_type: "text/javascript; charset=utf-8",
            body: include_str!("../assets/app.js"),
        },
    ),
    (
        "app.css",
        Asset {
            content_type: "text/css; charset=utf-8",
            body: include_str!("../assets/app.css"),
        },
    ),
];

/// The file called `name` under `/ui/`, if there is one.
pub fn get(name: &str) -> Option<Asset> {
    FILES.iter().find(|(n, _)| *n == name).map(|(_, a)| *a)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_page_loads_its_script_and_style_which_are_served() {
        for name in ["app.js", "app.css"] {
            assert!(INDEX.body.contains(name), "index.html does not load {name}");
            assert!(get(name).is_some_and(|a| !a.body.is_empty()));
        }
        assert_eq!(get("index.html"), Some(INDEX));
        assert_eq!(get("../Cargo.toml"), None);
    }
}
