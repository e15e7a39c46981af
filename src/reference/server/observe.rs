//! The server's observations (TS 1.0 §5.5): which client paths it observes under which token.
//! They outlive a registration that expires or is replaced, because the server must
//! re-initiate them when the client registers again (§5.5.1); a De-register nullifies them.

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Observation {
    pub endpoint: String,
    pub path: String,
    pub token: Vec<u8>,
}

#[derive(Debug, Default)]
pub struct Observations {
    list: Vec<Observation>,
}

impl Observations {
    pub fn add(&mut self, endpoint: &str, path: &str, token: Vec<u8>) {
        self.list.push(Observation {
            endpoint: endpoint.to_string(),
            path: path.to_string(),
            token,
        });
    }

    pub fn by_token(&self, token: &[u8]) -> Option<&Observation> {
        self.list.iter().find(|o| o.token == token)
    }

    pub fn find(&self, endpoint: &str, path: &str) -> Option<&Observation> {
        self.list.iter().find(|o| o.endpoint == endpoint && o.path == path)
    }

    pub fn remove_token(&mut self, token: &[u8]) -> Option<Observation> {
        let i = self.list.iter().position(|o| o.token == token)?;
        Some(self.list.remove(i))
    }

    /// Removes and returns every observation of `endpoint`, oldest first.
    pub fn take_endpoint(&mut self, endpoint: &str) -> Vec<Observation> {
        let (taken, kept) = std::mem::take(&mut self.list)
            .into_iter()
            .partition(|o| o.endpoint == endpoint);
        self.list = kept;
        taken
    }
}
