//! Command line, compatible with keepalived 1.3.5 (getopt string `vhlndDRS:f:p:i:mMPCr:VXac:IxA:s:`)
//! plus the 2.x options people put in `KEEPALIVED_OPTIONS` (`-t`, `-G`).
//!
//! Hand-written getopt_long-style parser: clustered short flags (`-nlD`), attached or separate
//! option arguments (`-fFILE`, `-f FILE`, `--use-file=FILE`, `--use-file FILE`), `--` ends options.
//! Unlike keepalived 1.3.5 (which exits 0 on an unknown option) an unknown option is an error.

use std::ffi::OsString;
use std::path::PathBuf;

/// Default configuration file.
pub const DEFAULT_CONFIG: &str = "/etc/keepalived/keepalived.conf";

/// Everything the command line can ask for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Options {
    /// `-f/--use-file`.
    pub config_file: PathBuf,
    /// `-n/--dont-fork`.
    pub dont_fork: bool,
    /// `-l/--log-console`.
    pub log_console: bool,
    /// `-D/--log-detail`.
    pub log_detail: bool,
    /// `-S/--log-facility` (0-7 ⇒ LOG_LOCAL0-7).
    pub log_facility: Option<u8>,
    /// `-G/--no-syslog` (keepalived 2.x).
    pub no_syslog: bool,
    /// `-p/--pid` (default: `/var/run/keepalived.pid`, or as `netns::Identity::pid_paths`
    /// names it for a namespace, an instance or `use_pid_dir`).
    pub pid_file: Option<PathBuf>,
    /// `-r/--vrrp_pid` (default `/var/run/vrrp.pid`, likewise).
    pub vrrp_pid_file: Option<PathBuf>,
    /// `-c/--checkers_pid` (default `/var/run/checkers.pid`, likewise).
    pub checkers_pid_file: Option<PathBuf>,
    /// `-P/--vrrp`.
    pub vrrp_only: bool,
    /// `-C/--check`.
    pub check_only: bool,
    /// `-t/--config-test`.
    pub config_test: bool,
    /// `-d/--dump-conf`.
    pub dump_conf: bool,
    /// `-V/--dont-release-vrrp`.
    pub dont_release_vrrp: bool,
    /// `-I/--dont-release-ipvs`: leave the IPVS services at stop.
    pub dont_release_ipvs: bool,
    /// `-R/--dont-respawn`: a dead checker child is not restarted; the daemon stops.
    pub dont_respawn: bool,
    /// `-X/--release-vips`.
    pub release_vips: bool,
    /// `-i/--config-id`.
    pub config_id: Option<String>,
    /// `-s/--namespace`: the network namespace, overriding the file's `net_namespace`.
    pub namespace: Option<String>,
    /// Options accepted for compatibility that change nothing here (`-a`, `-m`, `-M`).
    pub ignored: Vec<String>,
    /// `-x/--snmp`: serve KEEPALIVED-MIB and both RFC VRRP MIBs over AgentX (1.3.5's `-x`).
    pub snmp: bool,
    /// `-A/--snmp-agent-socket`: the AgentX master's socket (`snmp_socket` overrides it).
    pub snmp_socket: Option<String>,
    /// `--metrics-listen=ADDR:PORT`: serve Prometheus metrics there (off when `None`).
    pub metrics_listen: Option<std::net::SocketAddr>,
    /// Non-option arguments (keepalived prints "Unexpected argument(s)" and ignores them).
    pub unexpected: Vec<String>,
    /// `--control-socket` (the `--status` socket); see [`Options::control_socket_path`].
    pub control_socket: Option<PathBuf>,
}

impl Options {
    /// Whether the VRRP side runs: always, unless `-C` was given without `-P`.
    pub fn runs_vrrp(&self) -> bool {
        self.vrrp_only || !self.check_only
    }

    /// Whether the checker side runs: always, unless `-P` was given without `-C`.
    pub fn runs_checkers(&self) -> bool {
        self.check_only || !self.vrrp_only
    }

    /// The control socket of a daemon with identity `id`: `--control-socket`, else the main
    /// pid file's path with the extension `.ctl` — `-p`'s, or the default one, which follows
    /// `net_namespace`/`instance`/`use_pid_dir` (see [`crate::netns::Identity::control_socket`]):
    /// daemons with their own pid files never share a socket.
    pub fn control_socket_path(&self, id: &crate::netns::Identity) -> PathBuf {
        self.control_socket.clone().unwrap_or_else(|| {
            id.control_socket(
                std::path::Path::new(crate::netns::RUN_DIR),
                self.pid_file.as_deref(),
                crate::netns::View::Daemon,
            )
        })
    }
}

