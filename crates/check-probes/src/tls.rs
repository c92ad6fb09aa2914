//! The TLS client of `SSL_GET` (1.3.5 `keepalived/check/check_ssl.c`), on rustls with the ring
//! provider.
//!
//! 1.3.5 builds one OpenSSL context from the global `SSL { ca certificate key password }` block
//! and never calls `SSL_CTX_set_verify`, so it accepts any server certificate even when `ca` is
//! set (the CA is loaded but not enforced). Here:
//! - without `ca`: any certificate is accepted (the handshake signatures are still checked, so
//!   the server holds the key of the certificate it sent);
//! - with `ca`: the chain must lead to one of the CA file's certificates and be valid now; the
//!   name is not checked (probes connect to addresses, and 1.3.5 checked no name either).
//!
//! The converter decides whether to pass `ca` (a strict mode) or not (1.3.5's behaviour).

use std::fmt;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::WebPkiServerVerifier;
use rustls::crypto::{verify_tls12_signature, verify_tls13_signature, CryptoProvider};
use rustls::{
    CertificateError, ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme,
};
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use tokio::net::TcpStream;
use tokio_rustls::client::TlsStream;
use tokio_rustls::TlsConnector;

/// The files of the global `SSL { }` block.
#[derive(Clone, PartialEq, Eq, Debug, Default)]
pub struct TlsFiles {
    /// `ca`: PEM certificates to verify the server's chain against (see the module docs).
    pub ca: Option<PathBuf>,
    /// `certificate`: PEM client certificate chain.
    pub certificate: Option<PathBuf>,
    /// `key`: PEM private key of `certificate` (PKCS#8, PKCS#1 or SEC1, not encrypted).
    pub key: Option<PathBuf>,
    /// `password` of an encrypted `key`: not supported, see [`TlsError::EncryptedKey`].
    pub password: Option<String>,
}

/// Why the `SSL` block cannot be used (reported when the configuration is converted).
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    /// A file could not be read or holds no usable PEM item.
    #[error("SSL {what} {path}: {reason}")]
    File {
        /// Which keyword (`ca`, `certificate`, `key`).
        what: &'static str,
        /// The file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// The key is encrypted: decrypting PEM keys would need a PBES2/legacy-OpenSSL
    /// implementation we do not carry.
    #[error(
        "SSL key {0}: encrypted private keys are not supported; store it decrypted \
         (e.g. `openssl pkey -in KEY -out KEY.plain`) readable by root only, and drop `password`"
    )]
    EncryptedKey(PathBuf),
    /// `certificate` without `key` or the reverse.
    #[error("SSL: `certificate` and `key` must be given together")]
    CertWithoutKey,
    /// rustls refused the material (e.g. key does not match the certificate).
    #[error("SSL: {0}")]
    Rustls(#[from] rustls::Error),
}

/// A ready TLS client configuration (loaded once; cloning shares it).
#[derive(Clone)]
pub struct TlsConfig {
    files: TlsFiles,
    config: Arc<ClientConfig>,
}

impl PartialEq for TlsConfig {
    /// Two configurations are equal when made from the same files (a reload that changes
    /// nothing keeps the checkers).
    fn eq(&self, other: &Self) -> bool {
        self.files == other.files
    }
}

impl fmt::Debug for TlsConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TlsConfig")
            .field("files", &self.files)
            .finish_non_exhaustive()
    }
}

fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

fn file_err(what: &'static str, path: &Path, reason: impl fmt::Display) -> TlsError {
    TlsError::File {
        what,
        path: path.to_path_buf(),
        reason: reason.to_string(),
    }
}

fn load_certs(what: &'static str, path: &Path) -> Result<Vec<CertificateDer<'static>>, TlsError> {
    let certs = CertificateDer::pem_file_iter(path)
        .map_err(|e| file_err(what, path, e))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| file_err(what, path, e))?;
    if certs.is_empty() {
        return Err(file_err(what, path, "no PEM certificate"));
    }
    Ok(certs)
}

fn load_key(path: &Path) -> Result<PrivateKeyDer<'static>, TlsError> {
    let text = std::fs::read(path).map_err(|e| file_err("key", path, e))?;
    // "BEGIN ENCRYPTED PRIVATE KEY" (PKCS#8) or "Proc-Type: 4,ENCRYPTED" (legacy OpenSSL).
    if text.windows(9).any(|w| w == b"ENCRYPTED") {
        return Err(TlsError::EncryptedKey(path.to_path_buf()));
    }
    PrivateKeyDer::from_pem_slice(&text).map_err(|e| file_err("key", path, e))
}

impl TlsConfig {
    /// Load the `SSL` block's files (1.3.5 does this once at start-up and on reload).
    pub fn load(files: &TlsFiles) -> Result<TlsConfig, TlsError> {
        let provider = provider();
        let verifier: Arc<dyn ServerCertVerifier> = match &files.ca {
            None => Arc::new(AcceptAny(provider.clone())),
            Some(ca) => {
                let mut roots = RootCertStore::empty();
                for c in load_certs("ca", ca)? {
                    roots.add(c).map_err(|e| file_err("ca", ca, e))?;
                }
                let inner =
                    WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider.clone())
                        .build()
                        .map_err(|e| file_err("ca", ca, e))?;
                Arc::new(ChainOnly(inner))
            }
        };
        let builder = ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()?
            .dangerous()
            .with_custom_certificate_verifier(verifier);
        let config = match (&files.certificate, &files.key) {
            (None, None) => builder.with_no_client_auth(),
            (Some(cert), Some(key)) => {
                builder.with_client_auth_cert(load_certs("certificate", cert)?, load_key(key)?)?
            }
            _ => return Err(TlsError::CertWithoutKey),
        };
        Ok(TlsConfig {
            files: files.clone(),
            config: Arc::new(config),
        })
    }

    /// The files this configuration was loaded from.
    pub fn files(&self) -> &TlsFiles {
        &self.files
    }

    /// Handshake over `stream`. SNI is `sni` when it is a DNS name; otherwise none is sent
    /// (rustls sends no SNI for an address), like 1.3.5.
    pub(crate) async fn connect(
        &self,
        sni: Option<&str>,
        dst: SocketAddr,
        stream: TcpStream,
    ) -> std::io::Result<TlsStream<TcpStream>> {
        let name = sni
            .and_then(|s| ServerName::try_from(s.to_string()).ok())
            .filter(|n| matches!(n, ServerName::DnsName(_)))
            .unwrap_or_else(|| ServerName::IpAddress(dst.ip().into()));
        TlsConnector::from(self.config.clone())
            .connect(name, stream)
            .await
    }
}

/// No CA: accept any certificate (1.3.5), still checking the handshake signatures.
#[derive(Debug)]
struct AcceptAny(Arc<CryptoProvider>);

impl ServerCertVerifier for AcceptAny {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

/// With a CA: the chain must verify; a name mismatch alone is accepted.
#[derive(Debug)]
struct ChainOnly(Arc<WebPkiServerVerifier>);

impl ServerCertVerifier for ChainOnly {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        match self
            .0
            .verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now)
        {
            Err(rustls::Error::InvalidCertificate(
                CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. },
            )) => Ok(ServerCertVerified::assertion()),
            other => other,
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.0.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.0.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.supported_verify_schemes()
    }
}
