//! A fault-injecting TCP proxy for sync tests. Each connection it accepts
//! takes the next planned [`Fault`]: pass through, or cut both directions
//! after a number of bytes of the request or of the response, the way a
//! mobile link drops in a family's kitchen, or never answer at all.

use std::collections::VecDeque;
use std::io::{Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;

/// What happens to one proxied connection.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fault {
    /// Forward everything.
    None,
    /// Cut the connection after this many request bytes reached the server.
    CutRequestAfter(usize),
    /// Cut the connection after this many response bytes reached the client.
    CutResponseAfter(usize),
    /// Accept the connection, read the request and never answer (a server
    /// that hangs): the client waits until its own timeout.
    BlackHole,
}

/// The proxy; stops when dropped.
pub struct FaultProxy {
    addr: SocketAddr,
    plan: Arc<Mutex<VecDeque<Fault>>>,
    stop: Arc<AtomicBool>,
    cuts: Arc<AtomicUsize>,
}

impl FaultProxy {
    /// Listens on a free loopback port and forwards to `upstream`.
    pub fn start(upstream: SocketAddr) -> FaultProxy {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind proxy");
        let addr = listener.local_addr().expect("proxy address");
        let plan: Arc<Mutex<VecDeque<Fault>>> = Arc::default();
        let stop = Arc::new(AtomicBool::new(false));
        let cuts = Arc::new(AtomicUsize::new(0));
        let (p, s, c) = (plan.clone(), stop.clone(), cuts.clone());
        thread::spawn(move || {
            for client in listener.incoming() {
                if s.load(Ordering::SeqCst) {
                    return;
                }
                let Ok(client) = client else { continue };
                let fault = p
                    .lock()
                    .expect("plan lock")
                    .pop_front()
                    .unwrap_or(Fault::None);
                let c = c.clone();
                thread::spawn(move || relay(client, upstream, fault, &c));
            }
        });
        FaultProxy {
            addr,
            plan,
            stop,
            cuts,
        }
    }

    /// The proxy's address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://` URL of the proxy.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Queues faults for the next connections, in order; connections beyond
    /// the queue pass through.
    pub fn plan(&self, faults: impl IntoIterator<Item = Fault>) {
        self.plan.lock().expect("plan lock").extend(faults);
    }

    /// How many connections the proxy has cut so far.
    pub fn cuts(&self) -> usize {
        self.cuts.load(Ordering::SeqCst)
    }
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wake the accept loop.
        let _ = TcpStream::connect(self.addr);
    }
}

fn relay(client: TcpStream, upstream: SocketAddr, fault: Fault, cuts: &AtomicUsize) {
    if fault == Fault::BlackHole {
        // Read whatever comes, answer nothing, until the client gives up.
        let mut client = client;
        let mut buf = [0u8; 16 * 1024];
        while matches!(client.read(&mut buf), Ok(n) if n > 0) {}
        return;
    }
    let Ok(server) = TcpStream::connect(upstream) else {
        let _ = client.shutdown(Shutdown::Both);
        return;
    };
    let (up_budget, down_budget) = match fault {
        Fault::None => (usize::MAX, usize::MAX),
        Fault::CutRequestAfter(n) => (n, usize::MAX),
        Fault::CutResponseAfter(n) => (usize::MAX, n),
        Fault::BlackHole => return,
    };
    let (c2, s2) = match (client.try_clone(), server.try_clone()) {
        (Ok(c), Ok(s)) => (c, s),
        _ => return,
    };
    let cut = Arc::new(AtomicBool::new(false));
    let cut2 = cut.clone();
    let up = thread::spawn(move || pump(c2, s2, up_budget, &cut2));
    let down_cut = pump(server, client, down_budget, &cut);
    let up_cut = up.join().unwrap_or(false);
    if up_cut || down_cut {
        cuts.fetch_add(1, Ordering::SeqCst);
    }
}

/// Copies `from` → `to` until EOF or `budget` bytes, then shuts both down.
/// Returns whether the budget cut the stream.
fn pump(mut from: TcpStream, mut to: TcpStream, mut budget: usize, cut: &AtomicBool) -> bool {
    let mut buf = [0u8; 16 * 1024];
    let mut was_cut = false;
    while !cut.load(Ordering::SeqCst) {
        let n = match from.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        let allowed = n.min(budget);
        if to.write_all(&buf[..allowed]).is_err() {
            break;
        }
        budget -= allowed;
        if budget == 0 {
            was_cut = true;
            break;
        }
    }
    if was_cut {
        cut.store(true, Ordering::SeqCst);
        // A hard cut: both directions, both sockets.
        let _ = from.shutdown(Shutdown::Both);
        let _ = to.shutdown(Shutdown::Both);
    } else {
        let _ = to.shutdown(Shutdown::Write);
    }
    was_cut
}
