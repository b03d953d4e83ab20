//! TLS for the client's own `reqwest::Client`: rustls, with the *ring*
//! crypto provider unless the application chose another one.
//!
//! reqwest is built with `rustls-no-provider` (its default, aws-lc-rs, is a
//! C library whose build dominated a clean build of this crate). Without a
//! provider, reqwest's client builder panics unless a process-default
//! rustls [`CryptoProvider`] is installed. A library must neither panic nor
//! take that process-wide choice away from the application, so:
//!
//! - when a process default is installed, reqwest builds its TLS
//!   configuration as usual with it (extra root certificates are handed to
//!   reqwest);
//! - otherwise this module builds the configuration reqwest would build,
//!   with ring as the provider, and hands it to reqwest
//!   (`tls_backend_preconfigured`). Nothing is installed process-wide.
//!
//! "What reqwest would build" (reqwest 0.13, `async_impl/client.rs`, rustls
//! backend, default settings): every protocol version rustls has (TLS 1.3
//! and 1.2), the platform verifier (`rustls-platform-verifier`; on Linux the
//! system roots read by `rustls-native-certs`, which honours
//! `SSL_CERT_FILE` and `SSL_CERT_DIR`) extended with the extra roots, no
//! client certificate, SNI on, and ALPN `h2` then `http/1.1` (`http/1.1`
//! alone without the crate's `http2` feature, as reqwest does without its
//! own).

use std::sync::Arc;

use rustls::crypto::CryptoProvider;
use rustls_pki_types::CertificateDer;
use rustls_pki_types::pem::PemObject;

/// Parses the `CERTIFICATE` blocks of a PEM text (a bundle may hold
/// several). Fails when there is none or one is malformed.
pub(crate) fn parse_root_certificates(
    pem: &[u8],
) -> std::result::Result<Vec<CertificateDer<'static>>, String> {
    let mut certs = Vec::new();
    for (n, cert) in CertificateDer::pem_slice_iter(pem).enumerate() {
        match cert {
            Ok(c) => certs.push(c),
            Err(e) => {
                return Err(format!(
                    "root certificate PEM: block {} is not a valid certificate ({e})",
                    n + 1
                ));
            }
        }
    }
    if certs.is_empty() {
        return Err(
            "root certificate PEM: no `-----BEGIN CERTIFICATE-----` block found".to_owned(),
        );
    }
    Ok(certs)
}

/// Sets up TLS on `builder`, trusting `extra_roots` in addition to the
/// platform's roots. See the module documentation.
pub(crate) fn configure(
    builder: reqwest::ClientBuilder,
    extra_roots: &[CertificateDer<'static>],
) -> std::result::Result<reqwest::ClientBuilder, String> {
    if CryptoProvider::get_default().is_some() {
        // reqwest uses the application's provider and builds the rest itself.
        let mut certs = Vec::with_capacity(extra_roots.len());
        for der in extra_roots {
            certs.push(
                reqwest::Certificate::from_der(der)
                    .map_err(|e| format!("root certificate rejected: {e}"))?,
            );
        }
        return Ok(builder.tls_certs_merge(certs));
    }
    Ok(builder.tls_backend_preconfigured(ring_client_config(extra_roots)?))
}

/// The rustls configuration reqwest builds by default, with ring.
fn ring_client_config(
    extra_roots: &[CertificateDer<'static>],
) -> std::result::Result<rustls::ClientConfig, String> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let verifier = platform_verifier(extra_roots, provider.clone())?;
    let mut config = rustls::ClientConfig::builder_with_provider(provider)
        .with_protocol_versions(rustls::ALL_VERSIONS)
        .map_err(|e| format!("TLS configuration: {e}"))?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(verifier))
        .with_no_client_auth();
    // reqwest sets ALPN itself only on configurations it builds; HTTP/2 is
    // used only when the server selects `h2` here, so `h2` is offered only
    // when reqwest can speak it.
    config.alpn_protocols = alpn_protocols();
    Ok(config)
}

fn alpn_protocols() -> Vec<Vec<u8>> {
    if cfg!(feature = "http2") {
        vec![b"h2".to_vec(), b"http/1.1".to_vec()]
    } else {
        vec![b"http/1.1".to_vec()]
    }
}

fn platform_verifier(
    extra_roots: &[CertificateDer<'static>],
    provider: Arc<CryptoProvider>,
) -> std::result::Result<rustls_platform_verifier::Verifier, String> {
    let describe = |e: rustls::Error| format!("TLS certificate verifier: {e}");
    if extra_roots.is_empty() {
        return rustls_platform_verifier::Verifier::new(provider).map_err(describe);
    }
    // The platforms where reqwest (and the verifier) accept extra roots.
    #[cfg(any(all(unix, not(target_os = "android")), target_os = "windows"))]
    {
        rustls_platform_verifier::Verifier::new_with_extra_roots(
            extra_roots.iter().cloned(),
            provider,
        )
        .map_err(describe)
    }
    #[cfg(not(any(all(unix, not(target_os = "android")), target_os = "windows")))]
    {
        drop(provider);
        Err("extra root certificates are not supported on this platform".to_owned())
    }
}

/// The rustls error somewhere in `error`'s chain of sources, if any. An
/// `io::Error` does not list the error it wraps as its source (and
/// hyper-rustls wraps tokio-rustls' `io::Error` in another one), so each
/// one is looked into.
pub(crate) fn rustls_error_in<'a>(
    error: &'a (dyn std::error::Error + 'static),
) -> Option<&'a rustls::Error> {
    let mut current = Some(error);
    while let Some(e) = current {
        if let Some(found) = e.downcast_ref::<rustls::Error>() {
            return Some(found);
        }
        current = match e
            .downcast_ref::<std::io::Error>()
            .and_then(std::io::Error::get_ref)
        {
            Some(inner) => Some(inner),
            None => e.source(),
        };
    }
    None
}

/// Whether `error` is a refused server certificate: retrying cannot help.
pub(crate) fn certificate_refused(error: &(dyn std::error::Error + 'static)) -> bool {
    matches!(
        rustls_error_in(error),
        Some(rustls::Error::InvalidCertificate(_))
    )
}

/// What to add to a transport error message when TLS failed.
pub(crate) fn failure_hint(error: &(dyn std::error::Error + 'static)) -> Option<&'static str> {
    Some(match rustls_error_in(error)? {
        rustls::Error::InvalidCertificate(_) => {
            "TLS: the server's certificate is not trusted; for a private CA or a TLS-inspecting proxy, add the CA with ClientBuilder::add_root_certificates_pem"
        }
        _ => "TLS handshake failed",
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn h2_is_offered_exactly_with_the_http2_feature() {
        let config = super::ring_client_config(&[]).expect("TLS configuration");
        let offered: Vec<&[u8]> = config.alpn_protocols.iter().map(Vec::as_slice).collect();
        if cfg!(feature = "http2") {
            assert_eq!(offered, [&b"h2"[..], b"http/1.1"]);
        } else {
            assert_eq!(offered, [&b"http/1.1"[..]]);
        }
    }
}
