//! A raw HTTP/1.1 server on 127.0.0.1:0 for hostile answers a framework
//! would not send (no `Date`, endless bodies, stalls, escape sequences):
//! each connection is served by a thread that reads one request and writes
//! whatever the test's function returns, then closes the connection.
#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// One request as received: the head (request line and headers) and body.
#[derive(Debug, Clone)]
pub struct RawRequest {
    pub head: String,
    pub body: Vec<u8>,
}

impl RawRequest {
    /// The request line, for example `POST /api/v1/… HTTP/1.1`.
    pub fn line(&self) -> &str {
        self.head.lines().next().unwrap_or("")
    }

    /// A header's value (case-insensitive name), if present.
    pub fn header(&self, name: &str) -> Option<String> {
        self.head.lines().skip(1).find_map(|l| {
            let (n, v) = l.split_once(':')?;
            n.trim()
                .eq_ignore_ascii_case(name)
                .then(|| v.trim().to_owned())
        })
    }
}

/// What to send back.
pub enum Reply {
    /// These bytes, then close.
    Bytes(Vec<u8>),
    /// A head, then body bytes forever (until the client goes away).
    Endless { head: String, chunk: Vec<u8> },
    /// These bytes, then nothing for this long, then close.
    Stall { bytes: Vec<u8>, for_: Duration },
}

/// A full response with `Content-Length` and `Connection: close`, and no
/// `Date` unless the caller adds one in `headers`.
pub fn response(status: &str, headers: &[(&str, String)], body: &[u8]) -> Reply {
    let mut out = format!(
        "HTTP/1.1 {status}\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (k, v) in headers {
        out.push_str(&format!("{k}: {v}\r\n"));
    }
    out.push_str("\r\n");
    let mut bytes = out.into_bytes();
    bytes.extend_from_slice(body);
    Reply::Bytes(bytes)
}

pub fn json(status: &str, body: &serde_json::Value) -> Reply {
    response(
        status,
        &[("Content-Type", "application/json".to_owned())],
        body.to_string().as_bytes(),
    )
}

pub struct RawServer {
    pub base_url: String,
    requests: Arc<Mutex<Vec<RawRequest>>>,
}

impl RawServer {
    pub fn start(reply: impl Fn(&RawRequest, usize) -> Reply + Send + Sync + 'static) -> RawServer {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap_or_else(|e| panic!("bind: {e}"));
        let addr = listener
            .local_addr()
            .unwrap_or_else(|e| panic!("addr: {e}"));
        let requests: Arc<Mutex<Vec<RawRequest>>> = Arc::default();
        let reply = Arc::new(reply);
        let seen = requests.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { continue };
                let seen = seen.clone();
                let reply = reply.clone();
                std::thread::spawn(move || serve(stream, &seen, &*reply));
            }
        });
        RawServer {
            base_url: format!("http://{addr}"),
            requests,
        }
    }

    pub fn requests(&self) -> Vec<RawRequest> {
        self.requests.lock().map(|r| r.clone()).unwrap_or_default()
    }
}

fn serve(
    mut stream: TcpStream,
    seen: &Mutex<Vec<RawRequest>>,
    reply: &(dyn Fn(&RawRequest, usize) -> Reply + Send + Sync),
) {
    let mut buf = Vec::new();
    let mut byte = [0u8; 4096];
    let head_end = loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        match stream.read(&mut byte) {
            Ok(0) | Err(_) => return,
            Ok(n) => buf.extend_from_slice(&byte[..n]),
        }
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
    let mut request = RawRequest {
        head,
        body: buf[head_end..].to_vec(),
    };
    let length: usize = request
        .header("content-length")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    while request.body.len() < length {
        match stream.read(&mut byte) {
            Ok(0) | Err(_) => break,
            Ok(n) => request.body.extend_from_slice(&byte[..n]),
        }
    }
    let n = {
        let mut s = seen.lock().unwrap_or_else(|p| p.into_inner());
        s.push(request.clone());
        s.len() - 1
    };
    match reply(&request, n) {
        Reply::Bytes(b) => {
            let _ = stream.write_all(&b);
        }
        Reply::Endless { head, chunk } => {
            if stream.write_all(head.as_bytes()).is_err() {
                return;
            }
            while stream.write_all(&chunk).is_ok() {}
        }
        Reply::Stall { bytes, for_ } => {
            let _ = stream.write_all(&bytes);
            std::thread::sleep(for_);
        }
    }
    let _ = stream.flush();
}

/// Seconds since the epoch, now.
pub fn epoch_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// A session as Okta returns it.
pub fn session(id: &str, status: &str) -> serde_json::Value {
    serde_json::json!({
        "id": id,
        "identitySourceId": "0oa1",
        "status": status,
        "importType": "INCREMENTAL",
        "created": "2026-01-01T00:00:00.000Z",
        "lastUpdated": "2026-01-01T00:00:00.000Z"
    })
}
