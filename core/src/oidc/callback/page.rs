//! The pages the listener answers the browser with: self-contained (inline style and mark, no
//! third-party content, no referrer: RFC 8252 §8.3, RFC 9700 §4.2.4).

use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;

#[derive(Clone, Copy)]
pub(super) enum Page {
    SignedIn,
    Refused,
    NotThisAttempt,
    AnotherUser,
    OwnerUnknown,
    NotFound,
}

impl Page {
    /// The title and the sentence, for the app called `product` (already HTML-escaped).
    fn text(self, product: &str) -> (&'static str, String) {
        match self {
            Self::SignedIn => (
                "Signed in",
                format!("You are signed in to {product}. You can close this tab."),
            ),
            Self::Refused => (
                "Sign-in failed",
                format!("The sign-in did not succeed. Return to {product} to see why."),
            ),
            Self::NotThisAttempt => (
                "Not a valid sign-in",
                format!("This link does not belong to the sign-in {product} is waiting for."),
            ),
            Self::AnotherUser => (
                "Not your sign-in",
                format!(
                    "This sign-in belongs to another user of this computer, so {product} \
                     did not take it."
                ),
            ),
            Self::OwnerUnknown => (
                "Sign-in not taken",
                format!(
                    "{product} could not tell which user of this computer this browser belongs \
                     to (the system's list of connections cannot be read here), so it did not \
                     take the sign-in. Its log says why."
                ),
            ),
            Self::NotFound => ("Not found", "There is nothing here.".to_owned()),
        }
    }

    /// The page's mark, inline (the page loads nothing): a tick when signed in, else a bang.
    fn mark(self) -> &'static str {
        match self {
            Self::SignedIn => MARK_DONE,
            _ => MARK_NOTICE,
        }
    }
}

const MARK_DONE: &str = "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 64 64\" \
    width=\"56\" height=\"56\" aria-hidden=\"true\"><circle cx=\"32\" cy=\"32\" r=\"32\" \
    fill=\"#4f46e5\"/><path d=\"M18 33l9 9 19-20\" fill=\"none\" stroke=\"#fff\" \
    stroke-width=\"6\" stroke-linecap=\"round\" stroke-linejoin=\"round\"/></svg>";

const MARK_NOTICE: &str = "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 64 64\" \
    width=\"56\" height=\"56\" aria-hidden=\"true\"><circle cx=\"32\" cy=\"32\" r=\"32\" \
    fill=\"#5d6275\"/><rect x=\"29\" y=\"14\" width=\"6\" height=\"24\" rx=\"3\" \
    fill=\"#fff\"/><circle cx=\"32\" cy=\"47\" r=\"4\" fill=\"#fff\"/></svg>";

/// `text` safe to put in HTML.
pub(super) fn escape_html(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&#39;"),
            c => escaped.push(c),
        }
    }
    escaped
}

/// The page's look: the app's colours and card, light and dark.
const STYLE: &str = ":root{color-scheme:light dark;--bg:#f6f7fb;--card:#fff;--text:#1b1d29;\
    --muted:#5d6275;--border:#dfe1ea;font-family:system-ui,-apple-system,'Segoe UI',Roboto,\
    Ubuntu,sans-serif;line-height:1.5}\
    @media(prefers-color-scheme:dark){:root{--bg:#12131a;--card:#1c1e29;--text:#eceef6;\
    --muted:#a3a8bd;--border:#30334a}}\
    body{display:grid;place-items:center;min-height:100vh;margin:0;background:var(--bg);\
    color:var(--text)}\
    main{max-width:26rem;margin:1.5rem;padding:2rem 1.75rem;text-align:center;\
    background:var(--card);border:1px solid var(--border);border-radius:1rem;\
    box-shadow:0 8px 30px rgb(0 0 0/.08)}\
    h1{font-size:1.5rem;margin:.75rem 0 .5rem}p{margin:0;color:var(--muted)}";

/// A self-contained page: inline style and mark, no third-party content, no referrer
/// (RFC 8252 §8.3, RFC 9700 §4.2.4).
pub(super) async fn respond(
    stream: &mut TcpStream,
    status: &str,
    page: Page,
    product: &str,
) -> std::io::Result<()> {
    let (title, message) = page.text(product);
    let mark = page.mark();
    let body = format!(
        "<!doctype html><html lang=\"en\"><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width\">\
         <title>{title} · {product}</title><style>{STYLE}</style>\
         <main>{mark}<h1>{title}</h1><p>{message}</p></main></html>"
    );
    let head = format!(
        "HTTP/1.1 {status}\r\n\
         Content-Type: text/html; charset=utf-8\r\n\
         Content-Length: {}\r\n\
         Content-Security-Policy: default-src 'none'; style-src 'unsafe-inline'\r\n\
         Referrer-Policy: no-referrer\r\n\
         Cache-Control: no-store\r\n\
         X-Content-Type-Options: nosniff\r\n\
         Connection: close\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).await?;
    stream.write_all(body.as_bytes()).await?;
    stream.shutdown().await
}
