//! The page's parts. Each takes plain props and callbacks; none talks to NATS itself.

mod ask_all_list;
mod diagram_panel;
mod example_panel;
mod greetings_panel;
mod log_list;
mod playground_panel;
mod sequence_diagram;
mod services_panel;
mod status_line;
mod trace_panel;

pub use ask_all_list::ask_all_list;
pub use diagram_panel::DiagramPanel;
pub use example_panel::ExamplePanel;
pub use greetings_panel::GreetingsPanel;
pub use log_list::LogList;
pub use playground_panel::PlaygroundPanel;
pub use sequence_diagram::sequence_diagram;
pub use services_panel::ServicesPanel;
pub use status_line::StatusLine;
pub use trace_panel::TracePanel;
