//! The claims of an ID token as they are read, and the rules they must meet: OIDC Core
//! 3.1.3.7 for a sign-in's, and 12.2 for a renewal's against the session it renews.

use serde::Deserialize;
use serde_json::Value;

use super::super::discovery::{is_tenant_id, TENANT_PLACEHOLDER};
use super::{IdClaims, Origin, TokenError, ValidationParams};

/// Google's issuer identifier.
const GOOGLE: &str = "https://accounts.google.com";

#[derive(Deserialize)]
pub(super) struct RawClaims {
    iss: Option<String>,
    tid: Option<String>,
    sub: Option<String>,
    aud: Option<Audience>,
    azp: Option<String>,
    pub(super) exp: Option<Value>,
    pub(super) iat: Option<Value>,
    nbf: Option<Value>,
    auth_time: Option<Value>,
    nonce: Option<String>,
    name: Option<String>,
    nickname: Option<String>,
    preferred_username: Option<String>,
    email: Option<String>,
    picture: Option<String>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum Audience {
    One(String),
    Many(Vec<String>),
}

impl Audience {
    fn as_slice(&self) -> &[String] {
        match self {
            Self::One(aud) => std::slice::from_ref(aud),
            Self::Many(auds) => auds,
        }
    }
}

/// Two audience lists name the same audiences, in any order.
fn same_audiences(a: &[String], b: &[String]) -> bool {
    a.iter().all(|x| b.contains(x)) && b.iter().all(|x| a.contains(x))
}

impl RawClaims {
    pub(super) fn into_claims(
        self,
        expires_at: i64,
        issued_at: i64,
    ) -> Result<IdClaims, TokenError> {
        let subject = self
            .sub
            .filter(|s| !s.is_empty())
            .ok_or(TokenError::NoSubject)?;
        let issuer = self.iss.ok_or(TokenError::WrongIssuer)?;
        let auth_time = numeric_date(self.auth_time.as_ref())?;
        let audiences = self
            .aud
            .map(|aud| aud.as_slice().to_vec())
            .unwrap_or_default();
        // Only an https picture is shown: the UI's CSP allows no other remote images.
        let picture = self.picture.filter(|p| p.starts_with("https://"));
        Ok(IdClaims {
            issuer,
            subject,
            audiences,
            expires_at,
            issued_at,
            auth_time,
            nonce: self.nonce,
            tenant: self.tid,
            name: self.name,
            nickname: self.nickname,
            preferred_username: self.preferred_username,
            email: self.email,
            picture,
        })
    }
}

pub(super) fn check_claims(
    claims: RawClaims,
    p: &ValidationParams<'_>,
) -> Result<IdClaims, TokenError> {
    // Step 2: the iss Claim MUST exactly match the Issuer Identifier. For an Entra ID
    // multi-tenant authority that identifier is a template, filled with the token's own tenant
    // (`tid`), which must then be one the app allows.
    let expected = match p.issuer.split_once(TENANT_PLACEHOLDER) {
        None => p.issuer.to_string(),
        Some((before, after)) => {
            let tenant = claims
                .tid
                .as_deref()
                .filter(|t| is_tenant_id(t))
                .ok_or(TokenError::WrongIssuer)?;
            if !p.allowed_tenants.is_empty() && !p.allowed_tenants.iter().any(|t| t == tenant) {
                return Err(TokenError::TenantNotAllowed);
            }
            format!("{before}{tenant}{after}")
        }
    };
    // Google documents two spellings of its one issuer identifier, `https://accounts.google.com`
    // and the legacy `accounts.google.com` ("OpenID Connect", Validating an ID token): either
    // names it. Nothing else is read loosely.
    let google_legacy = expected == GOOGLE && claims.iss.as_deref() == Some("accounts.google.com");
    if claims.iss.as_deref() != Some(expected.as_str()) && !google_legacy {
        return Err(TokenError::WrongIssuer);
    }
    // Step 3: the aud Claim MUST contain the client_id as an audience, and the token MUST be
    // rejected if it lists additional audiences not trusted by the client (below).
    let audiences = claims
        .aud
        .as_ref()
        .map(Audience::as_slice)
        .unwrap_or_default();
    if !audiences.iter().any(|a| *p.client_id == **a) {
        return Err(TokenError::WrongAudience);
    }
    // Steps 4-5: with several audiences an azp MUST be present; if present it MUST be us.
    match claims.azp.as_deref() {
        None if audiences.len() > 1 => return Err(TokenError::MissingAzp),
        Some(azp) if *p.client_id != *azp => return Err(TokenError::WrongAzp),
        _ => {}
    }
    // Step 3, second half (after azp, whose error says more): every other audience must be
    // one the client trusts, which is only the configured API audience.
    let trusted = |a: &String| *p.client_id == **a || p.audience == Some(a.as_str());
    if !audiences.iter().all(trusted) {
        return Err(TokenError::UntrustedAudience);
    }
    // Step 9: the current time MUST be before the time represented by the exp Claim.
    // A token without exp never counts as valid.
    let exp = numeric_date(claims.exp.as_ref())?.ok_or(TokenError::NoExpiry)?;
    if p.now >= exp.saturating_add(p.leeway) {
        return Err(TokenError::Expired);
    }
    // RFC 7519 §4.1.5: not before nbf, when present.
    if let Some(nbf) = numeric_date(claims.nbf.as_ref())? {
        if p.now.saturating_add(p.leeway) < nbf {
            return Err(TokenError::NotYetValid);
        }
    }
    // Step 10: iat is required (OIDC Core 2); one from the future means a broken clock or a
    // forged token.
    let iat = numeric_date(claims.iat.as_ref())?.ok_or(TokenError::NoIssuedAt)?;
    if iat > p.now.saturating_add(p.leeway) {
        return Err(TokenError::IssuedInFuture);
    }
    let expected_nonce = match p.origin {
        Origin::SignIn { nonce, .. } => Some(nonce.as_str()),
        Origin::Refresh { previous } => previous.nonce.as_deref(),
    };
    match (p.origin, claims.nonce.as_deref()) {
        // Step 11: the nonce Claim MUST be present and equal the value sent in the request.
        (Origin::SignIn { .. }, None) => return Err(TokenError::NonceMissing),
        // OIDC Core 12.2: after a refresh it may be absent; if present, it is the original.
        (_, Some(nonce)) if Some(nonce) != expected_nonce => return Err(TokenError::NonceMismatch),
        _ => {}
    }
    // Step 13: when max_age was sent, auth_time is required (OIDC Core 3.1.2.1), and an
    // authentication older than max_age means the provider did not ask again. One in the
    // future would put the session's time limit out of reach.
    if let Some(auth_time) = numeric_date(claims.auth_time.as_ref())? {
        if auth_time > p.now.saturating_add(p.leeway) {
            return Err(TokenError::AuthTimeInFuture);
        }
    }
    if let Origin::SignIn {
        max_age: Some(max_age),
        ..
    } = p.origin
    {
        let auth_time = numeric_date(claims.auth_time.as_ref())?.ok_or(TokenError::NoAuthTime)?;
        if p.now > auth_time.saturating_add(max_age).saturating_add(p.leeway) {
            return Err(TokenError::AuthenticationTooOld);
        }
    }
    let checked = claims.into_claims(exp, iat)?;
    if let Origin::Refresh { previous } = p.origin {
        check_refreshed(&checked, previous)?;
    }
    Ok(checked)
}

/// OIDC Core 12.2: a refreshed ID token belongs to the same authentication as the one it
/// replaces (`iss` was checked against the configuration above).
fn check_refreshed(new: &IdClaims, previous: &IdClaims) -> Result<(), TokenError> {
    // Its sub Claim Value MUST be the same as in the ID Token issued when the original
    // authentication occurred.
    if new.subject != previous.subject {
        return Err(TokenError::SubjectChanged);
    }
    // Its aud Claim Value MUST be the same.
    if !same_audiences(&new.audiences, &previous.audiences) {
        return Err(TokenError::AudienceChanged);
    }
    // Its iat Claim MUST represent the time that the new ID Token is issued: not before the
    // token it replaces.
    if new.issued_at < previous.issued_at {
        return Err(TokenError::OlderThanSession);
    }
    // If it contains an auth_time Claim, its value MUST represent the time of the original
    // authentication.
    if new.auth_time.is_some()
        && previous.auth_time.is_some()
        && new.auth_time != previous.auth_time
    {
        return Err(TokenError::AuthTimeChanged);
    }
    Ok(())
}

/// An algorithm's name as the header gives it, when it is one of the JOSE registry's (RFC 7518
/// §3.1): the error never repeats anything else a provider wrote.
pub(super) fn numeric_date(value: Option<&Value>) -> Result<Option<i64>, TokenError> {
    match value {
        None => Ok(None),
        Some(Value::Number(n)) => n
            .as_i64()
            .or_else(|| {
                n.as_f64()
                    .filter(|f| f.is_finite())
                    .map(|f| f.floor() as i64)
            })
            .map(Some)
            .ok_or(TokenError::Malformed("a date is out of range")),
        Some(_) => Err(TokenError::Malformed("a date is not a number")),
    }
}
