//! How a connection is set up: credentials, names, keepalive and deadlines.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

/// Credentials sent in `CONNECT`. Its `Debug` shows no secret: tokens, passwords, seeds and
/// signatures print as `"<redacted>"`, a JWT only by its first characters.
#[derive(Clone, Default, PartialEq, Eq)]
pub enum Auth {
    /// No credentials.
    #[default]
    None,
    /// A token (`authorization { token: ... }` on the server).
    Token(String),
    /// A user name and password.
    UserPassword {
        /// User name.
        user: String,
        /// Password.
        password: String,
    },
    /// An NKey seed (`SU...`): the server's nonce is signed with it; the seed never leaves.
    NKey {
        /// The user's seed.
        seed: String,
    },
    /// A user JWT and the seed of its user (decentralized auth, as NGS and Synadia Cloud use):
    /// `CONNECT` carries the JWT and the server's nonce signed with the seed, not the seed.
    Jwt {
        /// The user JWT.
        jwt: String,
        /// The user's NKey seed (`SU...`).
        seed: String,
    },
    /// Credentials signed elsewhere, as an answer to [`super::Event::CredentialsNeeded`]: the
    /// nonce it carries was signed by whoever holds the seed (e.g. the page's backend), so the
    /// seed never reaches this program. The fields are async-nats' `Auth` fields of the same
    /// names. Checked before they are sent: the JWT must be readable, the NKey a user's public
    /// key (`U...`) and the signature an ed25519 signature (64 bytes); otherwise the attempt
    /// fails with [`super::CredentialsError::InvalidSignedCredentials`].
    Signed {
        /// The user JWT (decentralized auth), if any.
        jwt: Option<String>,
        /// The user's public NKey (`U...`), for NKey auth without a JWT.
        nkey: Option<String>,
        /// The ed25519 signature of the server's nonce (raw bytes; sent base64url-encoded).
        signature: Vec<u8>,
    },
    /// Ask the owner on every connect and reconnect: after the server's INFO the connection
    /// reports [`super::Event::CredentialsNeeded`] and waits (up to
    /// [`ConnectOptions::auth_callback_timeout`]) for [`super::Connection::provide_credentials`].
    Callback,
}

/// How a secret is shown by `Debug`.
const REDACTED: &str = "<redacted>";

/// A JWT in `Debug`: its first characters (the header, the same for every user JWT) only.
struct JwtPrefix<'a>(&'a str);

impl fmt::Debug for JwtPrefix<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let prefix: String = self.0.chars().take(8).collect();
        write!(f, "\"{prefix}...\"")
    }
}

impl fmt::Debug for Auth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Auth::None => f.write_str("None"),
            Auth::Callback => f.write_str("Callback"),
            Auth::Token(_) => f.debug_tuple("Token").field(&REDACTED).finish(),
            Auth::UserPassword { user, .. } => f
                .debug_struct("UserPassword")
                .field("user", user)
                .field("password", &REDACTED)
                .finish(),
            Auth::NKey { .. } => f.debug_struct("NKey").field("seed", &REDACTED).finish(),
            Auth::Jwt { jwt, .. } => f
                .debug_struct("Jwt")
                .field("jwt", &JwtPrefix(jwt))
                .field("seed", &REDACTED)
                .finish(),
            Auth::Signed { jwt, nkey, .. } => f
                .debug_struct("Signed")
                .field("jwt", &jwt.as_deref().map(JwtPrefix))
                .field("nkey", nkey)
                .field("signature", &REDACTED)
                .finish(),
        }
    }
}

