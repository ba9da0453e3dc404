//! The browser transport: a `web_sys::WebSocket` carrying binary frames, and a `setTimeout`
//! timer. Both own their JS closures and detach them on drop, so nothing calls into freed Rust
//! state and no socket outlives its owner. Both work on a page and in a Web Worker: the timer
//! uses the global scope's `setTimeout`, not `window`'s (there is no `window` in a worker).

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use js_sys::{ArrayBuffer, Uint8Array};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::prelude::wasm_bindgen;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{BinaryType, CloseEvent, MessageEvent, WebSocket};

/// What the socket reports to its owner.
pub trait SocketHandler {
    /// The WebSocket handshake finished.
    fn on_open(&self);
    /// A frame arrived; `bytes` is only valid during the call.
    fn on_data(&self, bytes: &[u8]);
    /// The socket closed (`was_open` tells whether it ever opened).
    fn on_close(&self, closed: SocketClosed);
}

/// How a socket closed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SocketClosed {
    /// The WebSocket close code (1006 when the connection failed or dropped).
    pub code: u16,
    /// The close reason the server gave, often empty.
    pub reason: String,
    /// Whether the socket had opened before it closed.
    pub was_open: bool,
}

thread_local! {
    static LIVE_SOCKETS: Cell<usize> = const { Cell::new(0) };
}

/// How many [`Socket`]s exist on this thread: one per connected client, never more (no ghost
/// transports after reconnects).
pub fn live_sockets() -> usize {
    LIVE_SOCKETS.with(Cell::get)
}

/// An open (or opening) WebSocket with its event listeners.
pub struct Socket {
    ws: WebSocket,
    _on_open: Closure<dyn FnMut(web_sys::Event)>,
    _on_message: Closure<dyn FnMut(MessageEvent)>,
    _on_close: Closure<dyn FnMut(CloseEvent)>,
}

impl Socket {
    /// Starts opening a WebSocket to `url`; events go to `handler`. Fails at once when the
    /// browser refuses the URL (bad syntax, `ws://` from an `https://` page).
    pub fn open(url: &str, handler: Rc<dyn SocketHandler>) -> Result<Socket, String> {
        let ws = WebSocket::new(url).map_err(|e| describe_js_error(&e))?;
        ws.set_binary_type(BinaryType::Arraybuffer);
        let opened = Rc::new(RefCell::new(false));

        let on_open = {
            let (handler, opened) = (handler.clone(), opened.clone());
            Closure::<dyn FnMut(web_sys::Event)>::new(move |_| {
                *opened.borrow_mut() = true;
                handler.on_open();
            })
        };
        let on_message = {
            let handler = handler.clone();
            let mut scratch = Vec::new();
            Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
                if let Ok(buffer) = event.data().dyn_into::<ArrayBuffer>() {
                    let array = Uint8Array::new(&buffer);
                    scratch.resize(array.length() as usize, 0);
                    array.copy_to(&mut scratch);
                    handler.on_data(&scratch);
                }
            })
        };
        let on_close = Closure::<dyn FnMut(CloseEvent)>::new(move |event: CloseEvent| {
            handler.on_close(SocketClosed {
                code: event.code(),
                reason: event.reason(),
                was_open: *opened.borrow(),
            });
        });
        ws.set_onopen(Some(on_open.as_ref().unchecked_ref()));
        ws.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        ws.set_onclose(Some(on_close.as_ref().unchecked_ref()));
        LIVE_SOCKETS.with(|n| n.set(n.get() + 1));
        Ok(Socket {
            ws,
            _on_open: on_open,
            _on_message: on_message,
            _on_close: on_close,
        })
    }

    /// Sends `bytes` as one binary frame.
    pub fn send(&self, bytes: &[u8]) -> Result<(), String> {
        self.ws
            .send_with_u8_array(bytes)
            .map_err(|e| describe_js_error(&e))
    }

    /// Bytes given to [`Socket::send`] that the browser has not put on the network yet
    /// (`WebSocket.bufferedAmount`).
    pub fn buffered_amount(&self) -> u32 {
        self.ws.buffered_amount()
    }

    /// Whether the handshake finished and the socket takes frames (`readyState` is `OPEN`).
    pub fn is_open(&self) -> bool {
        self.ws.ready_state() == WebSocket::OPEN
    }
}

impl Drop for Socket {
    fn drop(&mut self) {
        self.ws.set_onopen(None);
        self.ws.set_onmessage(None);
        self.ws.set_onclose(None);
        // With an explicit 1000 (normal closure): without a code, nats-server 2.9 answers with
        // the reserved 1005 on the wire, and the browser logs a broken close frame.
        let _ = self.ws.close_with_code(1000);
        LIVE_SOCKETS.with(|n| n.set(n.get() - 1));
    }
}

#[wasm_bindgen]
extern "C" {
    /// The global scope's `setTimeout` (`Window` or `WorkerGlobalScope`).
    #[wasm_bindgen(js_name = setTimeout)]
    fn set_timeout(handler: &js_sys::Function, delay_ms: i32) -> JsValue;
    /// The global scope's `clearTimeout`.
    #[wasm_bindgen(js_name = clearTimeout)]
    fn clear_timeout(handle: &JsValue);
}

/// A `setTimeout` with one fixed callback, armed for at most one deadline at a time. The
/// callback lives as long as the timer, so re-arming from inside it is safe.
pub struct Timer {
    callback: Closure<dyn FnMut()>,
    handle: Option<JsValue>,
}

impl Timer {
    /// A disarmed timer that calls `f` whenever an armed deadline passes.
    pub fn new(f: impl FnMut() + 'static) -> Self {
        Timer {
            callback: Closure::new(f),
            handle: None,
        }
    }

    /// Arms the timer `delay_ms` from now, replacing any earlier deadline.
    pub fn arm(&mut self, delay_ms: i32) {
        self.cancel();
        self.handle = Some(set_timeout(
            self.callback.as_ref().unchecked_ref(),
            delay_ms.max(0),
        ));
    }

    /// Forgets a deadline that has just fired (its handle is no longer valid).
    pub fn fired(&mut self) {
        self.handle = None;
    }

    /// Cancels the armed deadline, if any.
    pub fn cancel(&mut self) {
        if let Some(handle) = self.handle.take() {
            clear_timeout(&handle);
        }
    }
}

impl Drop for Timer {
    fn drop(&mut self) {
        self.cancel();
    }
}

fn describe_js_error(e: &JsValue) -> String {
    e.dyn_ref::<js_sys::Error>()
        .map(|e| String::from(e.message()))
        .or_else(|| e.as_string())
        .or_else(|| js_sys::JSON::stringify(e).ok()?.as_string())
        .unwrap_or_else(|| "an error JavaScript could not describe".into())
}
