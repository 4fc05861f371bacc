//! ID token validation, step by step as OIDC Core 3.1.3.7 lists it.
//!
//! Validation is pure: [`UnverifiedIdToken::parse`] reads the header, the caller finds the key
//! it names (see [`super::jwks`]), and [`UnverifiedIdToken::validate`] checks the signature and
//! every claim against that key and the [`ValidationParams`], with no I/O.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde::Deserialize;
use serde_json::Value;

use jsonwebtoken::Algorithm;

use super::jwks::{VerificationKey, ALLOWED_ALGORITHMS};
use super::{ClientId, IssuerUrl, Nonce};

mod rules;

use rules::{check_claims, numeric_date, RawClaims};

/// Why an ID token was rejected. Messages never quote the token.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TokenError {
    #[error("it is not a well-formed JWT ({0})")]
    Malformed(&'static str),
    #[error("it is signed with {}, which is not accepted", named_algorithm(.0))]
    UnsupportedAlgorithm(String),
    /// RFC 8725 §3.1: the provider lists the algorithms it signs ID tokens with.
    #[error("it is signed with {}, which the provider does not list for its ID tokens", named_algorithm(.0))]
    AlgorithmNotAdvertised(String),
    #[error("its signature does not verify")]
    BadSignature,
    #[error("it was issued by another provider")]
    WrongIssuer,
    /// Entra ID multi-tenant: the token's tenant (`tid`) is not among the allowed ones.
    #[error("it is from a tenant this app does not allow")]
    TenantNotAllowed,
    #[error("it was issued to another client")]
    WrongAudience,
    #[error("it has several audiences but no authorized party")]
    MissingAzp,
    #[error("it was issued to another authorized party")]
    WrongAzp,
    #[error("it has expired")]
    Expired,
    #[error("it has no expiry time")]
    NoExpiry,
    #[error("it is not valid yet")]
    NotYetValid,
    #[error("it has no issue time")]
    NoIssuedAt,
    #[error("it was issued in the future")]
    IssuedInFuture,
    #[error("it names no subject")]
    NoSubject,
    #[error("its nonce does not match this sign-in")]
    NonceMismatch,
    #[error("it carries no nonce")]
    NonceMissing,
    #[error("it names another user than the session it renews")]
    SubjectChanged,
    #[error("it is also meant for an audience that is not trusted")]
    UntrustedAudience,
    #[error("its audiences differ from the session it renews")]
    AudienceChanged,
    #[error("it is older than the session it renews")]
    OlderThanSession,
    #[error("its authentication time differs from the session it renews")]
    AuthTimeChanged,
    /// OIDC Core 3.1.2.1: with `max_age` in the request, `auth_time` is required.
    #[error("it does not say when the person signed in, which a session with a time limit needs")]
    NoAuthTime,
    #[error("the person signed in at the provider longer ago than the session's time limit")]
    AuthenticationTooOld,
    #[error("it says the person signed in in the future")]
    AuthTimeInFuture,
}

/// Where the token comes from, which decides the rules beyond OIDC Core 3.1.3.7.
#[derive(Debug, Clone, Copy)]
pub enum Origin<'a> {
    /// A sign-in: the `nonce` is present and equals the one sent (OIDC Core 3.1.3.7 step 11);
    /// with a `max_age` sent (seconds), `auth_time` is present and no older (step 13).
    SignIn {
        nonce: &'a Nonce,
        max_age: Option<i64>,
    },
    /// A refresh of the session whose ID token had `previous` (OIDC Core 12.2): the same
    /// `iss`, `sub` and `aud`, an `iat` not older, the same `auth_time` when present, and a
    /// `nonce`, if present, equal to the original one.
    Refresh { previous: &'a IdClaims },
}

