//! A build without the `jetstream` feature (the benchmark pages that share this crate): no
//! bucket, the responders answer `hello, <name>`, and the panel says why.

use super::Greetings;
use crate::app::state::{Availability, GreetingEdit, LogLine};
use nats_web::client::Client;

/// Why there are no greetings in such a build.
const WHY: &str = "this page was built without the jetstream feature: there is no bucket, and the responders answer hello, <name>";

impl Greetings {
    /// Says there is no bucket in this build.
    pub(super) async fn run(&self, _client: Client, _generation: u64) {
        self.available(Availability::Failed(WHY.into()));
        self.settle();
    }

    /// Writes nothing: there is no bucket in this build.
    pub async fn edit(&self, _edit: GreetingEdit) {
        self.log(LogLine::error(WHY));
    }
}