/// Options for one connection. Start from [`ConnectOptions::new`] and chain the setters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectOptions {
    /// Servers to connect to, e.g. `ws://127.0.0.1:4280`; tried in order.
    pub servers: Vec<String>,
    /// Client name shown in the server's monitoring (`connz`).
    pub name: Option<String>,
    /// Credentials.
    pub auth: Auth,
    /// Whether our own publishes come back to our own matching subscriptions; off with
    /// [`ConnectOptions::no_echo`].
    pub echo: bool,
    /// How often we PING the server to check the connection is alive.
    pub ping_interval: Duration,
    /// PINGs left unanswered before the connection is declared stale.
    pub max_pings_out: u32,
    /// Time allowed from opening the transport to the first PONG (see
    /// [`ConnectOptions::connection_timeout`]).
    pub connection_timeout: Duration,
    /// Time a connection drain may take before the connection is closed anyway.
    pub drain_timeout: Duration,
    /// Prefix of request inboxes; the subject a user needs permission for is `<prefix>.>`.
    pub inbox_prefix: String,
    /// How long to wait for [`super::Connection::provide_credentials`] after
    /// [`super::Event::CredentialsNeeded`] (with [`Auth::Callback`]) before the attempt fails
    /// with [`super::CredentialsError::AuthCallbackTimedOut`] (and the next one backs off).
    /// The wait also ends at the attempt's [`ConnectOptions::connection_timeout`], reported
    /// the same way. The server has its own limit, `authorization { timeout }` (2 s by
    /// default without TLS, `tls_timeout` + 1 s with it; a WebSocket client gets the same
    /// unless `websocket { auth_timeout }` is set), counted from the WebSocket upgrade, after
    /// which it refuses with "Authentication Timeout". Default 1.5 s, below the server's 2 s.
    pub auth_callback_timeout: Duration,
    /// Whether to report every operation sent and received as [`super::Event::Trace`].
    pub trace: bool,
    /// Reconnect attempts after a loss before giving up; `None` tries forever.
    pub max_reconnects: Option<u32>,
    /// Wait between reconnect attempts. The first attempt after a loss does not wait, unless
    /// its server was tried less than this long ago: a server is tried at most once per wait
    /// (plus jitter), however often it accepts and then drops the connection.
    pub reconnect_wait: Duration,
    /// Up to this much is added at random to each wait, so clients do not come back at once.
    pub reconnect_jitter: Duration,
    /// Bytes of publishes kept while disconnected; past this, `publish` is refused.
    pub reconnect_buffer_size: usize,
    /// The server's `max_control_line`: the longest `PUB`, `HPUB` or `SUB` line (verb,
    /// subject, reply or queue group, sizes, `\r\n`) it takes. nats-server answers a longer
    /// one with `maximum control line exceeded` and closes the connection, and does not
    /// announce its limit in INFO, so it is set here. A longer command is refused with
    /// [`crate::proto::validate::ValidationError::ControlLineTooLong`] before anything is written. Default
    /// 4096, nats-server's default; set it to the server's `max_control_line` if that differs.
    pub max_control_line: usize,
    /// Whether to shuffle the server list (spreads clients over a cluster).
    pub randomize: bool,
    /// Whether to ignore the servers a cluster announces in INFO.
    pub ignore_discovered_servers: bool,
    /// Longest wait before leaving a server that announced lame-duck mode; the wait is
    /// random in `0..=window`, so the clients of a server do not all move at once. The
    /// default, 10 s, is nats-server's default `lame_duck_grace_period`: every client has
    /// moved before the server starts closing connections.
    pub lame_duck_window: Duration,
    /// Browser client: messages a subscription holds unread before new ones are dropped and
    /// counted (per subscription; `SubscribeOptions::pending_limits` overrides it). async-nats
    /// calls this the subscription capacity.
    pub subscription_capacity: usize,
    /// Browser client: bytes a subscription holds unread before new messages are dropped.
    pub subscription_pending_bytes: usize,
    /// Browser client: bytes kept while the WebSocket's own send buffer is over its
    /// high-water mark; past this, publishes and requests are refused with `BufferFull`.
    pub send_buffer_size: usize,
    /// Whether a first connect that fails goes on trying (see
    /// [`ConnectOptions::retry_on_initial_connect`]).
    pub retry_on_initial_connect: bool,
    /// The wait before each reconnect attempt, in place of `reconnect_wait` and
    /// `reconnect_jitter` (see [`ConnectOptions::reconnect_delay_callback`]).
    pub reconnect_delay_callback: Option<ReconnectDelayCallback>,
    /// Browser client: how long a request waits for its reply when it is not given a timeout
    /// of its own; `None` waits until the reply comes or the connection closes. Default 10 s,
    /// as async-nats.
    pub request_timeout: Option<Duration>,
}

/// The default [`ConnectOptions::auth_callback_timeout`]: below nats-server's default
/// authentication timeout (2 s), so a slow callback fails here, typed, before the server
/// refuses the connection.
pub const DEFAULT_AUTH_CALLBACK_TIMEOUT: Duration = Duration::from_millis(1500);