impl Default for Options {
    fn default() -> Self {
        Options {
            config_file: PathBuf::from(DEFAULT_CONFIG),
            dont_fork: false,
            log_console: false,
            log_detail: false,
            log_facility: None,
            no_syslog: false,
            pid_file: None,
            vrrp_pid_file: None,
            checkers_pid_file: None,
            vrrp_only: false,
            check_only: false,
            config_test: false,
            dump_conf: false,
            dont_release_vrrp: false,
            dont_release_ipvs: false,
            dont_respawn: false,
            release_vips: false,
            config_id: None,
            namespace: None,
            ignored: Vec::new(),
            snmp: false,
            snmp_socket: None,
            metrics_listen: None,
            unexpected: Vec::new(),
            control_socket: None,
        }
    }
}

/// What the command line asks the program to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// Run (or with `-t`, test the configuration).
    Run(Box<Options>),
    /// `-v/--version`.
    Version,
    /// `-h/--help`.
    Help,
    /// `--status [--json]`: ask the running daemon on its control socket.
    Status {
        /// `--control-socket`, or the one next to `-p`'s pid file; `None`: the daemon's
        /// default, which depends on its namespace and instance (see
        /// [`crate::netns::Identity::control_socket`]).
        socket: Option<PathBuf>,
        /// `--json`.
        json: bool,
        /// `-f`: where the namespace and instance of the daemon asked are read.
        config_file: PathBuf,
        /// `-s/--namespace`.
        namespace: Option<String>,
        /// `-i/--config-id`.
        config_id: Option<String>,
    },
    /// `--signum=FUNC` (keepalived 2.x): print the signal number of FUNC.
    Signum(String),
}

/// A command line that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CliError {
    /// Option not known to keepalived 1.3.5 nor to us.
    #[error("unrecognized option '{0}'")]
    UnknownOption(String),
    /// An option that needs an argument was last on the line.
    #[error("option '{0}' requires an argument")]
    MissingArgument(String),
    /// A flag given an `=value`.
    #[error("option '{0}' doesn't allow an argument")]
    UnexpectedArgument(String),
    /// A value outside what the option accepts.
    #[error("invalid argument '{value}' for option '{option}': {reason}")]
    BadValue {
        /// The option.
        option: String,
        /// The value given.
        value: String,
        /// Why it is refused.
        reason: &'static str,
    },
}

/// Whether an option takes an argument.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Arg {
    None,
    Required,
    /// `-M[PATTERN]`: only attached (`-Mcore`, `--core-dump-pattern=core`).
    Optional,
}

/// Key of `--metrics-listen`, a long-only option: a private-use character stands in for the
/// short name nobody can type by accident.
const METRICS_LISTEN: char = '\u{E000}';

/// (short, long names, argument kind). Long aliases cover the spellings 1.3.5 and 2.x use.
const OPTIONS: &[(char, &[&str], Arg)] = &[
    ('f', &["use-file"], Arg::Required),
    ('P', &["vrrp"], Arg::None),
    ('C', &["check"], Arg::None),
    ('l', &["log-console"], Arg::None),
    ('D', &["log-detail"], Arg::None),
    ('S', &["log-facility"], Arg::Required),
    ('G', &["no-syslog"], Arg::None),
    ('X', &["release-vips"], Arg::None),
    ('V', &["dont-release-vrrp"], Arg::None),
    ('I', &["dont-release-ipvs"], Arg::None),
    ('R', &["dont-respawn"], Arg::None),
    ('n', &["dont-fork"], Arg::None),
    ('d', &["dump-conf"], Arg::None),
    ('p', &["pid"], Arg::Required),
    ('r', &["vrrp_pid", "vrrp-pid"], Arg::Required),
    ('c', &["checkers_pid", "checkers-pid"], Arg::Required),
    ('a', &["address-monitoring"], Arg::None),
    ('x', &["snmp"], Arg::None),
    ('A', &["snmp-agent-socket"], Arg::Required),
    ('s', &["namespace"], Arg::Required),
    ('m', &["core-dump"], Arg::None),
    ('M', &["core-dump-pattern"], Arg::Optional),
    ('i', &["config-id", "config_id"], Arg::Required),
    ('t', &["config-test"], Arg::None),
    ('v', &["version"], Arg::None),
    ('h', &["help"], Arg::None),
    (METRICS_LISTEN, &["metrics-listen"], Arg::Required),
    // Long-only options (keepalived-rs and 2.x), keyed by private-use characters that no
    // short option cluster can spell.
    (STATUS, &["status"], Arg::None),
    (JSON, &["json"], Arg::None),
    (CONTROL_SOCKET, &["control-socket"], Arg::Required),
    (SIGNUM, &["signum"], Arg::Required),
];