/// What the token is checked against.
#[derive(Debug, Clone, Copy)]
pub struct ValidationParams<'a> {
    /// The provider's issuer, exactly; or an Entra ID multi-tenant template
    /// (`…/{tenantid}/v2.0`), which the token's own `tid` fills.
    pub issuer: &'a IssuerUrl,
    /// With a template issuer, the tenants allowed to sign in; empty: any.
    pub allowed_tenants: &'a [String],
    pub client_id: &'a ClientId,
    /// The one audience trusted besides the client itself: the configured API audience.
    pub audience: Option<&'a str>,
    /// Seconds since the epoch.
    pub now: i64,
    /// Allowed clock skew, seconds.
    pub leeway: i64,
    pub origin: Origin<'a>,
    /// The provider's `id_token_signing_alg_values_supported`, when its discovery document
    /// lists them: the token's `alg` must be one (RFC 8725 §3.1).
    pub advertised_algorithms: Option<&'a [String]>,
}

/// The claims Gatehouse uses, from a token that passed validation (or that it sealed itself).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdClaims {
    pub issuer: String,
    pub subject: String,
    pub audiences: Vec<String>,
    pub expires_at: i64,
    pub issued_at: i64,
    /// When the person authenticated (OIDC Core 2), when the provider says.
    pub auth_time: Option<i64>,
    pub nonce: Option<String>,
    /// The tenant the person signed in to (Entra ID's `tid`), when the provider says.
    pub tenant: Option<String>,
    pub name: Option<String>,
    pub nickname: Option<String>,
    pub preferred_username: Option<String>,
    pub email: Option<String>,
    pub picture: Option<String>,
}

/// The profile claims of an ID token: what the UI shows of the person.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Profile {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nickname: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preferred_username: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub picture: Option<String>,
}

impl IdClaims {
    /// Its profile claims.
    pub fn profile(&self) -> Profile {
        Profile {
            name: self.name.clone(),
            nickname: self.nickname.clone(),
            preferred_username: self.preferred_username.clone(),
            email: self.email.clone(),
            picture: self.picture.clone(),
        }
    }

    /// Fills the profile claims this token leaves out from `kept`: a refreshed ID token may
    /// omit them (OIDC Core 12.2 requires only `iss`, `sub`, `aud`, `iat`; Google's lacks
    /// `name` and `picture`), and the person keeps their name.
    pub fn keep_profile(&mut self, kept: &Profile) {
        for (mine, theirs) in [
            (&mut self.name, &kept.name),
            (&mut self.nickname, &kept.nickname),
            (&mut self.preferred_username, &kept.preferred_username),
            (&mut self.email, &kept.email),
            (&mut self.picture, &kept.picture),
        ] {
            if mine.is_none() {
                mine.clone_from(theirs);
            }
        }
    }

    /// The name to greet the person by.
    pub fn display_name(&self) -> &str {
        [
            &self.name,
            &self.nickname,
            &self.preferred_username,
            &self.email,
        ]
        .into_iter()
        .flatten()
        .map(String::as_str)
        .find(|s| !s.trim().is_empty())
        .unwrap_or(&self.subject)
    }

    /// Reads the claims of a token without checking it: only for a token that was validated
    /// when it arrived and has since been kept under the vault's own AEAD seal.
    pub fn read_sealed(token: &str) -> Result<Self, TokenError> {
        let parts = split(token)?;
        let raw: RawClaims = decode_part(parts.1, "payload")?;
        let exp = numeric_date(raw.exp.as_ref())?.ok_or(TokenError::NoExpiry)?;
        let iat = numeric_date(raw.iat.as_ref())?.ok_or(TokenError::NoIssuedAt)?;
        raw.into_claims(exp, iat)
    }
}

/// An ID token whose header has been read and whose algorithm is acceptable; nothing in it is
/// trusted yet.
#[derive(Debug)]
pub struct UnverifiedIdToken<'a> {
    /// `BASE64URL(header) . BASE64URL(payload)`: what the signature covers.
    signed: &'a str,
    payload: &'a str,
    signature: &'a str,
    alg: Algorithm,
    kid: Option<String>,
}

