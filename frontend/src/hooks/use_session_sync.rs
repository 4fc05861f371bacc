use gatehouse_contract::SessionView;
use yew::platform::spawn_local;
use yew::prelude::*;

use crate::ipc;
use crate::state::{Action, AppState};

/// Keeps `state` in step with the backend: asks for the session once, then follows every
/// `session-changed` and `sign-in-waiting` event. When the session ends by itself the backend says why through
/// `session`, which is asked then.
#[hook]
pub fn use_session_sync(state: UseReducerHandle<AppState>) {
    use_effect_with((), move |_| {
        let dispatcher = state.dispatcher();
        spawn_local(async move {
            let events = dispatcher.clone();
            let on_change = move |view: Option<SessionView>| {
                let ended = view.is_none();
                events.dispatch(Action::SessionChanged(view));
                if ended {
                    let events = events.clone();
                    spawn_local(async move {
                        if let Err(reason) = ipc::session().await {
                            events.dispatch(Action::Ended(reason));
                        }
                    });
                }
            };
            if let Err(e) = ipc::on_session_changed(on_change).await {
                dispatcher.dispatch(Action::Loaded(Err(e)));
                return;
            }
            let waiting = dispatcher.clone();
            let on_waiting = move |page| waiting.dispatch(Action::Waiting(page));
            if let Err(e) = ipc::on_sign_in_waiting(on_waiting).await {
                dispatcher.dispatch(Action::Loaded(Err(e)));
                return;
            }
            dispatcher.dispatch(Action::Loaded(ipc::session().await));
        });
    });
}
