//! Log levels, and free-text log lines (the daemon's own messages, e.g. configuration
//! warnings; the engine reports typed [`crate::Event`]s instead).

/// How a line is logged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum LogLevel {
    /// Error (LOG_ERR).
    Error,
    /// Warning (LOG_WARNING).
    Warning,
    /// Normal informational line (LOG_INFO).
    Info,
    /// Only logged with `-D/--log-detail`.
    Detail,
}

/// One log line, e.g. `VRRP_Instance(VI_1) Entering MASTER STATE`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogLine {
    /// Level.
    pub level: LogLevel,
    /// Text, without prefix or newline.
    pub text: String,
}

impl LogLine {
    /// A LOG_INFO line.
    pub fn info(text: impl Into<String>) -> Self {
        LogLine {
            level: LogLevel::Info,
            text: text.into(),
        }
    }

    /// A line keepalived only logs with `-D`.
    pub fn detail(text: impl Into<String>) -> Self {
        LogLine {
            level: LogLevel::Detail,
            text: text.into(),
        }
    }
}
