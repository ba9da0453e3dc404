//! Which credentials go into `CONNECT`: checked before they are sent, asked of the owner on
//! every connect with [`Auth::Callback`], and refused like a server refusal (the next attempt
//! backs off) when they cannot be used.

use std::time::Duration;

use super::credentials::CredentialsError;
use super::{jwt, nkey, Auth, CloseReason, Connection, Event};
use crate::proto::{ConnectInfo, ServerInfo};
use crate::time::Instant;

impl Connection {
    /// Tells the connection the wall-clock time: `since_epoch` (since 1970-01-01 UTC) at
    /// `now`. With it, a user JWT whose `exp` has come is refused before it is sent
    /// ([`CredentialsError::JwtExpired`]); without it, only the server judges expiry. Later
    /// times are extrapolated from `now` with the connection's own clock.
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
        let Some((info, _)) = self.awaiting_credentials.take() else {
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
    /// ask the owner first.
    pub(super) fn authenticate(&mut self, now: Instant, info: ServerInfo) {
        if let Some((waiting, _)) = self.awaiting_credentials.as_mut() {
            *waiting = info; // a newer INFO before CONNECT: sign its nonce
            return;
        }
        if self.options.auth == Auth::Callback {
            let deadline = now + self.options.auth_callback_timeout;
            self.events.push_back(Event::CredentialsNeeded {
                nonce: info.nonce.clone(),
            });
            self.awaiting_credentials = Some((info, deadline));
            return;
        }
        let auth = self.options.auth.clone();
        self.send_connect(now, info, &auth);
    }

    /// Fails the attempt when the owner's answer is overdue.
    pub(super) fn expire_credentials_wait(&mut self, now: Instant) {
        if self
            .awaiting_credentials
            .as_ref()
            .is_some_and(|(_, at)| *at <= now)
        {
            self.awaiting_credentials = None;
            let timeout = self.options.auth_callback_timeout;
            let timeout_ms = u64::try_from(timeout.as_millis()).unwrap_or(u64::MAX);
            self.credentials_refused(now, CredentialsError::AuthCallbackTimedOut { timeout_ms });
        }
    }

    /// Credentials that cannot be used on this attempt: it fails as if the server had
    /// refused them, so the next one backs off.
    pub(super) fn credentials_refused(&mut self, now: Instant, error: CredentialsError) {
        self.auth_failures += 1;
        self.transport_lost(now, CloseReason::InvalidCredentials(error));
    }

    /// Fills in the credentials of `connect` from `auth`, signing `nonce` where needed.
    pub(super) fn add_credentials(
        &self,
        now: Instant,
        connect: &mut ConnectInfo,
        auth: &Auth,
        nonce: &str,
    ) -> Result<(), CredentialsError> {
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
                let (jwt, sig) = jwt::connect_fields(jwt, seed, nonce, self.unix_now(now))?;
                connect.jwt = Some(jwt);
                connect.sig = Some(sig);
            }
        }
        Ok(())
    }
}

/// What can be told about `auth` without a server or a clock: a seed that cannot be used, a
/// JWT that cannot be read, a seed that is not the JWT's user.
pub(super) fn check_static(auth: &Auth) -> Result<(), CredentialsError> {
    match auth {
        Auth::NKey { seed } => nkey::public_key(seed)
            .map(drop)
            .map_err(CredentialsError::InvalidSeed),
        Auth::Jwt { jwt, seed } => jwt::check_user_jwt(jwt, seed, None),
        Auth::None | Auth::Token(_) | Auth::UserPassword { .. } | Auth::Callback => Ok(()),
    }
}
