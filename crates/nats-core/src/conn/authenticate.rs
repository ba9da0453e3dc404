//! Which credentials go into `CONNECT`: checked before they are sent, asked of the owner on
//! every connect with [`Auth::Callback`], and refused like a server refusal (the next attempt
//! backs off) when they cannot be used; and a server's refusal of an expired JWT, told apart.

use std::time::Duration;

use super::credentials::CredentialsError;
use super::{jwt, nkey, Auth, CloseReason, Connection, Event, ServerError, ServerErrorKind};
use crate::proto::{ConnectInfo, ServerInfo};
use crate::time::Instant;

impl Connection {
    /// Tells the connection the wall-clock time: `since_epoch` (since 1970-01-01 UTC) at
    /// `now`. With it, when the server refuses a user JWT whose `exp` has come by this clock,
    /// the refusal is reported as [`CredentialsError::JwtExpired`] (and backs off like any
    /// refusal); without it, as the server's words. The JWT is always sent: only the server's
    /// clock decides expiry. Later times are extrapolated from `now` with the connection's
    /// own clock.
    pub fn set_wall_clock(&mut self, now: Instant, since_epoch: Duration) {
        self.wall_clock = Some((now, since_epoch));
    }

    /// The wall clock at `now`, in whole seconds since 1970, if the owner gave one.
    fn unix_now(&self, now: Instant) -> Option<u64> {
        let (at, since_epoch) = self.wall_clock?;
        Some(
            since_epoch
                .saturating_add(now.saturating_duration_since(at))
                .as_secs(),
        )
    }

    /// Answers [`Event::CredentialsNeeded`]: the credentials for this attempt's `CONNECT`, or
    /// why there are none (the attempt then fails with
    /// [`CredentialsError::AuthCallbackFailed`] and the next one backs off). Ignored when no
    /// answer is awaited (it came too late: the attempt already failed, or the connection
    /// closed).
    pub fn provide_credentials(&mut self, now: Instant, credentials: Result<Auth, String>) {
        let Some((info, _, _)) = self.awaiting_credentials.take() else {
            return;
        };
        match credentials {
            Ok(Auth::Callback) => self.credentials_refused(
                now,
                CredentialsError::AuthCallbackFailed(
                    "it answered with Auth::Callback, which is no credential".into(),
                ),
            ),
            Ok(auth) => self.send_connect(now, info, &auth),
            Err(why) => self.credentials_refused(now, CredentialsError::AuthCallbackFailed(why)),
        }
    }

    /// After INFO: `CONNECT` with the configured credentials, or, with [`Auth::Callback`],
    /// ask the owner first. The answer is awaited for `auth_callback_timeout`, but never past
    /// the attempt's connect deadline: a callback that hangs fails as itself, with the
    /// backoff of a refusal, not as a connect timeout.
    pub(super) fn authenticate(&mut self, now: Instant, info: ServerInfo) {
        if let Some((waiting, _, _)) = self.awaiting_credentials.as_mut() {
            *waiting = info; // a newer INFO before CONNECT: sign its nonce
            return;
        }
        if self.options.auth == Auth::Callback {
            let mut deadline = now + self.options.auth_callback_timeout;
            if let Some(connect_deadline) = self.connect_deadline {
                deadline = deadline.min(connect_deadline);
            }
            self.events.push_back(Event::CredentialsNeeded {
                nonce: info.nonce.clone(),
            });
            let waited = deadline.saturating_duration_since(now);
            self.awaiting_credentials = Some((info, deadline, waited));
            return;
        }
        let auth = self.options.auth.clone();
        self.send_connect(now, info, &auth);
    }

    /// Fails the attempt when the owner's answer is overdue. Called before the connect
    /// deadline is checked, so that at a shared deadline the callback is named.
    pub(super) fn expire_credentials_wait(&mut self, now: Instant) {
        if let Some((_, _, waited)) = self.awaiting_credentials.take_if(|(_, at, _)| *at <= now) {
            let timeout_ms = u64::try_from(waited.as_millis()).unwrap_or(u64::MAX);
            self.credentials_refused(now, CredentialsError::AuthCallbackTimedOut { timeout_ms });
        }
    }

    /// Credentials that cannot be used on this attempt: it fails as if the server had
    /// refused them, so the next one backs off.
    pub(super) fn credentials_refused(&mut self, now: Instant, error: CredentialsError) {
        self.auth_failures += 1;
        self.transport_lost(now, CloseReason::InvalidCredentials(error));
    }

