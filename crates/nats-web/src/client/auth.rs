//! The auth callback: an async function the client calls on every connect and reconnect for
//! the credentials (as nats.js takes functions, so a page can fetch them from its backend).
//!
//! The core cannot wait on a future: with [`Auth::Callback`] it reports
//! [`Event::CredentialsNeeded`](nats_core::conn::Event::CredentialsNeeded) after the server's
//! INFO and waits, at most [`ConnectOptions::auth_callback_timeout`], for the answer. The
//! client runs the callback's future, given the nonce of the event, and hands its result to
//! the core. A future that never
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

/// An async function that gives the credentials for one connect, given the server's nonce
/// (empty when the server sent none; async-nats passes it the same way): a token, user and
/// password, an NKey seed or a user JWT and seed (the client signs the nonce itself), or
/// [`Auth::Signed`] with the nonce signed elsewhere, e.g. by the page's backend, so that the
/// seed never reaches the page. The connection keeps it as long as it lives: it should not
/// hold the [`Client`] it is for (that would keep the connection alive forever).
pub type AuthCallback = Rc<dyn Fn(Vec<u8>) -> AuthFuture>;

/// Connects like [`super::connect`], asking `callback` for the credentials on every connect
/// and reconnect, with that connection's nonce (async-nats `with_auth_callback`, nats.js
/// `authenticator`). Each answer must come within
/// [`ConnectOptions::auth_callback_timeout`](ConnectOptions#structfield.auth_callback_timeout)
/// (default 1.5 s, under the server's own 2 s `auth_timeout`) and within the attempt's
/// `connection_timeout`; otherwise, or when it is an `Err`, that attempt fails with a typed
/// error and the next one backs off (on the first connect,
/// [`ConnectErrorKind::AuthCallbackFailed`](super::ConnectErrorKind::AuthCallbackFailed)).
///
/// A token from the page's backend:
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
/// let client = connect_with_auth_callback(options, |_nonce| async {
///     fetch_token_from_backend().await.map(Auth::Token)
/// })
/// .await?;
/// # Ok(()) }
/// ```
///
/// A user JWT whose seed stays on the backend, which signs each nonce:
///
/// ```no_run
/// use nats_web::client::connect_with_auth_callback;
/// use nats_web::{Auth, ConnectOptions};
///
/// /// E.g. a `fetch` POSTing the nonce to the page's own /nats-sign: the user JWT and the
/// /// nonce's ed25519 signature (64 bytes).
/// async fn backend_signs(nonce: Vec<u8>) -> Result<(String, Vec<u8>), String> {
///     # let _ = nonce;
///     unimplemented!()
/// }
///
/// # async fn run() -> Result<(), nats_web::ConnectError> {
/// let options = ConnectOptions::new().servers(["wss://nats.example.com"]);
/// let client = connect_with_auth_callback(options, |nonce| async move {
///     let (jwt, signature) = backend_signs(nonce).await?;
///     Ok(Auth::Signed { jwt: Some(jwt), nkey: None, signature })
/// })
/// .await?;
/// # Ok(()) }
/// ```
pub async fn connect_with_auth_callback<F, Fut>(
    options: ConnectOptions,
    callback: F,
) -> Result<Client, ConnectError>
where
    F: Fn(Vec<u8>) -> Fut + 'static,
    Fut: Future<Output = Result<Auth, String>> + 'static,
{
    let timeout = options.auth_callback_timeout;
    let callback: AuthCallback = Rc::new(move |nonce| Box::pin(callback(nonce)) as AuthFuture);
    connect_inner(options.auth_callback(timeout), None, Some(callback)).await
}

/// The callback's answer, or `None` once its attempt is over (its sender was dropped). The
/// cancel is looked at first: an answer that comes in the same turn as the end of its
/// attempt belongs to that attempt, and must not be taken for the next one's.
pub(crate) struct UntilCanceled {
    pub answer: AuthFuture,
    pub canceled: OneshotReceiver<()>,
}

impl Future for UntilCanceled {
    type Output = Option<Result<Auth, String>>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        if Pin::new(&mut self.canceled).poll(cx).is_ready() {
            return Poll::Ready(None);
        }
        if let Poll::Ready(answer) = self.answer.as_mut().poll(cx) {
            return Poll::Ready(Some(answer));
        }
        Poll::Pending
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::client::channel::oneshot;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    fn poll_once(future: &mut UntilCanceled) -> Poll<Option<Result<Auth, String>>> {
        Pin::new(future).poll(&mut Context::from_waker(futures::task::noop_waker_ref()))
    }

    #[test]
    fn an_answer_ready_when_its_attempt_is_over_is_not_given_to_anyone() {
        let (attempt, canceled) = oneshot::<()>();
        let answer: AuthFuture = Box::pin(async { Ok(Auth::Token("stale".into())) });
        let mut waiting = UntilCanceled { answer, canceled };
        drop(attempt); // the attempt ended in the same turn the answer came
        assert_eq!(poll_once(&mut waiting), Poll::Ready(None));
    }

    #[test]
    fn an_answer_within_its_attempt_is_given() {
        let (attempt, canceled) = oneshot::<()>();
        let answer: AuthFuture = Box::pin(async { Ok(Auth::Token("fresh".into())) });
        let mut waiting = UntilCanceled { answer, canceled };
        assert_eq!(
            poll_once(&mut waiting),
            Poll::Ready(Some(Ok(Auth::Token("fresh".into()))))
        );
        drop(attempt);
    }

    #[test]
    fn connect_with_auth_callback_options_but_no_callback_is_refused_at_once_as_invalid_options() {
        let options = ConnectOptions::new()
            .servers(["ws://127.0.0.1:1"])
            .auth_callback(std::time::Duration::from_secs(1));
        let refused = futures::executor::block_on(crate::client::connect(options))
            .err()
            .expect("refused");
        assert_eq!(
            refused.kind(),
            crate::client::ConnectErrorKind::InvalidOptions
        );
        assert!(
            refused.to_string().contains("connect_with_auth_callback"),
            "{refused}"
        );
    }
}
