use yew::prelude::*;

use crate::hooks::use_now;

#[derive(Properties, PartialEq)]
pub struct CountdownProps {
    /// Seconds since the epoch.
    pub expires_at: i64,
    /// Whether the backend renews the session by itself.
    pub renews: bool,
}

/// How long the session stays valid, live.
#[function_component(Countdown)]
pub fn countdown(props: &CountdownProps) -> Html {
    let now = use_now();
    let remaining = props.expires_at - now;
    html! {
        <p id="session-expiry" class="expiry" aria-live="off" data-expires-at={props.expires_at.to_string()}>
            if remaining > 0 {
                { "Session valid for " }<strong>{ format_remaining(remaining) }</strong>
                if props.renews {
                    <span class="muted">{ " · renews automatically" }</span>
                }
            } else if props.renews {
                { "Renewing your session…" }
            } else {
                { "Session expired" }
            }
        </p>
    }
}

/// "1 h 05 min", "4 min 09 s", "42 s".
pub fn format_remaining(seconds: i64) -> String {
    let s = seconds.max(0);
    let (h, m, s) = (s / 3600, (s % 3600) / 60, s % 60);
    if h > 0 {
        format!("{h} h {m:02} min")
    } else if m > 0 {
        format!("{m} min {s:02} s")
    } else {
        format!("{s} s")
    }
}

#[cfg(test)]
mod tests {
    use super::format_remaining;

    #[test]
    fn remaining_time_reads_naturally() {
        assert_eq!(format_remaining(3 * 3600 + 5 * 60 + 9), "3 h 05 min");
        assert_eq!(format_remaining(249), "4 min 09 s");
        assert_eq!(format_remaining(42), "42 s");
        assert_eq!(format_remaining(-5), "0 s");
    }
}
