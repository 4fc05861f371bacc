use yew::prelude::*;

/// The current time in seconds since the epoch, updated every second while mounted.
#[hook]
pub fn use_now() -> i64 {
    let now = use_state(now_secs);
    {
        let now = now.clone();
        use_effect_with((), move |_| {
            let tick = gloo_timers::callback::Interval::new(1_000, move || now.set(now_secs()));
            move || drop(tick)
        });
    }
    *now
}

#[cfg(target_arch = "wasm32")]
fn now_secs() -> i64 {
    (js_sys::Date::now() / 1000.0).floor() as i64
}

#[cfg(not(target_arch = "wasm32"))]
fn now_secs() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}
