//! Error type of the crate.

/// Failure of a netlink operation.
#[derive(Debug, thiserror::Error)]
pub enum NetlinkError {
    /// The netlink socket could not be opened or bound.
    #[error("cannot open netlink socket: {0}")]
    Socket(#[from] std::io::Error),
    /// The kernel answered a request with an error code.
    #[error("netlink request failed: {0}")]
    Kernel(std::io::Error),
    /// The request could not be carried out (connection gone, unexpected reply).
    #[error("netlink request failed: {0}")]
    Request(String),
    /// The caller passed something the kernel message cannot express.
    #[error("invalid address specification: {0}")]
    InvalidSpec(String),
}

impl NetlinkError {
    /// The kernel's errno, when the kernel rejected the request.
    pub fn errno(&self) -> Option<i32> {
        match self {
            NetlinkError::Kernel(e) => e.raw_os_error(),
            _ => None,
        }
    }
}

impl From<rtnetlink::Error> for NetlinkError {
    fn from(e: rtnetlink::Error) -> Self {
        match e {
            rtnetlink::Error::NetlinkError(msg) => NetlinkError::Kernel(msg.to_io()),
            other => NetlinkError::Request(other.to_string()),
        }
    }
}
