//! An ordered log of steps, outputs and errors.

use std::rc::Rc;

use yew::prelude::*;

use crate::app::display;
use crate::app::state::{LogLine, Tone};

/// Props of [`LogList`].
#[derive(Properties, PartialEq)]
pub struct LogListProps {
    /// Accessible name of the list.
    pub label: AttrValue,
    /// The lines, oldest first.
    pub lines: Rc<Vec<LogLine>>,
    /// Shown when there are no lines yet.
    #[prop_or_default]
    pub empty: AttrValue,
}

/// The lines as an `<ol>`; outputs stand out, errors say "error".
#[function_component(LogList)]
pub fn log_list(props: &LogListProps) -> Html {
    if props.lines.is_empty() {
        return html! { <p class="empty">{ props.empty.clone() }</p> };
    }
    html! {
        <ol class="log" aria-label={props.label.clone()}>
            { for props.lines.iter().map(|line| {
                let (class, marker) = match line.tone {
                    Tone::Step => ("step", ""),
                    Tone::Output => ("output", ""),
                    Tone::Error => ("error", "error: "),
                };
                html! { <li class={class}>{ marker }{ display::line(&line.text).into_owned() }</li> }
            }) }
        </ol>
    }
}
