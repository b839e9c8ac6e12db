//! A tiny HTTP proxy on loopback that records the first line of every request it gets: plain
//! requests (absolute-form, `GET http://127.0.0.1:…/…`) are forwarded to a loopback server one
//! per connection; `CONNECT` tunnels are opened to loopback only and refused for any other host,
//! so nothing ever leaves the machine.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::Duration;

pub struct Proxy {
    pub url: String,
    seen: Arc<Mutex<Vec<String>>>,
}

impl Proxy {
    pub fn start() -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let seen = Arc::new(Mutex::new(Vec::new()));
        let log = seen.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let log = log.clone();
                std::thread::spawn(move || serve(stream, &log));
            }
        });
        Proxy { url, seen }
    }

    /// The request lines seen so far (`CONNECT host:443 HTTP/1.1`, `GET http://… HTTP/1.1`).
    pub fn requests(&self) -> Vec<String> {
        self.seen.lock().unwrap().clone()
    }
}

/// Read up to the end of the request head; returns (head, bytes read past it).
fn head(stream: &mut TcpStream) -> Option<(String, Vec<u8>)> {
    let mut data = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        let n = stream.read(&mut buf).ok()?;
        if n == 0 {
            return None;
        }
        data.extend_from_slice(&buf[..n]);
        if let Some(at) = data.windows(4).position(|w| w == b"\r\n\r\n") {
            let rest = data.split_off(at + 4);
            return Some((String::from_utf8_lossy(&data).into_owned(), rest));
        }
    }
}

fn is_loopback(host_port: &str) -> bool {
    host_port.starts_with("127.0.0.1:") || host_port.starts_with("localhost:")
}

fn serve(mut client: TcpStream, log: &Mutex<Vec<String>>) {
    let _ = client.set_read_timeout(Some(Duration::from_secs(10)));
    let Some((head, rest)) = head(&mut client) else {
        return;
    };
    let line = head.lines().next().unwrap_or_default().to_string();
    log.lock().unwrap().push(line.clone());
    let mut parts = line.split_whitespace();
    let (method, target) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
    if method == "CONNECT" {
        if !is_loopback(target) {
            let _ = client.write_all(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n");
            return;
        }
        let Ok(upstream) = TcpStream::connect(target) else {
            return;
        };
        let _ = client.write_all(b"HTTP/1.1 200 Connection established\r\n\r\n");
        tunnel(client, upstream);
        return;
    }
    let Some(after) = target.strip_prefix("http://") else {
        return;
    };
    let (host, path) = after.split_at(after.find('/').unwrap_or(after.len()));
    if !is_loopback(host) {
        return;
    }
    forward(client, host, &head.replacen(target, path, 1), rest);
}

/// One request to `host`, its answer back with `Connection: close`, then both closed.
fn forward(mut client: TcpStream, host: &str, head: &str, mut body: Vec<u8>) {
    let length = head
        .lines()
        .find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.eq_ignore_ascii_case("content-length")
                .then(|| v.trim().parse().ok())?
        })
        .unwrap_or(0usize);
    let mut buf = [0u8; 4096];
    while body.len() < length {
        match client.read(&mut buf) {
            Ok(0) | Err(_) => return,
            Ok(n) => body.extend_from_slice(&buf[..n]),
        }
    }
    let Ok(mut upstream) = TcpStream::connect(host) else {
        return;
    };
    let head = head.replacen("\r\n", "\r\nConnection: close\r\n", 1);
    let _ = upstream.write_all(head.as_bytes());
    let _ = upstream.write_all(&body);
    let mut answer = Vec::new();
    let _ = upstream.read_to_end(&mut answer);
    if let Some(at) = answer.windows(2).position(|w| w == b"\r\n") {
        answer.splice(at + 2..at + 2, b"Connection: close\r\n".iter().copied());
    }
    let _ = client.write_all(&answer);
}

fn tunnel(client: TcpStream, upstream: TcpStream) {
    let (mut c2, mut u2) = (client.try_clone().unwrap(), upstream.try_clone().unwrap());
    let (mut c, mut u) = (client, upstream);
    let up = std::thread::spawn(move || {
        let _ = std::io::copy(&mut c2, &mut u2);
        let _ = u2.shutdown(std::net::Shutdown::Write);
    });
    let _ = std::io::copy(&mut u, &mut c);
    let _ = up.join();
}
