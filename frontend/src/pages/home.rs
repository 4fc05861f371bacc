use gatehouse_yew::{use_session, SessionStatus, StorageStatus};
use yew::prelude::*;

use crate::components::{ApiProbe, Countdown, ErrorLine};

/// `/home`: who is signed in, for how long, and the way out.
#[function_component(Home)]
pub fn home() -> Html {
    let session = use_session();
    // Every hook before the early return: Yew needs the same hooks on every render.
    let probe = use_memo((), |_| crate::start::api_probe());
    let SessionStatus::SignedIn(view) = &session.status else {
        return Html::default();
    };
    let signing_out = session.signing_out;

    html! {
        <section class="card" aria-labelledby="home-title">
            <h1 id="home-title">{ "Home" }</h1>
            <div class="profile">
                if let Some(picture) = &view.picture {
                    <img class="avatar" src={picture.clone()} alt="" width="64" height="64"
                        referrerpolicy="no-referrer" />
                } else {
                    <span class="avatar initials" aria-hidden="true">{ initials(&view.display_name) }</span>
                }
                <div>
                    <p id="welcome" class="welcome">{ format!("Welcome, {}!", view.display_name) }</p>
                    if let Some(email) = &view.email {
                        <p class="muted" id="email">{ email }</p>
                    }
                </div>
            </div>
            <Countdown expires_at={view.expires_at} renews={view.can_renew} />
            if view.storage == StorageStatus::MemoryOnly {
                <p class="notice" role="status">
                    { "Secure storage is unavailable, so this session lasts only until Gatehouse quits." }
                </p>
            }
            if let Some(url) = (*probe).clone() {
                <ApiProbe url={url} />
            }
            <button id="logout-button" class="button secondary"
                onclick={session.sign_out.reform(|_| ())} disabled={signing_out}>
                { if signing_out { "Logging out…" } else { "Log out" } }
            </button>
            <ErrorLine error={session.status.error()} />
        </section>
    }
}

/// Up to two initials for the placeholder avatar.
fn initials(name: &str) -> String {
    name.split_whitespace()
        .filter_map(|w| w.chars().next())
        .take(2)
        .flat_map(char::to_uppercase)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::initials;

    #[test]
    fn initials_take_the_first_letters_of_two_words() {
        assert_eq!(initials("Ada Lovelace"), "AL");
        assert_eq!(initials("ada"), "A");
        assert_eq!(initials(""), "");
    }
}
