//! The faults a run injects: a killed transport, a restarted server, and the way into a
//! reconnect's windows (transport open before INFO; INFO handled before the first PONG).

use nats_core::conn::Phase;

use super::{Oracle, Window, TURN};

impl Oracle {
    /// Drops the client's TCP connection, as a network failure would.
    pub fn kill(&mut self) {
        self.sync();
        let killed = self.client.kill_transport();
        self.stats.kills += u64::from(killed);
        self.note(format!("FAULT kill transport (had one: {killed})"));
        self.sync();
    }

    /// Restarts the server; the peer is let back in first, so that nothing the client sends
    /// is dropped for want of a subscriber.
    pub fn restart_server(&mut self) {
        self.sync();
        self.note("FAULT server restart".into());
        self.stats.restarts += 1;
        self.server.restart();
        let before = self.peer.reconnects;
        self.until("the peer reconnects after a restart", |o| {
            o.peer.pump(TURN);
            o.check_peer();
            o.peer.reconnects > before && o.peer.is_connected()
        });
    }

    /// Kills the transport if the client is connected, then runs the client alone until it
    /// is in `window` of its next connection. Commands given next land in that window.
    pub fn enter(&mut self, window: Window) {
        let want = match window {
            Window::AwaitInfo => Phase::AwaitInfo,
            Window::Handshake => Phase::Handshake,
        };
        let in_window = |o: &Self| *o.phase() == want && o.client.has_stream();
        if !in_window(self) && !matches!(self.phase(), Phase::Reconnecting | Phase::AwaitInfo) {
            self.kill();
        }
        self.until("the client reaches the window", |o| {
            if in_window(o) {
                return true;
            }
            o.pump_client();
            false
        });
        self.note(format!("in window {window:?}"));
    }

    /// Counts commands given in a window (for the report).
    pub fn count_window_op(&mut self) {
        self.stats.window_ops += 1;
    }
}