impl<'a> UnverifiedIdToken<'a> {
    /// Splits the JWS (RFC 7515 §7.1) and reads its header: first the rules jsonwebtoken
    /// leaves to its caller (critical extensions, the algorithm allow-list), then the header
    /// itself with jsonwebtoken.
    pub fn parse(token: &'a str) -> Result<Self, TokenError> {
        let (header_b64, payload, signature) = split(token)?;
        // RFC 7515 §4: the header is a JSON object, nothing else.
        let raw: serde_json::Map<String, Value> = decode_part(header_b64, "header")?;
        // RFC 7515 §4.1.11: `crit`, when present, is a non-empty list of names, and an
        // extension not implemented here (none is) must not be ignored.
        if let Some(crit) = raw.get("crit") {
            let names = crit
                .as_array()
                .filter(|names| names.iter().all(Value::is_string));
            return Err(TokenError::Malformed(match names {
                None => "a crit header that is not a list of names",
                Some(names) if names.is_empty() => "an empty crit header",
                Some(_) => "unsupported critical header",
            }));
        }
        // Steps 6-8 (and RFC 8725 §3.1): only asymmetric algorithms from the allow-list. `none`
        // and HMAC (keyed with something public) are refused before any key is looked at.
        let named = raw
            .get("alg")
            .and_then(Value::as_str)
            .ok_or(TokenError::Malformed("header"))?;
        let alg = named
            .parse::<Algorithm>()
            .ok()
            .filter(|alg| ALLOWED_ALGORITHMS.contains(alg))
            .ok_or_else(|| TokenError::UnsupportedAlgorithm(named.to_owned()))?;
        let header =
            jsonwebtoken::decode_header(token).map_err(|_| TokenError::Malformed("header"))?;
        debug_assert_eq!(header.alg, alg);
        Ok(Self {
            signed: &token[..header_b64.len() + 1 + payload.len()],
            payload,
            signature,
            alg: header.alg,
            kid: header.kid,
        })
    }

    /// The signing algorithm, one of [`ALLOWED_ALGORITHMS`].
    pub fn alg(&self) -> Algorithm {
        self.alg
    }

    /// The id of the key it names, if any (RFC 7515 §4.1.4).
    pub fn kid(&self) -> Option<&str> {
        self.kid.as_deref()
    }

    /// Checks the signature with `key` and every claim against `params`; returns the claims.
    pub fn validate(
        &self,
        key: &VerificationKey,
        params: &ValidationParams<'_>,
    ) -> Result<IdClaims, TokenError> {
        // RFC 8725 §3.1: an algorithm the provider does not say it uses for ID tokens is not
        // taken from a token's header.
        let name = format!("{:?}", self.alg);
        if params
            .advertised_algorithms
            .is_some_and(|advertised| !advertised.contains(&name))
        {
            return Err(TokenError::AlgorithmNotAdvertised(name));
        }
        // Step 6: validate the signature with the provider's key from jwks_uri, chosen by kid.
        if !key.verify(self.alg, self.signed.as_bytes(), self.signature) {
            return Err(TokenError::BadSignature);
        }
        let claims: RawClaims = decode_part(self.payload, "payload")?;
        check_claims(claims, params)
    }
}

fn named_algorithm(name: &str) -> &str {
    const REGISTERED: [&str; 14] = [
        "none", "HS256", "HS384", "HS512", "RS256", "RS384", "RS512", "ES256", "ES384", "ES512",
        "PS256", "PS384", "PS512", "EdDSA",
    ];
    REGISTERED
        .into_iter()
        .find(|registered| *registered == name)
        .unwrap_or("an unknown algorithm")
}

fn split(token: &str) -> Result<(&str, &str, &str), TokenError> {
    let mut parts = token.split('.');
    match (parts.next(), parts.next(), parts.next(), parts.next()) {
        (Some(h), Some(p), Some(s), None) if !h.is_empty() && !p.is_empty() => Ok((h, p, s)),
        _ => Err(TokenError::Malformed("not three dot-separated parts")),
    }
}

fn decode_part<T: for<'de> Deserialize<'de>>(
    part: &str,
    what: &'static str,
) -> Result<T, TokenError> {
    let bytes = URL_SAFE_NO_PAD
        .decode(part)
        .map_err(|_| TokenError::Malformed(what))?;
    serde_json::from_slice(&bytes).map_err(|_| TokenError::Malformed(what))
}

/// A NumericDate (RFC 7519 §2) is a JSON number of seconds; a string or anything else is
/// malformed rather than silently "no date".
#[cfg(test)]
mod tests;
