//! A recording https server on 127.0.0.1:0 for the TLS tests: rustls with
//! *ring* (built with an explicit provider, so it never installs a process
//! default), HTTP/1.1 and HTTP/2 chosen by ALPN, and the test-only
//! certificates made when the tests run (`keygen`).
#![allow(dead_code)]

use std::convert::Infallible;
use std::sync::{Arc, Mutex};

use axum::body::Body;
use axum::http::{Request, Response, Version};
use hyper_util::rt::{TokioExecutor, TokioIo};
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};

/// The CA that signed the server's certificate, and a CA that signed
/// nothing the server presents.
pub use crate::keygen::{ca_pem, other_ca_pem};

pub const H2: &[u8] = b"h2";
pub const HTTP11: &[u8] = b"http/1.1";

/// One request as the server saw it.
#[derive(Debug, Clone)]
pub struct Seen {
    pub version: Version,
    /// The protocol the TLS handshake selected by ALPN.
    pub alpn: Option<Vec<u8>>,
    pub method: String,
    pub path: String,
    pub authorization: Option<String>,
    pub body: String,
}

type Responder = dyn Fn(&Seen) -> (u16, String) + Send + Sync;

#[derive(Default)]
struct Log {
    requests: Vec<Seen>,
    handshakes_ok: usize,
    handshake_errors: Vec<String>,
}

pub struct TlsServer {
    pub url: String,
    log: Arc<Mutex<Log>>,
}

impl TlsServer {
    /// Serves `respond(request) -> (status, JSON body)`, offering the ALPN
    /// protocols `alpn` in order of preference.
    pub async fn start(
        alpn: &[&[u8]],
        respond: impl Fn(&Seen) -> (u16, String) + Send + Sync + 'static,
    ) -> TlsServer {
        let certs: Vec<CertificateDer<'static>> =
            CertificateDer::pem_slice_iter(crate::keygen::tls().server_cert_pem.as_bytes())
                .collect::<Result<_, _>>()
                .expect("server certificate");
        let key = PrivateKeyDer::from_pem_slice(crate::keygen::tls().server_key_pem.as_bytes())
            .expect("server key");
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut config = rustls::ServerConfig::builder_with_provider(provider)
            .with_protocol_versions(rustls::ALL_VERSIONS)
            .expect("TLS versions")
            .with_no_client_auth()
            .with_single_cert(certs, key)
            .expect("server TLS config");
        config.alpn_protocols = alpn.iter().map(|p| p.to_vec()).collect();
        let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let url = format!("https://{}", listener.local_addr().expect("address"));
        let log: Arc<Mutex<Log>> = Arc::default();
        let respond: Arc<Responder> = Arc::new(respond);
        let server_log = log.clone();
        tokio::spawn(async move {
            while let Ok((tcp, _)) = listener.accept().await {
                let acceptor = acceptor.clone();
                let log = server_log.clone();
                let respond = respond.clone();
                tokio::spawn(async move {
                    let tls = match acceptor.accept(tcp).await {
                        Ok(tls) => tls,
                        Err(e) => {
                            log.lock().unwrap().handshake_errors.push(e.to_string());
                            return;
                        }
                    };
                    log.lock().unwrap().handshakes_ok += 1;
                    let alpn = tls.get_ref().1.alpn_protocol().map(<[u8]>::to_vec);
                    let service =
                        hyper::service::service_fn(move |req: Request<hyper::body::Incoming>| {
                            let log = log.clone();
                            let respond = respond.clone();
                            let alpn = alpn.clone();
                            async move {
                                let (parts, body) = req.into_parts();
                                let body = axum::body::to_bytes(Body::new(body), usize::MAX)
                                    .await
                                    .unwrap_or_default();
                                let seen = Seen {
                                    version: parts.version,
                                    alpn,
                                    method: parts.method.to_string(),
                                    path: parts.uri.path().to_owned(),
                                    authorization: parts
                                        .headers
                                        .get("authorization")
                                        .and_then(|v| v.to_str().ok())
                                        .map(str::to_owned),
                                    body: String::from_utf8_lossy(&body).into_owned(),
                                };
                                let (status, json) = respond(&seen);
                                log.lock().unwrap().requests.push(seen);
                                let response = Response::builder()
                                    .status(status)
                                    .header("content-type", "application/json")
                                    .body(Body::from(json))
                                    .expect("response");
                                Ok::<_, Infallible>(response)
                            }
                        });
                    let _ = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new())
                        .serve_connection(TokioIo::new(tls), service)
                        .await;
                });
            }
        });
        TlsServer { url, log }
    }

    pub fn requests(&self) -> Vec<Seen> {
        self.log.lock().unwrap().requests.clone()
    }

    pub fn handshakes_ok(&self) -> usize {
        self.log.lock().unwrap().handshakes_ok
    }

    pub fn handshake_errors(&self) -> Vec<String> {
        self.log.lock().unwrap().handshake_errors.clone()
    }
}
