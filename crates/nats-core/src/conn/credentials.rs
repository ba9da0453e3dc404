//! Credentials that can be refused before anything reaches the server (`.creds` text that
//! cannot be read, an NKey seed or user JWT that cannot be used, a seed that does not belong
//! to the JWT, an owner that did not answer [`super::Event::CredentialsNeeded`]), and a
//! server's refusal of a JWT that has expired.

/// Why credentials could not be used. The connection sends no `CONNECT` with them, except
/// for [`CredentialsError::JwtExpired`], which is the server's refusal explained.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CredentialsError {
    /// `.creds` text holds no `-----BEGIN NATS USER JWT-----` block (nor any other block).
    #[error("the credentials text holds no user JWT block (-----BEGIN NATS USER JWT-----)")]
    MissingJwt,
    /// `.creds` text holds no block with a user NKey seed (`SU...`).
    #[error("the credentials text holds no user NKey seed block (-----BEGIN USER NKEY SEED-----)")]
    MissingSeed,
    /// The NKey seed cannot be used (not base32, wrong checksum, not a user seed, ...).
    #[error("invalid NKey seed: {0}")]
    InvalidSeed(String),
    /// The user JWT cannot be read (not three base64url parts, claims not JSON, ...).
    #[error("invalid user JWT: {0}")]
    InvalidJwt(String),
    /// The seed is not the user's the JWT was issued to: its public key is not the JWT's
    /// `sub`. (The wrong `.creds` block, or a seed of another user.)
    #[error(
        "the NKey seed does not belong to the user JWT: the seed's public key is {seed_key}, \
         the JWT was issued to {jwt_subject}"
    )]
    SeedDoesNotMatchJwt {
        /// The public key of the seed given.
        seed_key: String,
        /// The `sub` of the JWT.
        jwt_subject: String,
    },
    /// The server refused the user JWT ("Authorization Violation" or "User Authentication
    /// Expired") and its `exp` has come by the wall clock given to
    /// [`super::Connection::set_wall_clock`]: it expired. Get a new one. (The JWT is never
    /// refused by the local clock alone: a clock that runs fast must not keep a user out
    /// whom the server accepts.)
    #[error("the user JWT expired at {expired_at} (unix seconds; the time now is {now})")]
    JwtExpired {
        /// The JWT's `exp`, in seconds since 1970.
        expired_at: u64,
        /// The wall clock when it was checked, in seconds since 1970.
        now: u64,
    },
    /// The owner did not answer [`super::Event::CredentialsNeeded`] within
    /// [`super::ConnectOptions::auth_callback_timeout`] (the browser client: the auth
    /// callback's future did not resolve in time), or before the attempt's
    /// `connection_timeout`, whichever came first. The attempt failed; the next one backs off.
    #[error("the auth callback gave no credentials within {timeout_ms} ms")]
    AuthCallbackTimedOut {
        /// How long it was waited for, in milliseconds.
        timeout_ms: u64,
    },
    /// The owner answered [`super::Event::CredentialsNeeded`] with [`super::Auth::Signed`]
    /// credentials that cannot be sent: a JWT that cannot be read, an NKey that is not a
    /// user's public key, or a signature that is not 64 bytes.
    #[error("the signed credentials cannot be used: {0}")]
    InvalidSignedCredentials(String),
    /// The owner answered [`super::Event::CredentialsNeeded`] with an error (the auth
    /// callback failed). The attempt failed; the next one backs off.
    #[error("the auth callback failed: {0}")]
    AuthCallbackFailed(String),
}