const STATUS: char = '\u{e001}';
const JSON: char = '\u{e002}';
const CONTROL_SOCKET: char = '\u{e003}';
const SIGNUM: char = '\u{e004}';

/// What the long-only options ask for beyond [`Options`].
#[derive(Default)]
struct Extra {
    status: bool,
    json: bool,
    signum: Option<String>,
}

/// Parses the arguments after the program name.
pub fn parse<I, S>(args: I) -> Result<Command, CliError>
where
    I: IntoIterator<Item = S>,
    S: Into<OsString>,
{
    let args: Vec<String> = args
        .into_iter()
        .map(|a| a.into().to_string_lossy().into_owned())
        .collect();
    let mut opts = Options::default();
    let mut version = false;
    let mut help = false;
    let mut extra = Extra::default();
    let mut i = 0;
    let mut only_operands = false;
    while i < args.len() {
        let arg = &args[i];
        i += 1;
        if only_operands || arg == "-" || !arg.starts_with('-') {
            opts.unexpected.push(arg.clone());
            continue;
        }
        if arg == "--" {
            only_operands = true;
            continue;
        }
        if let Some(long) = arg.strip_prefix("--") {
            let (name, inline) = match long.split_once('=') {
                Some((n, v)) => (n, Some(v.to_string())),
                None => (long, None),
            };
            let Some(&(short, _, kind)) =
                OPTIONS.iter().find(|(_, longs, _)| longs.contains(&name))
            else {
                return Err(CliError::UnknownOption(arg.clone()));
            };
            let shown = format!("--{name}");
            let value = match (kind, inline) {
                (Arg::None, Some(_)) => return Err(CliError::UnexpectedArgument(shown)),
                (Arg::None, None) => None,
                (Arg::Optional, v) => v,
                (Arg::Required, Some(v)) => Some(v),
                (Arg::Required, None) => match args.get(i) {
                    Some(v) => {
                        i += 1;
                        Some(v.clone())
                    }
                    None => return Err(CliError::MissingArgument(shown)),
                },
            };
            apply(
                &mut opts,
                &mut version,
                &mut help,
                &mut extra,
                short,
                &shown,
                value,
            )?;
            continue;
        }
        // Cluster of short options.
        let chars: Vec<char> = arg[1..].chars().collect();
        let mut j = 0;
        while j < chars.len() {
            let c = chars[j];
            j += 1;
            let found = OPTIONS.iter().find(|(s, _, _)| *s == c && c.is_ascii());
            let Some(&(short, _, kind)) = found else {
                return Err(CliError::UnknownOption(format!("-{c}")));
            };
            let shown = format!("-{c}");
            let value = match kind {
                Arg::None => None,
                Arg::Optional | Arg::Required if j < chars.len() => {
                    let v: String = chars[j..].iter().collect();
                    j = chars.len();
                    Some(v)
                }
                Arg::Optional => None,
                Arg::Required => match args.get(i) {
                    Some(v) => {
                        i += 1;
                        Some(v.clone())
                    }
                    None => return Err(CliError::MissingArgument(shown)),
                },
            };
            apply(
                &mut opts,
                &mut version,
                &mut help,
                &mut extra,
                short,
                &shown,
                value,
            )?;
        }
    }
    // keepalived handles -v and -h as soon as it sees them; the order between them is not
    // worth reproducing: help wins, then version.
    if help {
        Ok(Command::Help)
    } else if version {
        Ok(Command::Version)
    } else if let Some(f) = extra.signum {
        Ok(Command::Signum(f))
    } else if extra.status {
        Ok(Command::Status {
            socket: opts
                .control_socket
                .clone()
                .or_else(|| opts.pid_file.as_ref().map(|p| p.with_extension("ctl"))),
            json: extra.json,
            config_file: opts.config_file.clone(),
            namespace: opts.namespace.clone(),
            config_id: opts.config_id.clone(),
        })
    } else if extra.json {
        Err(CliError::BadValue {
            option: "--json".into(),
            value: String::new(),
            reason: "only with --status",
        })
    } else {
        Ok(Command::Run(Box::new(opts)))
    }
}