/// The longest any timeout, wait or interval is taken to be (about ten years): longer ones,
/// `Duration::MAX` included, are cut to it, so every deadline stays representable.
pub const MAX_WAIT: Duration = Duration::from_secs(10 * 365 * 24 * 3600);

impl Default for ConnectOptions {
    fn default() -> Self {
        ConnectOptions {
            servers: Vec::new(),
            name: None,
            auth: Auth::None,
            echo: true,
            ping_interval: Duration::from_secs(120),
            max_pings_out: 2,
            connection_timeout: Duration::from_secs(10),
            drain_timeout: Duration::from_secs(30),
            inbox_prefix: "_INBOX".into(),
            auth_callback_timeout: DEFAULT_AUTH_CALLBACK_TIMEOUT,
            trace: false,
            max_reconnects: Some(60),
            reconnect_wait: Duration::from_secs(2),
            reconnect_jitter: Duration::from_millis(100),
            reconnect_buffer_size: 8 * 1024 * 1024,
            max_control_line: crate::proto::validate::DEFAULT_MAX_CONTROL_LINE,
            randomize: true,
            ignore_discovered_servers: false,
            lame_duck_window: Duration::from_secs(10),
            // async-nats's default subscription capacity. nats.go's 512k messages / 64 MiB
            // suit a server process; a tab runs several subscriptions in a few hundred MB.
            subscription_capacity: 65_536,
            subscription_pending_bytes: 16 * 1024 * 1024,
            send_buffer_size: 8 * 1024 * 1024,
            retry_on_initial_connect: false,
            reconnect_delay_callback: None,
            request_timeout: Some(Duration::from_secs(10)),
        }
    }
}

impl ConnectOptions {
    /// The NATS defaults: no credentials, echo on, PING every 2 minutes, stale after 2 missed.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the servers to connect to, e.g. `["ws://127.0.0.1:4280"]`.
    pub fn servers<S: Into<String>>(mut self, servers: impl IntoIterator<Item = S>) -> Self {
        self.servers = servers.into_iter().map(Into::into).collect();
        self
    }

    /// Reports every operation sent and received as a trace event.
    pub fn trace(mut self, on: bool) -> Self {
        self.trace = on;
        self
    }

    /// Sets the client name.
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// Authenticates with a token.
    pub fn token(mut self, token: impl Into<String>) -> Self {
        self.auth = Auth::Token(token.into());
        self
    }

    /// Authenticates with a user name and password.
    pub fn user_and_password(
        mut self,
        user: impl Into<String>,
        password: impl Into<String>,
    ) -> Self {
        self.auth = Auth::UserPassword {
            user: user.into(),
            password: password.into(),
        };
        self
    }

    /// Authenticates with an NKey seed.
    pub fn nkey(mut self, seed: impl Into<String>) -> Self {
        self.auth = Auth::NKey { seed: seed.into() };
        self
    }

    /// Authenticates with a user JWT and the NKey seed of its user (async-nats `with_jwt`,
    /// with the seed in place of a signing callback: the nonce is signed here).
    pub fn jwt(mut self, jwt: impl Into<String>, seed: impl Into<String>) -> Self {
        self.auth = Auth::Jwt {
            jwt: jwt.into(),
            seed: seed.into(),
        };
        self
    }

    /// Authenticates with the text of a `.creds` file (its user JWT and NKey seed blocks), as
    /// async-nats `credentials`; refused with a typed error when the text has no such blocks.
    pub fn credentials(self, creds: &str) -> Result<Self, super::CredentialsError> {
        let (jwt, seed) = super::credentials::parse_creds(creds)?;
        Ok(self.jwt(jwt, seed))
    }

    /// Asks the owner for credentials on every connect ([`Auth::Callback`]), waiting at most
    /// `timeout` for each answer.
    pub fn auth_callback(mut self, timeout: Duration) -> Self {
        self.auth = Auth::Callback;
        self.auth_callback_timeout = timeout;
        self
    }

    /// Sets how long each answer of the auth callback may take (default 1.5 s; see
    /// [`ConnectOptions::auth_callback_timeout`](ConnectOptions#structfield.auth_callback_timeout)).
    pub fn auth_callback_timeout(mut self, timeout: Duration) -> Self {
        self.auth_callback_timeout = timeout;
        self
    }

