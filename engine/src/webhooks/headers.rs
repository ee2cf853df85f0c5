//! Request headers as the pipeline reads them, from the server or from `-H` flags.

/// Header lookup by case-insensitive name.
pub trait Headers {
    /// Every value sent under `name`, in order.
    fn values(&self, name: &str) -> Vec<&[u8]>;

    /// The value of a header that must be sent exactly once, as text. Sent twice, the
    /// two could disagree and a check could read one while a consumer reads the
    /// other, so that is treated as absent.
    fn single(&self, name: &str) -> Option<&str> {
        match self.values(name).as_slice() {
            [value] => std::str::from_utf8(value).ok().map(str::trim),
            _ => None,
        }
    }
}

impl Headers for warp::http::HeaderMap {
    fn values(&self, name: &str) -> Vec<&[u8]> {
        self.get_all(name).iter().map(|v| v.as_bytes()).collect()
    }
}

/// Headers given as `Name: value` lines (the CLI's `-H`).
#[derive(Debug, Default, Clone)]
pub struct HeaderList(Vec<(String, String)>);

impl HeaderList {
    /// Parses `Name: value` lines; a line without a colon is returned as the error.
    pub fn parse<'a>(lines: impl IntoIterator<Item = &'a str>) -> Result<Self, String> {
        let mut list = Vec::new();
        for line in lines {
            let (name, value) = line.split_once(':').ok_or_else(|| line.to_owned())?;
            let name = name.trim();
            if name.is_empty() || !name.bytes().all(|b| b.is_ascii_graphic()) {
                return Err(line.to_owned());
            }
            list.push((name.to_owned(), value.trim().to_owned()));
        }
        Ok(Self(list))
    }
}

impl Headers for HeaderList {
    fn values(&self, name: &str) -> Vec<&[u8]> {
        self.0.iter().filter(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_bytes()).collect()
    }
}
