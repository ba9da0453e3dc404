//! The JSON bodies of `INFO` (server to client) and `CONNECT` (client to server). They are read
//! and written by [`super::json`].

/// What the server says about itself in `INFO`, first on connect and again whenever the cluster
/// changes or the server enters lame-duck mode. Fields the server leaves out take their defaults.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ServerInfo {
    /// Unique id of the server.
    pub server_id: String,
    /// Configured server name (falls back to the id on the server side).
    pub server_name: String,
    /// Server version, e.g. `2.9.10`.
    pub version: String,
    /// Protocol level the server speaks.
    pub proto: i32,
    /// Host the server listens on.
    pub host: String,
    /// Port the server listens on.
    pub port: u16,
    /// Whether the server supports headers (HPUB/HMSG).
    pub headers: bool,
    /// Largest message (headers plus payload) the server accepts, in bytes.
    pub max_payload: usize,
    /// Whether the client must authenticate.
    pub auth_required: bool,
    /// Whether the connection must use TLS.
    pub tls_required: bool,
    /// Nonce to sign for NKey authentication.
    pub nonce: Option<String>,
    /// Other servers of the cluster the client may use (for WebSocket clients: `host:port` of
    /// their WebSocket listeners, without a scheme).
    pub connect_urls: Vec<String>,
    /// Set when the server is in lame-duck mode and about to shut down.
    pub ldm: bool,
    /// The id the server gave this client.
    pub client_id: u64,
    /// The client's address as the server sees it.
    pub client_ip: String,
    /// Cluster name, if the server is part of one.
    pub cluster: Option<String>,
}

/// The options the client sends in `CONNECT`.
///
/// Options that are `None` are left out of the JSON.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ConnectInfo {
    /// Always false: every op would otherwise be answered with `+OK`.
    pub verbose: bool,
    /// Always false: strict subject checks are done on the client.
    pub pedantic: bool,
    /// Whether the server must use TLS.
    pub tls_required: bool,
    /// Client name shown in the server's monitoring.
    pub name: Option<String>,
    /// Implementation language.
    pub lang: String,
    /// Client version.
    pub version: String,
    /// Protocol level: 1 asks for async INFO updates.
    pub protocol: u8,
    /// Whether the server echoes this connection's own publishes back to its subscriptions.
    pub echo: bool,
    /// Whether this client understands headers.
    pub headers: bool,
    /// Whether the server should send a 503 status to requests nobody listens to.
    pub no_responders: bool,
    /// Token authentication.
    pub auth_token: Option<String>,
    /// User name for user/password authentication.
    pub user: Option<String>,
    /// Password for user/password authentication.
    pub pass: Option<String>,
    /// The user JWT, for decentralized (JWT) authentication; `sig` signs the nonce with its
    /// user's seed.
    pub jwt: Option<String>,
    /// Public NKey, for NKey authentication.
    pub nkey: Option<String>,
    /// Signature of the server's nonce, for NKey authentication.
    pub sig: Option<String>,
}
