//! The names async-nats users type, for the options that this crate names after nats.go or
//! nats.js: each is the same setting as the method it points to.

use super::credentials::CredentialsError;
use super::ConnectOptions;

impl ConnectOptions {
    /// async-nats' `ConnectOptions::with_token`: [`ConnectOptions::new`] with
    /// [`ConnectOptions::token`].
    pub fn with_token(token: impl Into<String>) -> Self {
        Self::new().token(token)
    }

    /// async-nats' `ConnectOptions::with_user_and_password`: [`ConnectOptions::new`] with
    /// [`ConnectOptions::user_and_password`].
    pub fn with_user_and_password(user: impl Into<String>, password: impl Into<String>) -> Self {
        Self::new().user_and_password(user, password)
    }

    /// async-nats' `ConnectOptions::with_nkey`: [`ConnectOptions::new`] with
    /// [`ConnectOptions::nkey`].
    pub fn with_nkey(seed: impl Into<String>) -> Self {
        Self::new().nkey(seed)
    }

    /// async-nats' `ConnectOptions::with_credentials` (the `.creds` text itself: a page has
    /// no files): [`ConnectOptions::new`] with [`ConnectOptions::credentials`].
    pub fn with_credentials(creds: &str) -> Result<Self, CredentialsError> {
        Self::new().credentials(creds)
    }

    /// async-nats' `custom_inbox_prefix`: [`ConnectOptions::inbox_prefix`].
    pub fn custom_inbox_prefix(self, prefix: impl Into<String>) -> Self {
        self.inbox_prefix(prefix)
    }

    /// async-nats' `retain_servers_order`: servers are tried in the order given
    /// ([`ConnectOptions::randomize`] off).
    pub fn retain_servers_order(self) -> Self {
        self.randomize(false)
    }
}

#[cfg(test)]
mod tests {
    use super::super::Auth;
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn the_async_nats_names_set_the_same_options_as_ours() {
        assert_eq!(
            ConnectOptions::with_token("t"),
            ConnectOptions::new().token("t")
        );
        assert_eq!(
            ConnectOptions::with_user_and_password("u", "p").auth,
            Auth::UserPassword {
                user: "u".into(),
                password: "p".into()
            }
        );
        assert_eq!(
            ConnectOptions::with_nkey("SU...").auth,
            ConnectOptions::new().nkey("SU...").auth
        );
        assert!(ConnectOptions::with_credentials("no blocks here").is_err());
        assert_eq!(
            ConnectOptions::new()
                .custom_inbox_prefix("_MINE")
                .inbox_prefix,
            "_MINE"
        );
        assert!(!ConnectOptions::new().retain_servers_order().randomize);
    }

    #[test]
    fn max_reconnects_takes_a_count_or_none_as_async_nats_does() {
        assert_eq!(
            ConnectOptions::new().max_reconnects(5).max_reconnects,
            Some(5)
        );
        assert_eq!(
            ConnectOptions::new().max_reconnects(None).max_reconnects,
            None
        );
        assert_eq!(
            ConnectOptions::new()
                .max_reconnects(usize::MAX)
                .max_reconnects,
            Some(u32::MAX)
        );
    }
}
