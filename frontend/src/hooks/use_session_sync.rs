use yew::platform::spawn_local;
use yew::prelude::*;

use crate::ipc;
use crate::state::{Action, AppState};

/// Keeps `state` in step with the backend: asks for the session once, then follows every
/// `session-changed` event.
#[hook]
pub fn use_session_sync(state: UseReducerHandle<AppState>) {
    use_effect_with((), move |_| {
        let dispatcher = state.dispatcher();
        spawn_local(async move {
            let events = dispatcher.clone();
            if let Err(e) =
                ipc::on_session_changed(move |view| events.dispatch(Action::SessionChanged(view)))
                    .await
            {
                dispatcher.dispatch(Action::Loaded(Err(e)));
                return;
            }
            dispatcher.dispatch(Action::Loaded(ipc::session().await));
        });
    });
}