/// The user JWT and NKey seed of a `.creds` file's text, as nats.go reads it: each block is a
/// line of at least three dashes on both ends (`-----BEGIN NATS USER JWT-----`), one line of
/// content, and a closing dashes line. The JWT is the block whose opening line names a `JWT`
/// (else the first block); the seed is the first block whose content starts with `SU`. Blank
/// lines, CRLF line ends, indentation and the prose between blocks are ignored. Never panics.
pub fn parse_creds(text: &str) -> Result<(String, String), CredentialsError> {
    let lines: Vec<&str> = text.lines().map(str::trim).collect();
    let is_marker =
        |line: &str| line.len() >= 6 && line.starts_with("---") && line.ends_with("---");
    // (opening marker, content) of every complete block.
    let mut blocks = Vec::new();
    let mut i = 0;
    while let Some(&line) = lines.get(i) {
        i += 1;
        if !is_marker(line) {
            continue;
        }
        // The content: the next line that is not blank (it must not be a marker itself).
        let mut j = i;
        while lines.get(j).is_some_and(|l| l.is_empty()) {
            j += 1;
        }
        let Some(&content) = lines.get(j) else { break };
        if is_marker(content) {
            continue; // two markers in a row: the second may open a block
        }
        let mut k = j + 1;
        while lines.get(k).is_some_and(|l| l.is_empty()) {
            k += 1;
        }
        if lines.get(k).is_some_and(|l| is_marker(l)) {
            blocks.push((line, content));
            i = k + 1;
        }
    }
    let jwt = blocks
        .iter()
        .find(|(marker, _)| marker.to_ascii_uppercase().contains("JWT"))
        .or_else(|| blocks.first())
        .map(|(_, content)| (*content).to_owned())
        .ok_or(CredentialsError::MissingJwt)?;
    let seed = blocks
        .iter()
        .map(|(_, content)| *content)
        .find(|content| content.starts_with("SU"))
        .map(str::to_owned)
        .ok_or(CredentialsError::MissingSeed)?;
    Ok((jwt, seed))
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    /// The layout `nsc generate creds` writes.
    const CREDS: &str = "-----BEGIN NATS USER JWT-----
eyJ0eXAiOiJKV1QiLCJhbGciOiJlZDI1NTE5LW5rZXkifQ.eyJzdWIiOiJVQUJDIn0.c2ln
------END NATS USER JWT------

************************* IMPORTANT *************************
NKEY Seed printed below can be used to sign and prove identity.
NKEYs are sensitive and should be treated as secrets.

-----BEGIN USER NKEY SEED-----
SUAMLK2ZNL35WSMW37E7UD4VZ7ELPKW7DHC3BWBSD2GCZ7IUQQXZIORRBU
------END USER NKEY SEED------

*************************************************************
";

    #[test]
    fn a_creds_file_gives_its_jwt_and_seed() {
        let (jwt, seed) = parse_creds(CREDS).unwrap();
        assert!(
            jwt.starts_with("eyJ0eXAi") && jwt.ends_with(".c2ln"),
            "{jwt}"
        );
        assert_eq!(
            seed,
            "SUAMLK2ZNL35WSMW37E7UD4VZ7ELPKW7DHC3BWBSD2GCZ7IUQQXZIORRBU"
        );
    }

    #[test]
    fn creds_text_with_crlf_indentation_and_blank_lines_is_read_the_same() {
        let crlf = CREDS.replace('\n', "\r\n");
        assert_eq!(parse_creds(&crlf), parse_creds(CREDS));
        let indented: String = CREDS.lines().map(|l| format!("   {l}  \n\n")).collect();
        assert_eq!(parse_creds(&indented), parse_creds(CREDS));
    }

    #[test]
    fn creds_text_without_a_block_is_a_typed_error() {
        assert_eq!(parse_creds(""), Err(CredentialsError::MissingJwt));
        assert_eq!(parse_creds("just a jwt"), Err(CredentialsError::MissingJwt));
        let jwt_only = "-----BEGIN NATS USER JWT-----\neyJ.x.y\n------END NATS USER JWT------\n";
        assert_eq!(parse_creds(jwt_only), Err(CredentialsError::MissingSeed));
        let unclosed = "-----BEGIN NATS USER JWT-----\neyJ.x.y\n";
        assert_eq!(parse_creds(unclosed), Err(CredentialsError::MissingJwt));
    }

    #[cfg(not(target_arch = "wasm32"))]
    mod properties {
        use super::super::parse_creds;
        use proptest::prelude::*;

        proptest! {
            #[test]
            fn any_text_as_creds_never_panics(text in "\\PC*") {
                let _ = parse_creds(&text);
            }

            #[test]
            fn any_text_made_of_creds_pieces_never_panics(
                parts in proptest::collection::vec(
                    prop_oneof![
                        Just("-----BEGIN NATS USER JWT-----".to_owned()),
                        Just("------END NATS USER JWT------".to_owned()),
                        Just("---".to_owned()),
                        Just("\r\n".to_owned()),
                        Just("\n".to_owned()),
                        Just("SU".to_owned()),
                        "[ -~]{0,12}",
                    ],
                    0..24,
                )
            ) {
                let _ = parse_creds(&parts.concat());
            }
        }
    }
}