fn apply(
    opts: &mut Options,
    version: &mut bool,
    help: &mut bool,
    extra: &mut Extra,
    short: char,
    shown: &str,
    value: Option<String>,
) -> Result<(), CliError> {
    let v = value.unwrap_or_default();
    match short {
        'f' => opts.config_file = PathBuf::from(v),
        'P' => opts.vrrp_only = true,
        'C' => opts.check_only = true,
        'l' => opts.log_console = true,
        'D' => opts.log_detail = true,
        'S' => {
            let n = v.trim().parse::<u8>().ok().filter(|n| *n <= 7);
            match n {
                Some(n) => opts.log_facility = Some(n),
                None => {
                    return Err(CliError::BadValue {
                        option: shown.to_string(),
                        value: v,
                        reason: "the facility must be 0-7 (LOG_LOCAL0-LOG_LOCAL7)",
                    })
                }
            }
        }
        'G' => opts.no_syslog = true,
        'X' => opts.release_vips = true,
        'x' => opts.snmp = true,
        'A' => opts.snmp_socket = Some(v),
        'V' => opts.dont_release_vrrp = true,
        'I' => opts.dont_release_ipvs = true,
        'R' => opts.dont_respawn = true,
        'n' => opts.dont_fork = true,
        'd' => opts.dump_conf = true,
        'p' => opts.pid_file = Some(PathBuf::from(v)),
        'r' => opts.vrrp_pid_file = Some(PathBuf::from(v)),
        'c' => opts.checkers_pid_file = Some(PathBuf::from(v)),
        's' => opts.namespace = Some(v),
        'i' => opts.config_id = Some(v),
        't' => opts.config_test = true,
        'v' => *version = true,
        'h' => *help = true,
        METRICS_LISTEN => match v.trim().parse::<std::net::SocketAddr>() {
            Ok(a) => opts.metrics_listen = Some(a),
            Err(_) => {
                return Err(CliError::BadValue {
                    option: shown.to_string(),
                    value: v,
                    reason: "expected ADDR:PORT (e.g. 127.0.0.1:9650 or [::1]:9650)",
                })
            }
        },
        STATUS => extra.status = true,
        JSON => extra.json = true,
        CONTROL_SOCKET => opts.control_socket = Some(PathBuf::from(v)),
        SIGNUM => extra.signum = Some(v),
        // -I -R -a -m -M: accepted, nothing to do in a single-process VRRP-only daemon.
        _ => opts.ignored.push(shown.to_string()),
    }
    Ok(())
}

/// `-h` text (keepalived prints it to stderr).
pub fn usage(prog: &str) -> String {
    let ctl = crate::control::DEFAULT_SOCKET;
    format!(
        "Usage: {prog} [OPTION...]\n\
  -f, --use-file=FILE          Use the specified configuration file\n\
  -P, --vrrp                   Only run with VRRP subsystem\n\
  -C, --check                  Only run with Health-checker subsystem\n\
  -l, --log-console            Log messages to local console\n\
  -D, --log-detail             Detailed log messages\n\
  -S, --log-facility=[0-7]     Set syslog facility to LOG_LOCAL[0-7]\n\
  -G, --no-syslog              Don't log via syslog\n\
  -X, --release-vips           Drop VIP on transition from signal.\n\
  -V, --dont-release-vrrp      Don't remove VRRP VIPs and VROUTEs on daemon stop\n\
  -I, --dont-release-ipvs      Don't remove IPVS topology on daemon stop\n\
  -R, --dont-respawn           Don't respawn child processes\n\
  -n, --dont-fork              Don't fork the daemon process\n\
  -d, --dump-conf              Dump the configuration data\n\
  -p, --pid=FILE               Use specified pidfile for parent process\n\
  -r, --vrrp_pid=FILE          Use specified pidfile for VRRP child process\n\
  -c, --checkers_pid=FILE      Use specified pidfile for checkers child process\n\
  -a, --address-monitoring     Report all address additions/deletions notified via netlink (ignored)\n\
  -x, --snmp                   Enable SNMP subsystem (KEEPALIVED-MIB, VRRP-MIB, VRRPV3-MIB)\n\
  -A, --snmp-agent-socket=FILE Use the specified socket for master agent\n\
  -s, --namespace=NAME         Run in network namespace NAME (overrides config)\n\
  -m, --core-dump              Produce core dump if terminate abnormally (ignored)\n\
  -M, --core-dump-pattern=PATN Also set /proc/sys/kernel/core_pattern to PATN (ignored)\n\
  -i, --config-id id           Skip any configuration lines beginning '@' that don't match id\n\
  -t, --config-test            Check the configuration file and exit (0: usable, 1: errors)\n\
      --metrics-listen=ADDR:PORT  Serve Prometheus metrics on http://ADDR:PORT/metrics\n\
  -v, --version                Display the version number\n\
  -h, --help                   Display this help message\n\
      --status                 Print the running daemon's instances (state, priority, VIPs, master, last transition)\n\
      --json                   With --status: the same as JSON (docs/status.md)\n\
      --control-socket=PATH    The daemon's control socket (default: the -p pid file with .ctl, {ctl})\n\
      --signum=SIGFUNC         Print the signal number of STOP, RELOAD, DATA, STATS or JSON\n"
    )
}

