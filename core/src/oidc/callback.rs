//! The loopback redirect (RFC 8252 §7.3): a one-shot HTTP listener on 127.0.0.1 that takes the
//! authorization response and answers the browser with a page of its own.

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncReadExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio::task::{AbortHandle, JoinSet};
use url::form_urlencoded;
use zeroize::Zeroizing;

use super::discovery::names_issuer;
use super::{CsrfState, IssuerUrl, OAuthError};
use crate::secret::Secret;
use page::{escape_html, respond, Page};

mod owner;
mod page;

/// The request line and headers may not be larger than this.
const MAX_REQUEST: usize = 8 * 1024;
/// Connections served at once; past this the oldest is dropped.
pub(crate) const MAX_CONNECTIONS: usize = 32;
/// A connection that sends no complete request within this time is dropped.
const READ_TIMEOUT: Duration = Duration::from_secs(5);

/// What one request to the listener meant.
#[derive(Debug, PartialEq, Eq)]
pub enum Callback {
    /// The authorization code, with the `state` of this attempt.
    Code(Secret),
    /// The provider's error response (RFC 6749 §4.1.2.1), with the `state` of this attempt.
    ProviderError(OAuthError),
    /// `state` is missing or belongs to another attempt: refused, the attempt goes on
    /// (RFC 6749 §10.12, RFC 9700 §4.7).
    BadState,
    /// The `iss` parameter names another provider, or is missing though the provider sends it
    /// (RFC 9207 §2.4): refused, the attempt goes on.
    BadIssuer,
    /// Neither a code nor an error, though the state matched.
    Malformed,
    /// Not `GET /callback` (a favicon, a probe).
    NotCallback,
}

/// What the listener waits for: a response to this attempt, from this provider.
#[derive(Debug, Clone)]
pub struct Awaited {
    /// The attempt's `state` (RFC 6749 §10.12).
    pub state: CsrfState,
    /// The provider's issuer, which an `iss` parameter must name (RFC 9207 §2.4): exactly,
    /// or, for an Entra ID multi-tenant template, with a tenant in its place.
    pub issuer: IssuerUrl,
    /// The provider advertises `authorization_response_iss_parameter_supported`: a response
    /// without `iss` is refused (RFC 9207 §2.4).
    pub iss_required: bool,
}

/// Reads the request target of an HTTP request to the listener.
///
/// ```
/// use gatehouse_core::oidc::callback::{parse_callback, Awaited, Callback};
/// use gatehouse_core::oidc::{CsrfState, IssuerUrl};
/// let request = "GET /callback?code=abc&state=s1 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
/// let awaited = |state: &str| Awaited {
///     state: CsrfState::new(state),
///     issuer: IssuerUrl::new("https://id.example"),
///     iss_required: false,
/// };
/// assert!(matches!(parse_callback(request, &awaited("s1")), Callback::Code(_)));
/// assert_eq!(parse_callback(request, &awaited("s2")), Callback::BadState);
/// ```
pub fn parse_callback(request: &str, awaited: &Awaited) -> Callback {
    let mut parts = request.lines().next().unwrap_or_default().split(' ');
    let (Some("GET"), Some(target)) = (parts.next(), parts.next()) else {
        return Callback::NotCallback;
    };
    // The origin form a browser sends (RFC 9112 §3.2.1), read in place: no copy of the code
    // is made that would outlive the request buffer unwiped.
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    if path != "/callback" {
        return Callback::NotCallback;
    }
    let query = query.split_once('#').map_or(query, |(query, _)| query);
    let mut state: Option<Zeroizing<String>> = None;
    let mut code: Option<Zeroizing<String>> = None;
    let mut error: Option<Zeroizing<String>> = None;
    let mut description: Option<Zeroizing<String>> = None;
    let mut iss: Option<Zeroizing<String>> = None;
    for (key, value) in form_urlencoded::parse(query.as_bytes()) {
        let slot = match key.as_ref() {
            "state" => &mut state,
            "code" => &mut code,
            "error" => &mut error,
            "error_description" => &mut description,
            "iss" => &mut iss,
            _ => continue,
        };
        // A repeated parameter is ambiguous (RFC 6749 §3.1): treat the request as malformed.
        if slot.replace(Zeroizing::new(value.into_owned())).is_some() {
            return Callback::Malformed;
        }
    }
    // Constant-time is not needed here: the state is single-use and the listener answers
    // only this machine, but the comparison must be exact.
    if state.as_deref().map(String::as_str) != Some(awaited.state.as_str()) {
        return Callback::BadState;
    }
    // RFC 9207 §2.4: an iss that names another provider is a mix-up; so is a missing one from
    // a provider that promised to send it.
    match iss {
        Some(iss) if !names_issuer(&awaited.issuer, &iss) => return Callback::BadIssuer,
        None if awaited.iss_required => return Callback::BadIssuer,
        _ => {}
    }
    match (code, error) {
        (_, Some(error)) => Callback::ProviderError(OAuthError::new(
            error.as_str(),
            description.as_ref().map(|d| d.as_str()),
        )),
        (Some(mut code), None) if !code.is_empty() => {
            Callback::Code(Secret::new(std::mem::take(&mut *code)))
        }
        _ => Callback::Malformed,
    }
}

