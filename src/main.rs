//! The page's entry point: mounts the yew app (see `nats_web::app`).

fn main() {
    nats_web::app::start();
}
