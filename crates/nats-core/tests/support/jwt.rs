//! Decentralized auth for the tests: operator, account and user NKeys (the `nkeys` crate) and
//! their JWTs, built by hand as nats-io/jwt v2 writes them, and the operator-mode server
//! config with a memory resolver.
//!
//! A JWT is `base64url(header).base64url(claims).base64url(signature)`, no padding, with the
//! header `{"typ":"JWT","alg":"ed25519-nkey"}` and the signature the issuer's ed25519 over
//! `header.claims`. The claims' `jti` is base32 (no padding) of the SHA-512/256 of the claims
//! without it, as nats-io/jwt computes it.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::time::{SystemTime, UNIX_EPOCH};

use data_encoding::{BASE32_NOPAD, BASE64URL_NOPAD};
use nkeys::KeyPair;
use serde_json::{json, Value};
use sha2::{Digest, Sha512_256};

/// Seconds since 1970, now.
pub fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// `claims` (an object, without `jti`, `iat` or `iss`) issued and signed by `issuer`.
pub fn encode(mut claims: Value, issuer: &KeyPair) -> String {
    let header = BASE64URL_NOPAD.encode(br#"{"typ":"JWT","alg":"ed25519-nkey"}"#);
    let object = claims.as_object_mut().expect("claims are an object");
    object.insert("iss".into(), json!(issuer.public_key()));
    object.entry("iat").or_insert_with(|| json!(unix_now()));
    let digest = Sha512_256::digest(serde_json::to_vec(&claims).expect("claims serialize"));
    let object = claims.as_object_mut().expect("claims are an object");
    object.insert("jti".into(), json!(BASE32_NOPAD.encode(&digest)));
    let payload = BASE64URL_NOPAD.encode(&serde_json::to_vec(&claims).expect("claims serialize"));
    let signed = format!("{header}.{payload}");
    let signature = issuer.sign(signed.as_bytes()).expect("sign the JWT");
    format!("{signed}.{}", BASE64URL_NOPAD.encode(&signature))
}

/// An operator, one account it signed, and the account's revocations.
pub struct Operator {
    /// The operator's key pair (it signs itself and the account).
    pub operator: KeyPair,
    /// The account's key pair (it signs the users).
    pub account: KeyPair,
    /// Users revoked by the account: public key → unix time (JWTs issued at or before it are
    /// refused).
    pub revocations: BTreeMap<String, u64>,
    /// The operator's JWT, made once: a server refuses to reload a config whose operator
    /// changed (and a JWT made a second later differs in its `iat`).
    operator_jwt: String,
}

impl Operator {
    /// A fresh operator with one account and no revocations.
    pub fn new() -> Self {
        let operator = KeyPair::new_operator();
        let operator_jwt = encode(
            json!({
                "sub": operator.public_key(),
                "name": "test-operator",
                "nats": { "type": "operator", "version": 2 }
            }),
            &operator,
        );
        Operator {
            operator,
            account: KeyPair::new_account(),
            revocations: BTreeMap::new(),
            operator_jwt,
        }
    }

    /// The operator's self-signed JWT.
    pub fn operator_jwt(&self) -> String {
        self.operator_jwt.clone()
    }

    /// The account's JWT, signed by the operator: no limits, and the revocations.
    pub fn account_jwt(&self) -> String {
        let mut nats = json!({
            "limits": {
                "subs": -1, "data": -1, "payload": -1, "imports": -1, "exports": -1,
                "wildcards": true, "conn": -1, "leaf": -1
            },
            "default_permissions": { "pub": {}, "sub": {} },
            "type": "account",
            "version": 2
        });
        if !self.revocations.is_empty() {
            nats["revocations"] = json!(self.revocations);
        }
        encode(
            json!({
                "sub": self.account.public_key(),
                "name": "test-account",
                "nats": nats
            }),
            &self.operator,
        )
    }

    /// A new user of the account and its JWT, expiring at `exp` (unix seconds) if given.
    pub fn user(&self, exp: Option<u64>) -> (KeyPair, String) {
        let user = KeyPair::new_user();
        let jwt = self.user_jwt(&user, exp);
        (user, jwt)
    }

    /// The JWT of `user`, signed by the account, expiring at `exp` if given.
    pub fn user_jwt(&self, user: &KeyPair, exp: Option<u64>) -> String {
        let mut claims = json!({
            "sub": user.public_key(),
            "name": "test-user",
            "nats": {
                "pub": {}, "sub": {}, "subs": -1, "data": -1, "payload": -1,
                "type": "user", "version": 2
            }
        });
        if let Some(exp) = exp {
            claims["exp"] = json!(exp);
        }
        encode(claims, &self.account)
    }

    /// Revokes every JWT of `user` issued up to now (and this second).
    pub fn revoke(&mut self, user: &KeyPair) {
        self.revocations.insert(user.public_key(), unix_now() + 1);
    }

    /// The server config for operator mode with a memory resolver holding the account.
    pub fn config(&self) -> String {
        format!(
            "operator: {}\nresolver: MEMORY\nresolver_preload: {{\n  {}: {}\n}}\n",
            self.operator_jwt(),
            self.account.public_key(),
            self.account_jwt()
        )
    }
}

impl Default for Operator {
    fn default() -> Self {
        Self::new()
    }
}

/// The text of a `.creds` file for `jwt` and `user`, laid out as `nsc generate creds`
/// writes it.
pub fn creds(jwt: &str, user: &KeyPair) -> String {
    format!(
        "-----BEGIN NATS USER JWT-----\n{jwt}\n------END NATS USER JWT------\n\n\
         ************************* IMPORTANT *************************\n\
         NKEY Seed printed below can be used to sign and prove identity.\n\
         NKEYs are sensitive and should be treated as secrets.\n\n\
         -----BEGIN USER NKEY SEED-----\n{}\n------END USER NKEY SEED------\n\n\
         *************************************************************\n",
        user.seed().expect("a user seed")
    )
}