    /// The reason a fatal `-ERR` gives: the server's words, unless it refused (an
    /// authorization violation, or "User Authentication Expired") a user JWT whose `exp` has
    /// come by the owner's wall clock: then [`CredentialsError::JwtExpired`].
    pub(super) fn refusal_reason(&self, now: Instant, error: ServerError) -> CloseReason {
        let about_credentials = matches!(
            error.kind,
            ServerErrorKind::AuthorizationViolation | ServerErrorKind::AuthenticationExpired
        );
        if let (true, Some(expired_at), Some(now)) =
            (about_credentials, self.sent_jwt_exp, self.unix_now(now))
        {
            if jwt::is_expired(expired_at, now) {
                return CloseReason::InvalidCredentials(CredentialsError::JwtExpired {
                    expired_at,
                    now,
                });
            }
        }
        CloseReason::Server(error)
    }

    /// Fills in the credentials of `connect` from `auth`, signing `nonce` where needed, and
    /// notes the expiry of the JWT it carries.
    pub(super) fn add_credentials(
        &mut self,
        _now: Instant,
        connect: &mut ConnectInfo,
        auth: &Auth,
        nonce: &str,
    ) -> Result<(), CredentialsError> {
        self.sent_jwt_exp = None;
        match auth {
            Auth::None | Auth::Callback => {}
            Auth::Token(t) => connect.auth_token = Some(t.clone()),
            Auth::UserPassword { user, password } => {
                connect.user = Some(user.clone());
                connect.pass = Some(password.clone());
            }
            Auth::NKey { seed } => {
                let (nkey, sig) =
                    nkey::sign_nonce(seed, nonce).map_err(CredentialsError::InvalidSeed)?;
                connect.nkey = Some(nkey);
                connect.sig = Some(sig);
            }
            Auth::Jwt { jwt, seed } => {
                let (jwt, sig, exp) = jwt::connect_fields(jwt, seed, nonce)?;
                connect.jwt = Some(jwt);
                connect.sig = Some(sig);
                self.sent_jwt_exp = exp;
            }
            Auth::Signed {
                jwt,
                nkey,
                signature,
            } => {
                let exp = check_signed(jwt.as_deref(), nkey.as_deref())?;
                let sig = nkey::encode_signature(signature)
                    .map_err(CredentialsError::InvalidSignedCredentials)?;
                connect.jwt = jwt.as_deref().map(|j| j.trim().to_owned());
                connect.nkey = nkey.as_deref().map(|k| k.trim().to_owned());
                connect.sig = Some(sig);
                self.sent_jwt_exp = exp;
            }
        }
        Ok(())
    }
}

/// What can be told about `auth` without a server or a clock: a seed that cannot be used, a
/// JWT that cannot be read, a seed that is not the JWT's user, a nonce signature given before
/// there is a nonce.
pub(super) fn check_static(auth: &Auth) -> Result<(), CredentialsError> {
    match auth {
        Auth::NKey { seed } => nkey::public_key(seed)
            .map(drop)
            .map_err(CredentialsError::InvalidSeed),
        Auth::Jwt { jwt, seed } => jwt::check_user_jwt(jwt, seed),
        // A signature answers one server's nonce: in the options it would be sent, stale, to
        // every server and refused each time.
        Auth::Signed { .. } => Err(CredentialsError::InvalidSignedCredentials(
            "Auth::Signed answers one server's nonce: give it from the auth callback \
             (Event::CredentialsNeeded), not in the options"
                .into(),
        )),
        Auth::None | Auth::Token(_) | Auth::UserPassword { .. } | Auth::Callback => Ok(()),
    }
}

/// Checks the JWT and NKey of [`Auth::Signed`] (at least one, each usable); gives the JWT's
/// expiry.
fn check_signed(jwt: Option<&str>, nkey: Option<&str>) -> Result<Option<u64>, CredentialsError> {
    let invalid = CredentialsError::InvalidSignedCredentials;
    if jwt.is_none() && nkey.is_none() {
        return Err(invalid(
            "neither a user JWT nor an NKey: the server cannot tell whose signature it is".into(),
        ));
    }
    let nkey = nkey.map(str::trim);
    if let Some(key) = nkey {
        nkey::check_user_public_key(key).map_err(invalid)?;
    }
    let Some(jwt) = jwt else { return Ok(None) };
    let claims = jwt::claims(jwt).map_err(|e| invalid(e.to_string()))?;
    let Some(subject) = claims.sub.as_deref() else {
        return Err(invalid("the user JWT's claims have no `sub`".into()));
    };
    if let Some(key) = nkey.filter(|key| *key != subject) {
        return Err(invalid(format!(
            "the NKey {key} is not the JWT's user {subject}: the server checks the signature \
             against the JWT's user"
        )));
    }
    Ok(jwt::expiry(&claims))
}