    /// Sets how many reconnect attempts to make after a loss: `.max_reconnects(5)`, or
    /// `.max_reconnects(None)` to try forever (as async-nats takes it).
    pub fn max_reconnects(mut self, max: impl Into<Option<usize>>) -> Self {
        self.max_reconnects = max.into().map(|n| u32::try_from(n).unwrap_or(u32::MAX));
        self
    }

    /// Sets the wait between reconnect attempts.
    pub fn reconnect_wait(mut self, wait: Duration) -> Self {
        self.reconnect_wait = wait;
        self
    }

    /// Sets the most random jitter added to each reconnect wait.
    pub fn reconnect_jitter(mut self, jitter: Duration) -> Self {
        self.reconnect_jitter = jitter;
        self
    }

    /// Sets the size of the buffer for publishes made while disconnected.
    pub fn reconnect_buffer_size(mut self, bytes: usize) -> Self {
        self.reconnect_buffer_size = bytes;
        self
    }

    /// Sets the longest control line the server takes (its `max_control_line`; see
    /// [`ConnectOptions::max_control_line`]).
    pub fn max_control_line(mut self, bytes: usize) -> Self {
        self.max_control_line = bytes;
        self
    }

    /// Turns shuffling of the server list on or off.
    pub fn randomize(mut self, on: bool) -> Self {
        self.randomize = on;
        self
    }

    /// Ignores (or uses) servers announced by the cluster.
    pub fn ignore_discovered_servers(mut self, ignore: bool) -> Self {
        self.ignore_discovered_servers = ignore;
        self
    }

    /// Sets the default pending limits of every subscription (browser client).
    pub fn subscription_pending_limits(mut self, messages: usize, bytes: usize) -> Self {
        self.subscription_capacity = messages;
        self.subscription_pending_bytes = bytes;
        self
    }

    /// Sets how many messages every subscription holds unread before new ones are dropped
    /// (browser client; async-nats' name; the byte limit stays as it is).
    pub fn subscription_capacity(mut self, messages: usize) -> Self {
        self.subscription_capacity = messages;
        self
    }

    /// Sets how long a request waits for its reply unless it is given its own timeout
    /// (browser client; `None`: until the reply comes or the connection closes).
    pub fn request_timeout(mut self, timeout: Option<Duration>) -> Self {
        self.request_timeout = timeout;
        self
    }

    /// Sets the bytes kept while the WebSocket is not taking them (browser client).
    pub fn send_buffer_size(mut self, bytes: usize) -> Self {
        self.send_buffer_size = bytes;
        self
    }

    /// Turns echo of our own publishes on or off.
    pub fn echo(mut self, echo: bool) -> Self {
        self.echo = echo;
        self
    }

    /// The same options with every duration at most [`MAX_WAIT`] (so that no deadline
    /// overflows: `Duration::MAX` means "as long as possible", not a panic) and at least one
    /// missed PING allowed. Applied by [`super::Connection::new`].
    pub(super) fn within_limits(mut self) -> Self {
        for d in [
            &mut self.ping_interval,
            &mut self.connection_timeout,
            &mut self.drain_timeout,
            &mut self.reconnect_wait,
            &mut self.reconnect_jitter,
            &mut self.lame_duck_window,
            &mut self.auth_callback_timeout,
        ] {
            *d = (*d).min(MAX_WAIT);
        }
        self.max_pings_out = self.max_pings_out.max(1);
        self
    }

    /// Sets the keepalive interval; zero sends no keepalive PINGs.
    pub fn ping_interval(mut self, interval: Duration) -> Self {
        self.ping_interval = interval;
        self
    }

    /// Sets how many PINGs may be unanswered before the connection is stale.
    pub fn max_pings_out(mut self, max: u32) -> Self {
        self.max_pings_out = max;
        self
    }

    /// The same as [`ConnectOptions::connection_timeout`] (this crate's name for it before
    /// it took async-nats's).
    pub fn connect_timeout(self, timeout: Duration) -> Self {
        self.connection_timeout(timeout)
    }

    /// Sets the time a connection drain may take.
    pub fn drain_timeout(mut self, timeout: Duration) -> Self {
        self.drain_timeout = timeout;
        self
    }