/// `-v` banner (stderr, like keepalived).
pub fn version_banner() -> String {
    format!(
        "Keepalived v1.3.5 compatible: keepalived-rs v{}\n\n\
         A Rust reimplementation of keepalived (VRRP and the LVS health checkers); reads keepalived 1.3.5 configuration files.\n\n\
         Build options: LVS LIBIPVS_NETLINK VRRP VRRP_AUTH SNMP SNMP_KEEPALIVED SNMP_RFC SNMP_RFCV2 SNMP_RFCV3 (no DBus)\n",
        env!("CARGO_PKG_VERSION")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(args: &[&str]) -> Options {
        match parse(args.iter().copied()) {
            Ok(Command::Run(o)) => *o,
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn defaults() {
        let o = run(&[]);
        assert_eq!(o.config_file, PathBuf::from(DEFAULT_CONFIG));
        assert_eq!(o.pid_file, None);
        assert_eq!(o.vrrp_pid_file, None);
        assert_eq!(o.namespace, None);
        assert!(!o.dont_fork && !o.log_console && !o.log_detail);
    }

    #[test]
    fn el7_style_and_lab_style() {
        let o = run(&[
            "-n",
            "-l",
            "-D",
            "-f",
            "a.conf",
            "-p",
            "/tmp/a.pid",
            "-r",
            "/tmp/b.pid",
        ]);
        assert!(o.dont_fork && o.log_console && o.log_detail);
        assert_eq!(o.config_file, PathBuf::from("a.conf"));
        assert_eq!(o.pid_file, Some(PathBuf::from("/tmp/a.pid")));
        assert_eq!(o.vrrp_pid_file, Some(PathBuf::from("/tmp/b.pid")));
    }

    #[test]
    fn clustered_and_attached() {
        let o = run(&["-nlDGPfx.conf", "-S3", "-ptest.pid"]);
        assert!(o.dont_fork && o.log_console && o.log_detail && o.no_syslog && o.vrrp_only);
        assert_eq!(o.config_file, PathBuf::from("x.conf"));
        assert_eq!(o.log_facility, Some(3));
        assert_eq!(o.pid_file, Some(PathBuf::from("test.pid")));
    }

    #[test]
    fn long_forms() {
        let o = run(&[
            "--use-file=/e/k.conf",
            "--dont-fork",
            "--log-facility",
            "7",
            "--vrrp_pid=/x",
            "--checkers_pid",
            "/c",
            "--config-id",
            "high",
            "--dont-release-vrrp",
            "--release-vips",
            "--dump-conf",
            "--config-test",
        ]);
        assert_eq!(o.config_file, PathBuf::from("/e/k.conf"));
        assert!(
            o.dont_fork && o.dont_release_vrrp && o.release_vips && o.dump_conf && o.config_test
        );
        assert_eq!(o.log_facility, Some(7));
        assert_eq!(o.vrrp_pid_file, Some(PathBuf::from("/x")));
        assert_eq!(o.checkers_pid_file, Some(PathBuf::from("/c")));
        assert_eq!(o.config_id.as_deref(), Some("high"));
    }

    #[test]
    fn namespace_option_in_every_spelling() {
        for args in [
            &["-s", "blue"][..],
            &["-sblue"],
            &["--namespace=blue"],
            &["--namespace", "blue"],
            &["-nsblue"],
        ] {
            assert_eq!(run(args).namespace.as_deref(), Some("blue"), "{args:?}");
        }
        assert_eq!(parse(["-s"]), Err(CliError::MissingArgument("-s".into())));
    }

    #[test]
    fn harmless_options_are_recorded() {
        let o = run(&["-R", "-I", "-a", "-x", "-m", "-Mcore", "-A", "/s"]);
        assert_eq!(o.ignored, vec!["-a", "-m", "-M"]);
        // -R and -I now act on the checker child and its IPVS services.
        assert!(o.dont_respawn && o.dont_release_ipvs);
        assert!(o.snmp);
        assert_eq!(o.snmp_socket.as_deref(), Some("/s"));
        assert!(!run(&[]).snmp);
        assert!(run(&["--snmp"]).snmp);
    }

    #[test]
    fn operands_are_unexpected_not_fatal() {
        let o = run(&["-n", "extra", "--", "-l"]);
        assert_eq!(o.unexpected, vec!["extra", "-l"]);
        assert!(!o.log_console);
    }

    #[test]
    fn metrics_listen() {
        assert_eq!(run(&[]).metrics_listen, None);
        let o = run(&["--metrics-listen=127.0.0.1:9650"]);
        assert_eq!(o.metrics_listen, Some("127.0.0.1:9650".parse().unwrap()));
        let o = run(&["-D", "--metrics-listen", "[::1]:9650"]);
        assert_eq!(o.metrics_listen, Some("[::1]:9650".parse().unwrap()));
        assert!(matches!(
            parse(["--metrics-listen=9650"]),
            Err(CliError::BadValue { .. })
        ));
        assert_eq!(
            parse(["--metrics-listen"]),
            Err(CliError::MissingArgument("--metrics-listen".into()))
        );
    }

    #[test]
    fn version_and_help() {
        assert_eq!(parse(["-v"]), Ok(Command::Version));
        assert_eq!(parse(["--version"]), Ok(Command::Version));
        assert_eq!(parse(["-h"]), Ok(Command::Help));
        assert_eq!(parse(["-n", "--help"]), Ok(Command::Help));
    }

    #[test]
    fn status_signum_and_control_socket() {
        assert_eq!(
            parse(["--status"]),
            Ok(Command::Status {
                socket: None,
                json: false,
                config_file: PathBuf::from(DEFAULT_CONFIG),
                namespace: None,
                config_id: None,
            })
        );
        assert_eq!(
            parse(["--status", "--json", "--control-socket", "/run/k.ctl"]),
            Ok(Command::Status {
                socket: Some(PathBuf::from("/run/k.ctl")),
                json: true,
                config_file: PathBuf::from(DEFAULT_CONFIG),
                namespace: None,
                config_id: None,
            })
        );
        assert_eq!(parse(["--signum=JSON"]), Ok(Command::Signum("JSON".into())));
        let o = run(&["-n", "--control-socket=/tmp/x.ctl"]);
        let id = crate::netns::Identity::default();
        assert_eq!(o.control_socket_path(&id), PathBuf::from("/tmp/x.ctl"));
        // Without it: next to the pid file, so two daemons with their own -p never collide.
        let o = run(&["-n", "-p", "/tmp/lab/a-keepalived.pid"]);
        assert_eq!(
            o.control_socket_path(&id),
            PathBuf::from("/tmp/lab/a-keepalived.ctl")
        );
        assert_eq!(
            parse(["--status", "-p", "/run/b.pid"]),
            Ok(Command::Status {
                socket: Some(PathBuf::from("/run/b.ctl")),
                json: false,
                config_file: PathBuf::from(DEFAULT_CONFIG),
                namespace: None,
                config_id: None,
            })
        );
        assert!(matches!(parse(["--json"]), Err(CliError::BadValue { .. })));
        // The long-only options have no short spelling.
        assert!(matches!(
            parse(["-\u{e000}"]),
            Err(CliError::UnknownOption(_))
        ));
    }

    #[test]
    fn errors() {
        assert_eq!(parse(["-Z"]), Err(CliError::UnknownOption("-Z".into())));
        assert_eq!(parse(["-nZ"]), Err(CliError::UnknownOption("-Z".into())));
        assert_eq!(
            parse(["--bogus"]),
            Err(CliError::UnknownOption("--bogus".into()))
        );
        assert_eq!(parse(["-f"]), Err(CliError::MissingArgument("-f".into())));
        assert_eq!(
            parse(["--use-file"]),
            Err(CliError::MissingArgument("--use-file".into()))
        );
        assert_eq!(
            parse(["--dont-fork=yes"]),
            Err(CliError::UnexpectedArgument("--dont-fork".into()))
        );
        assert!(matches!(parse(["-S", "9"]), Err(CliError::BadValue { .. })));
        assert!(matches!(parse(["-Sx"]), Err(CliError::BadValue { .. })));
    }
}
