//! The page's hooks (as in yew's function_todomvc: components render, hooks derive).

mod use_diagram;
mod use_greeting_actions;

pub use use_diagram::use_diagram;
pub use use_greeting_actions::{use_greeting_actions, GreetingActions};
