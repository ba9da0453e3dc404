//! The auth callback: an async function the client calls on every connect and reconnect for
//! the credentials (as nats.js takes functions, so a page can fetch them from its backend).
//!
//! The core cannot wait on a future: with [`Auth::Callback`] it reports
//! [`Event::CredentialsNeeded`](nats_core::conn::Event::CredentialsNeeded) after the server's
//! INFO and waits, at most [`ConnectOptions::auth_callback_timeout`], for the answer. The
//! client runs the callback's future and hands its result to the core. A future that never
//! resolves cannot hold up reconnects: the attempt fails with
//! [`CredentialsError::AuthCallbackTimedOut`](nats_core::conn::CredentialsError), the next
//! one backs off, and the stale future is dropped once its attempt is over.

use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};

use nats_core::conn::{Auth, ConnectOptions};

use super::channel::OneshotReceiver;
use super::{connect_inner, Client, ConnectError};

/// The future an [`AuthCallback`] returns: the credentials, or why there are none.
pub type AuthFuture = Pin<Box<dyn Future<Output = Result<Auth, String>>>>;

/// An async function that gives the credentials for one connect: a token, user and password,
/// an NKey seed or a user JWT and seed (the client signs the server's nonce itself). The
/// connection keeps it as long as it lives: it should not hold the [`Client`] it is for (that
/// would keep the connection alive forever).
pub type AuthCallback = Rc<dyn Fn() -> AuthFuture>;

/// Connects like [`super::connect`], asking `callback` for the credentials on every connect
/// and reconnect (async-nats `with_auth_callback`, nats.js authenticator functions). Each
/// answer must come within [`ConnectOptions::auth_callback_timeout`] (default 5 s; mind the
/// server's own `auth_timeout`, 2 s by default); otherwise, or when it is an `Err`, that
/// attempt fails with a typed error and the next one backs off (on the first connect,
/// [`ConnectErrorKind::AuthCallbackFailed`](super::ConnectErrorKind::AuthCallbackFailed)).
///
/// ```no_run
/// use nats_web::client::connect_with_auth_callback;
/// use nats_web::{Auth, ConnectOptions};
///
/// async fn fetch_token_from_backend() -> Result<String, String> {
///     Ok("s3cr3t-token".into()) // e.g. a `fetch` of the page's own /nats-token
/// }
///
/// # async fn run() -> Result<(), nats_web::ConnectError> {
/// let options = ConnectOptions::new().servers(["wss://nats.example.com"]);
/// let client = connect_with_auth_callback(options, || async {
///     fetch_token_from_backend().await.map(Auth::Token)
/// })
/// .await?;
/// # Ok(()) }
/// ```
pub async fn connect_with_auth_callback<F, Fut>(
    options: ConnectOptions,
    callback: F,
) -> Result<Client, ConnectError>
where
    F: Fn() -> Fut + 'static,
    Fut: Future<Output = Result<Auth, String>> + 'static,
{
    let timeout = options.auth_callback_timeout;
    let callback: AuthCallback = Rc::new(move || Box::pin(callback()) as AuthFuture);
    connect_inner(options.auth_callback(timeout), None, Some(callback)).await
}

/// The callback's answer, or `None` once its attempt is over (its sender was dropped).
pub(crate) struct UntilCanceled {
    pub answer: AuthFuture,
    pub canceled: OneshotReceiver<()>,
}

impl Future for UntilCanceled {
    type Output = Option<Result<Auth, String>>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        if let Poll::Ready(answer) = self.answer.as_mut().poll(cx) {
            return Poll::Ready(Some(answer));
        }
        if Pin::new(&mut self.canceled).poll(cx).is_ready() {
            return Poll::Ready(None);
        }
        Poll::Pending
    }
}