    /// Sets the longest random wait before leaving a server in lame-duck mode (default 10 s).
    pub fn lame_duck_window(mut self, window: Duration) -> Self {
        self.lame_duck_window = window;
        self
    }

    /// Sets the prefix of request inboxes (default `_INBOX`). It must be a literal subject
    /// (non-empty tokens, no wildcards, no whitespace) short enough for the inbox's `SUB`
    /// line to fit [`ConnectOptions::max_control_line`] (with the default, 4044 bytes);
    /// otherwise the connection closes at once with
    /// [`super::CloseReason::InvalidInboxPrefix`] and sends nothing.
    pub fn inbox_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.inbox_prefix = prefix.into();
        self
    }
}

/// A user's reconnect policy: given the number of the attempt about to be made (1 for the
/// first since the connection was last up, as async-nats counts), the wait before it. Set
/// with [`ConnectOptions::reconnect_delay_callback`]; clones share the function.
#[derive(Clone)]
pub struct ReconnectDelayCallback(Arc<dyn Fn(usize) -> Duration + Send + Sync>);

impl ReconnectDelayCallback {
    /// Wraps `f`.
    pub fn new(f: impl Fn(usize) -> Duration + Send + Sync + 'static) -> Self {
        ReconnectDelayCallback(Arc::new(f))
    }

    /// The wait before attempt `attempts`, at most [`MAX_WAIT`].
    pub fn delay(&self, attempts: usize) -> Duration {
        (self.0)(attempts).min(MAX_WAIT)
    }
}

impl fmt::Debug for ReconnectDelayCallback {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ReconnectDelayCallback(..)")
    }
}

/// Two callbacks are equal when they are the same function (clones of one callback).
impl PartialEq for ReconnectDelayCallback {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

impl Eq for ReconnectDelayCallback {}

/// The options of issue 10's user API: named as async-nats names them.
impl ConnectOptions {
    /// Turns echo off: the server does not send this connection's own publishes to its own
    /// subscriptions (other connections still get them). It needs a server that speaks
    /// protocol 1 or later (INFO `proto`); an older one is not sent `CONNECT`: the attempt
    /// fails with [`super::CloseReason::NoEchoNotSupported`] and the next server is tried
    /// (closing with it when none is left) rather than receiving its own messages.
    pub fn no_echo(self) -> Self {
        self.echo(false)
    }

    /// Sets the time allowed from opening a transport to the server's first PONG: the
    /// WebSocket opening, the server's INFO and the CONNECT/PING exchange (async-nats's
    /// `connection_timeout` bounds the TCP connect; a browser gives no separate step for
    /// it, so here it bounds the whole way to a usable connection). Past it the attempt
    /// fails with [`super::CloseReason::ConnectTimeout`] and the next server is tried.
    /// Default 10 s.
    pub fn connection_timeout(mut self, timeout: Duration) -> Self {
        self.connection_timeout = timeout;
        self
    }

    /// Keeps trying when the first connect fails (nats.js `waitOnFirstConnect`, nats.go
    /// `RetryOnFailedConnect`): the server list is tried again and again, with the waits of
    /// a reconnect and up to [`ConnectOptions::max_reconnects`] attempts, reported as
    /// [`super::Event::Disconnected`] and [`super::Event::Reconnecting`]; once a server
    /// answers, [`super::Event::Connected`] follows. Without it, a first connect that fails
    /// on every server closes the connection. Subscriptions and publishes made meanwhile
    /// wait for the connection, as while reconnecting.
    pub fn retry_on_initial_connect(mut self) -> Self {
        self.retry_on_initial_connect = true;
        self
    }

    /// Decides the wait before each reconnect attempt: `f(attempts)` is called with the
    /// number of the attempt about to be made (1 for the first after a loss) and its result,
    /// at most [`MAX_WAIT`], replaces `reconnect_wait`, `reconnect_jitter`, the doubling
    /// after refused credentials and the once-per-wait pacing of each server. E.g.
    /// `|n| Duration::from_millis(100 * n as u64).min(Duration::from_secs(5))`.
    pub fn reconnect_delay_callback(
        mut self,
        f: impl Fn(usize) -> Duration + Send + Sync + 'static,
    ) -> Self {
        self.reconnect_delay_callback = Some(ReconnectDelayCallback::new(f));
        self
    }
}
