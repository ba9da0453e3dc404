//! The Greetings panel: the KV bucket the greet responders answer from, listed live (key,
//! value, revision, last operation) and edited (put, update from the revision shown, delete).

use std::rc::Rc;

use web_sys::HtmlInputElement;
use yew::prelude::*;

use super::LogList;
use crate::app::display;
use crate::app::state::{
    Availability, GreetingEdit, GreetingRow, GreetingsView, LastOperation, HISTORY,
    MAX_GREETING_BYTES, MAX_NAME_BYTES,
};

/// Props of [`GreetingsPanel`].
#[derive(Properties, PartialEq)]
pub struct GreetingsPanelProps {
    /// The bucket as the page's watch sees it.
    pub view: Rc<GreetingsView>,
    /// Asks for an edit of the bucket.
    pub on_edit: Callback<GreetingEdit>,
    /// Opens the bucket and its watch again (after a failure).
    pub on_retry: Callback<()>,
}

/// The Greetings section.
#[function_component(GreetingsPanel)]
pub fn greetings_panel(props: &GreetingsPanelProps) -> Html {
    let view = &props.view;
    let key = use_node_ref();
    let value = use_node_ref();
    // The key and revision of the row whose Edit was clicked: the update names that revision.
    let editing = use_state_eq(|| None::<(String, u64)>);
    let on_submit = {
        let (key, value, editing, view) =
            (key.clone(), value.clone(), editing.clone(), view.clone());
        let on_edit = props.on_edit.clone();
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let (Some(k), Some(v)) = (
                key.cast::<HtmlInputElement>(),
                value.cast::<HtmlInputElement>(),
            ) else {
                return;
            };
            let edit = GreetingEdit::from_form(&view, (*editing).as_ref(), k.value(), v.value());
            editing.set(None);
            on_edit.emit(edit);
        })
    };
    let on_pick = {
        let (key, value, editing) = (key.clone(), value.clone(), editing.clone());
        Callback::from(move |row: GreetingRow| {
            if let Some(k) = key.cast::<HtmlInputElement>() {
                k.set_value(&row.key);
            }
            if let Some(v) = value.cast::<HtmlInputElement>() {
                v.set_value(&String::from_utf8_lossy(&row.value));
                let _ = v.focus();
            }
            editing.set(Some((row.key, row.revision)));
        })
    };
    let editable = view.availability.editable();
    let state = match view.availability {
        Availability::Live => "ok",
        Availability::Failed(_) => "error",
        Availability::NoJetStream => "idle",
        _ => "busy",
    };
    let bucket = display::subject(&view.bucket).into_owned();
    html! {
        <section aria-labelledby="greetings-title" class="greetings-panel">
            <h2 id="greetings-title">{ "Greetings" }</h2>
            // One text node (each element costs the page's wasm code of its own).
            <p>{ format!(
                "The greetings live in JetStream's Key-Value store: bucket {bucket} (stream KV_{bucket}, \
                 file storage so edits survive a server restart, the last {HISTORY} values of each key) maps a \
                 name to its greeting. The page watches the bucket (watch_all: every current value, then each \
                 change) into a local map, and both greet responders answer greet.<name> from that map: the \
                 value of key <name>, or hello, <name> when there is none. No KV get per request while the map \
                 holds the bucket, so replies stay as fast as before (the map keeps up to 1000 keys and values up to {MAX_GREETING_BYTES} B; \
                 a larger value, or a name past that, is read from the bucket). The example waits at most 5 s \
                 for the bucket's values: on a large bucket over a slow link its first replies may be hello, \
                 <name> for names not loaded yet. Change a greeting here, in another tab or with nats kv put {bucket} \
                 joe 'hi joe': the list shows it at once and the next reply uses it. Saving a listed key is an \
                 update from the revision shown: if it changed elsewhere meanwhile, the update fails instead of \
                 overwriting that change."
            ) }</p>
            <p class="status" data-state={state}>
                <strong>{ "Greetings: " }</strong>
                <span role="status">{ view.summary() }</span>
                if matches!(view.availability, Availability::Failed(_)) {
                    { " " }<button type="button" onclick={props.on_retry.reform(|_: MouseEvent| ())}>{ "Retry" }</button>
                }
            </p>
            if !view.rows.is_empty() {
                <div class="table">
                    <table aria-label="Greetings">
                        <thead><tr>
                            { for COLUMNS.iter().map(|c| html! { <th scope="col">{ *c }</th> }) }
                        </tr></thead>
                        <tbody>
                            { for view.rows.iter().map(|r| row(r, editable, &on_pick, &props.on_edit)) }
                        </tbody>
                    </table>
                </div>
            }
            <form class="controls" onsubmit={on_submit}>
                <label for="greeting-key">{ "Name" }</label>
                <input id="greeting-key" ref={key} autocomplete="off" spellcheck="false"
                    maxlength={MAX_NAME_BYTES.to_string()} />
                <label for="greeting-value">{ "Greeting" }</label>
                <input id="greeting-value" ref={value} autocomplete="off"
                    maxlength={MAX_GREETING_BYTES.to_string()} />
                <button type="submit" disabled={!editable}>{ "Put" }</button>
                if let Some((k, revision)) = &*editing {
                    <span class="responder-state">{ format!("editing {} at revision {revision}", display::subject(k)) }</span>
                }
            </form>
            <LogList label="Greetings log" lines={view.log.clone()} />
        </section>
    }
}

/// The table's column headers.
const COLUMNS: [&str; 5] = ["name", "greeting", "revision", "last operation", ""];

fn row(
    row: &GreetingRow,
    editable: bool,
    on_pick: &Callback<GreetingRow>,
    on_edit: &Callback<GreetingEdit>,
) -> Html {
    let live = row.operation == LastOperation::Put;
    // Edit fills the form with the value: not for one the book does not keep, nor one that is
    // not text (Put would write it back changed).
    let editable_value = !row.too_large() && std::str::from_utf8(&row.value).is_ok();
    let shown = match (live, row.too_large()) {
        (false, _) => "–".to_owned(),
        (true, true) => format!(
            "too large to list ({} B, over {MAX_GREETING_BYTES} B): replies read it from the bucket",
            row.size
        ),
        (true, false) => display::payload(&row.value),
    };
    let on_pick = {
        let (on_pick, picked) = (on_pick.clone(), row.clone());
        Callback::from(move |_: MouseEvent| on_pick.emit(picked.clone()))
    };
    let on_delete = {
        let key = row.key.clone();
        on_edit.reform(move |_: MouseEvent| GreetingEdit::Delete { key: key.clone() })
    };
    let key = display::subject(&row.key).into_owned();
    html! {
        <tr data-key={row.key.clone()}>
            <td><code>{ key.clone() }</code></td>
            <td>{ shown }</td>
            <td class="number">{ row.revision }</td>
            <td>{ row.operation.name() }</td>
            <td>
                <button type="button" class="toggle" onclick={on_pick} disabled={!editable || !editable_value}
                    aria-label={format!("Edit {key}")}>{ "Edit" }</button>{ " " }
                <button type="button" class="toggle" onclick={on_delete} disabled={!editable || !live}
                    aria-label={format!("Delete {key}")}>{ "Delete" }</button>
            </td>
        </tr>
    }
}