/// A bound loopback listener, waiting for one valid callback.
pub struct Listener {
    listener: TcpListener,
    port: u16,
    /// The app the browser's pages name ("You are signed in to …").
    product: Arc<str>,
    /// The host of the redirect URI: `127.0.0.1`, or `localhost` for a provider that
    /// registers it.
    redirect_host: &'static str,
}

impl Listener {
    /// Binds `127.0.0.1:port`; port 0 lets the OS pick (RFC 8252 §7.3). Never `localhost`,
    /// which may resolve elsewhere (RFC 8252 §8.3). The pages it answers name `product`.
    pub async fn bind(port: u16, product: &str) -> std::io::Result<Self> {
        let listener = TcpListener::bind(("127.0.0.1", port)).await?;
        let port = listener.local_addr()?.port();
        Ok(Self {
            listener,
            port,
            product: escape_html(product).into(),
            redirect_host: "127.0.0.1",
        })
    }

    /// Names `localhost` in the redirect URI instead of `127.0.0.1`, for a provider that
    /// registers `http://localhost` (Entra ID). The listener stays bound to 127.0.0.1, where a
    /// browser resolving `localhost` reaches it.
    pub fn naming_localhost(mut self) -> Self {
        self.redirect_host = "localhost";
        self
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn redirect_uri(&self) -> String {
        format!("http://{}:{}/callback", self.redirect_host, self.port)
    }

    /// Serves requests until one carries this attempt's `state` with a code (`Ok`) or the
    /// provider's error (`Err`). Requests with a wrong or missing state get an error page and
    /// do not end the attempt. Each connection is served on its own task, so an idle one (a
    /// browser's preconnect) does not hold up the real request.
    ///
    /// At most 32 connections (`MAX_CONNECTIONS`) are served at once: past that the oldest is
    /// dropped, so a local process holding idle sockets cannot starve the browser. When the
    /// wait ends (a result, Cancel or timeout) the listener and every connection close.
    pub async fn wait(self, awaited: Awaited) -> Result<Secret, OAuthError> {
        let (tx, mut rx) = mpsc::channel::<Result<Secret, OAuthError>>(1);
        // Dropped with this future: every connection task is aborted.
        let mut tasks = JoinSet::new();
        let mut open: VecDeque<AbortHandle> = VecDeque::new();
        loop {
            tokio::select! {
                accepted = self.listener.accept() => {
                    let Ok((stream, _)) = accepted else {
                        // Out of file descriptors, say: wait a little rather than spin.
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        continue;
                    };
                    while tasks.try_join_next().is_some() {}
                    open.retain(|task| !task.is_finished());
                    if open.len() >= MAX_CONNECTIONS {
                        if let Some(oldest) = open.pop_front() {
                            oldest.abort();
                        }
                    }
                    let tx = tx.clone();
                    let awaited = awaited.clone();
                    let product = self.product.clone();
                    open.push_back(tasks.spawn(async move {
                        if let Some(outcome) = serve(stream, &awaited, &product).await {
                            let _ = tx.send(outcome).await;
                        }
                    }));
                }
                Some(outcome) = rx.recv() => return outcome,
            }
        }
    }
}

/// Answers one connection; `Some` when it ends the attempt.
async fn serve(
    mut stream: TcpStream,
    awaited: &Awaited,
    product: &str,
) -> Option<Result<Secret, OAuthError>> {
    // Looked up before the request is read, while the browser's end is surely still open.
    let owner = match (stream.local_addr(), stream.peer_addr()) {
        (Ok(local), Ok(peer)) => owner::of(local, peer),
        _ => owner::Owner::NotFound,
    };
    let request = tokio::time::timeout(READ_TIMEOUT, read_head(&mut stream))
        .await
        .ok()??;
    if !owner.may_complete() {
        let page = if owner == owner::Owner::Unreadable {
            tracing::warn!("a request to the sign-in's listener was refused: whose it is cannot be established");
            Page::OwnerUnknown
        } else {
            tracing::warn!(
                ?owner,
                "a request to the sign-in's listener came from another user of this computer and was refused"
            );
            Page::AnotherUser
        };
        let _ = respond(&mut stream, "403 Forbidden", page, product).await;
        return None;
    }
    let (outcome, status, page) = match parse_callback(&request.0, awaited) {
        Callback::Code(code) => (Some(Ok(code)), "200 OK", Page::SignedIn),
        Callback::ProviderError(refusal) => (Some(Err(refusal)), "200 OK", Page::Refused),
        Callback::BadState | Callback::BadIssuer | Callback::Malformed => {
            (None, "400 Bad Request", Page::NotThisAttempt)
        }
        Callback::NotCallback => (None, "404 Not Found", Page::NotFound),
    };
    let _ = respond(&mut stream, status, page, product).await;
    outcome
}

/// Reads up to the end of the request head; `None` if it is too large or the peer went away.
///
/// The head holds the authorization code: it is read into one buffer, allocated once at its
/// largest size so that no reallocation leaves a copy behind, and wiped when dropped.
async fn read_head(stream: &mut (impl AsyncRead + Unpin)) -> Option<RequestHead> {
    let mut buf = Zeroizing::new(vec![0u8; MAX_REQUEST]);
    let mut len = 0;
    loop {
        let n = stream.read(&mut buf[len..]).await.ok()?;
        if n == 0 {
            return None;
        }
        len += n;
        if buf[..len].windows(4).any(|w| w == b"\r\n\r\n") {
            let head = std::str::from_utf8(&buf[..len]).ok()?;
            return Some(RequestHead(head.to_owned()));
        }
        if len == buf.len() {
            return None;
        }
    }
}

/// What the listener makes of the bytes a connection sends: the request head read as it reads
/// it from a socket, then read as a callback. `None` when the connection would be dropped (too
/// large, not UTF-8, ended early). For the fuzz target.
#[cfg(feature = "test-util")]
pub async fn read_callback(
    stream: &mut (impl AsyncRead + Unpin),
    awaited: &Awaited,
) -> Option<Callback> {
    let head = read_head(stream).await?;
    Some(parse_callback(&head.0, awaited))
}

/// A request's line and headers, wiped on drop.
#[derive(zeroize::Zeroize, zeroize::ZeroizeOnDrop)]
struct RequestHead(String);

#[cfg(test)]
mod tests;
