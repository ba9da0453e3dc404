//! How a service ends: [`Service::stop`](super::Service::stop)'s drain, stopping on its own with an error
//! ([`fail`]), and [`Life`], which stops it when the application has dropped every handle.

use std::cell::RefCell;
use std::future::Future;
use std::rc::Rc;
use std::task::Poll;

use super::instance::State;
use super::Error;
use crate::client::SubscriberHandle;

/// Records how the service ended, once, and tells every [`Service::closed`](super::Service::closed).
pub(crate) fn finish(state: &RefCell<State>, outcome: Result<(), Error>) {
    let waiters = {
        let mut state = state.borrow_mut();
        if state.outcome.is_some() {
            return;
        }
        state.outcome = Some(outcome.clone());
        std::mem::take(&mut state.waiters)
    };
    for tx in waiters {
        tx.send(outcome.clone());
    }
}

/// Every subscription of the service, its endpoints' first.
pub(crate) fn handles(state: &State) -> Vec<SubscriberHandle> {
    let endpoints = state.endpoints.iter().map(|e| e.handle.clone());
    endpoints.chain(state.verbs.iter().cloned()).collect()
}

/// The service stops on its own with `error` (unless it was stopped already): its
/// subscriptions are drained in the background and [`Service::closed`](super::Service::closed) resolves `Err(error)`.
pub(crate) fn fail(state: &Rc<RefCell<State>>, error: Error) {
    let handles = {
        let mut state = state.borrow_mut();
        if state.stopped {
            return;
        }
        state.stopped = true;
        state.error = Some(error.clone());
        handles(&state)
    };
    finish(state, Err(error));
    wasm_bindgen_futures::spawn_local(async move {
        let _ = drain_all(&handles).await;
    });
}

/// Drains `handles` all at once (a round trip, not one per subscription); the first error.
pub(crate) async fn drain_all(handles: &[SubscriberHandle]) -> Result<(), Error> {
    let mut drains: Vec<_> = handles.iter().map(|h| Some(Box::pin(h.drain()))).collect();
    let mut result = Ok(());
    futures::future::poll_fn(|cx| {
        let mut pending = false;
        for slot in &mut drains {
            if let Some(drain) = slot {
                match drain.as_mut().poll(cx) {
                    Poll::Ready(done) => {
                        if let Err(e) = done {
                            result = result.clone().and(Err(e));
                        }
                        *slot = None;
                    }
                    Poll::Pending => pending = true,
                }
            }
        }
        if pending {
            Poll::Pending
        } else {
            Poll::Ready(())
        }
    })
    .await;
    Ok(result?)
}

/// Keeps a service running while the application holds it: shared by every [`Service`](super::Service)
/// handle (and so every [`Group`](super::Group) and builder) and every [`Endpoint`](super::Endpoint). When the last is
/// dropped, the service stops: its discovery subscriptions end, its task ends, and it no
/// longer holds the connection open.
pub(crate) struct Life(pub Rc<RefCell<State>>);

impl Drop for Life {
    fn drop(&mut self) {
        let state = self.0.clone();
        if state.try_borrow_mut().is_ok() {
            stop_dropped(&state);
        } else {
            // Dropped while the service's state is in use: right after it, never not at all.
            wasm_bindgen_futures::spawn_local(async move { stop_dropped(&state) });
        }
    }
}

/// Stops a service whose last handle was dropped: no drain, its subscriptions end.
fn stop_dropped(life: &Rc<RefCell<State>>) {
    let handles = {
        let mut state = life.borrow_mut();
        if state.stopped {
            return;
        }
        state.stopped = true;
        handles(&state)
    };
    finish(life, Ok(()));
    // Right after, not inside whatever dropped it (it may be using the connection).
    wasm_bindgen_futures::spawn_local(async move {
        for handle in handles {
            let _ = handle.unsubscribe();
        }
    });
}
