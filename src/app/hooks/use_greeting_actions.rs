//! [`use_greeting_actions`]: the Greetings panel's callbacks, each running its edit (or the
//! reopening of the bucket) on the page's greetings.

use wasm_bindgen_futures::spawn_local;
use yew::prelude::*;

use crate::app::greetings::Greetings;
use crate::app::state::GreetingEdit;

/// What the Greetings panel can ask of the bucket.
pub struct GreetingActions {
    /// Carries an edit out.
    pub on_edit: Callback<GreetingEdit>,
    /// Opens the bucket and its watch again.
    pub on_retry: Callback<()>,
}

/// The panel's callbacks on `greetings`, made once.
#[hook]
pub fn use_greeting_actions(greetings: &Greetings) -> GreetingActions {
    let on_edit = {
        let greetings = greetings.clone();
        use_callback((), move |edit: GreetingEdit, _| {
            let greetings = greetings.clone();
            spawn_local(async move { greetings.edit(edit).await });
        })
    };
    let on_retry = {
        let greetings = greetings.clone();
        use_callback((), move |(), _| {
            let greetings = greetings.clone();
            spawn_local(async move { greetings.retry().await });
        })
    };
    GreetingActions { on_edit, on_retry }
}
