//! The replies to the latest "Ask all": each with who answered and when.

use yew::prelude::*;

use crate::app::display;
use crate::app::state::{AskAll, ASK_ALL_LIMIT};

/// `3 replies to greet.ann`, then one line per reply. A function, not a component: its one
/// caller, `PlaygroundPanel`, has the list in its props (and a component of its own costs the
/// page 1 KB of wasm).
pub fn ask_all_list(ask: &AskAll) -> Html {
    let count = match ask.replies.len() {
        1 => "1 reply".to_owned(),
        n if n >= ASK_ALL_LIMIT => format!("the first {n} replies"),
        n => format!("{n} replies"),
    };
    html! {
        <div class="ask-all" aria-live="polite">
            <h3>{ format!("Ask all: {count} to {}", display::subject(&ask.subject)) }</h3>
            if !ask.replies.is_empty() {
                <ol class="replies" aria-label="Ask all replies">
                    { for ask.replies.iter().map(|r| html! {
                        <li>
                            <span class="output">{ &r.text }</span>
                            <span class="responder">{ format!(" from {}", r.responder) }</span>
                            <span class="after">{ format!(" after {}", r.after) }</span>
                        </li>
                    }) }
                </ol>
            }
            if ask.more > 0 {
                <p class="empty">{ format!("{} more replies not listed", ask.more) }</p>
            }
            { match &ask.end {
                None => html! { <p class="empty">{ "waiting for replies…" }</p> },
                Some(why) if ask.failed => html! { <p class="error">{ format!("error: {why}") }</p> },
                Some(why) => html! { <p class="empty">{ why }</p> },
            } }
        </div>
    }
}
