//! `keepalived`: keepalived-compatible VRRP and LVS health-checker daemon (drop-in for
//! keepalived 1.3.5).
//!
//! The main process does what keepalived's parent and VRRP child did: parse the command line,
//! check the configuration, daemonize, write its pid files, and run the VRRP engine. The
//! health checkers run in a child process of their own (`checker`), as in 1.3.5.

// The daemon needs `unsafe` (libc calls, socket buffers); every block must say why it is sound.
#![deny(clippy::undocumented_unsafe_blocks)]

mod accounts;
mod checker;
mod cli;
mod control;
mod convert;
mod daemonize;
mod dump;
mod engine_timer;
mod firewall;
mod logging;
mod lvs_syncd;
mod metrics;
mod net;
mod netns;
mod routing;
mod runtime;
mod rx_queue;
mod script_security;
mod scripts;
mod sd_notify;
mod smtp;
mod snmp;
mod sysconf;
#[cfg(test)]
mod test_support;
mod vmac;

use std::path::{Path, PathBuf};

use keepalived_conf as conf;

fn main() {
    std::process::exit(real_main());
}

fn real_main() -> i32 {
    let cmd = match cli::parse(std::env::args_os().skip(1)) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("keepalived: {e}");
            eprintln!("Try 'keepalived --help' for the list of options.");
            return 1;
        }
    };
    match cmd {
        cli::Command::Help => {
            eprint!("{}", cli::usage("keepalived"));
            0
        }
        cli::Command::Version => {
            eprint!("{}", cli::version_banner());
            0
        }
        cli::Command::Status {
            socket,
            json,
            config_file,
            namespace,
            config_id,
        } => {
            let socket = socket
                .unwrap_or_else(|| status_socket(&config_file, namespace.as_deref(), config_id));
            status(&socket, json)
        }
        cli::Command::Signum(func) => match control::signum(&func) {
            Some(n) => {
                println!("{n}");
                0
            }
            None => {
                // keepalived 2.x's words and exit code.
                eprintln!("Unknown sigfunc {func}");
                1
            }
        },
        cli::Command::Run(opts) if opts.config_test => config_test(&opts),
        cli::Command::Run(opts) => daemon(*opts),
    }
}

/// The default control socket of the daemon that `-f`, `-s` and `-i` describe, as the host
/// sees it: its namespace and instance come from the configuration file (as the daemon's
/// do); an unreadable file leaves `-s` alone.
fn status_socket(
    config_file: &Path,
    namespace: Option<&str>,
    config_id: Option<String>,
) -> std::path::PathBuf {
    let cfg = conf::load(config_file, &conf::LoadOptions { config_id })
        .map(|l| l.config)
        .unwrap_or_default();
    let (id, _) = netns::Identity::resolve(&cfg, namespace);
    id.control_socket(Path::new(netns::RUN_DIR), None, netns::View::Host)
}

/// `--status [--json]`: the running daemon's instances; 1 when no daemon answers.
fn status(socket: &std::path::Path, json: bool) -> i32 {
    match control::query(socket) {
        Ok(doc) => {
            if json {
                match serde_json::to_string_pretty(&doc) {
                    Ok(text) => println!("{text}"),
                    Err(e) => {
                        eprintln!("keepalived: {e}");
                        return 1;
                    }
                }
            } else {
                print!("{}", control::render_text(&doc));
            }
            0
        }
        Err(e) => {
            eprintln!("keepalived: no daemon answers on the control socket: {e}");
            1
        }
    }
}

fn load_options(opts: &cli::Options) -> conf::LoadOptions {
    conf::LoadOptions {
        config_id: opts.config_id.clone(),
    }
}

/// `-t`: the strict linter. Diagnostics to stderr; 0 when the file has no error, else 1.
fn config_test(opts: &cli::Options) -> i32 {
    if !opts.unexpected.is_empty() {
        eprintln!("Unexpected argument(s): {}", opts.unexpected.join(" "));
    }
    match conf::load(&opts.config_file, &load_options(opts)) {
        Err(e) => {
            eprintln!("{e}");
            1
        }
        Ok(loaded) => {
            let text = loaded.render_diagnostics();
            if !text.is_empty() {
                eprintln!("{}", text.trim_end());
            }
            // What the daemon would log about its scripts at start (not counted as errors:
            // 1.3.5 runs on without them).
            for line in
                script_security::config_test(&loaded.config, &script_security::Env::system())
            {
                eprintln!("{}: scripts: {line}", opts.config_file.display());
            }
            // What the daemon would log about routing lines on this host (not counted as
            // errors: 1.3.5 runs on without a refused line).
            // What would stop the daemon in its namespace or with its pid files.
            for line in netns::config_test(&loaded.config, opts.namespace.as_deref()) {
                eprintln!("{}: {line}", opts.config_file.display());
            }
            // In a namespace the interfaces are that namespace's (1.3.5 enters it first).
            let ifs = match netns::test_namespace(&loaded.config, opts.namespace.as_deref()) {
                None => convert::host_interfaces(),
                Some(ns) => netns::interfaces(&ns).unwrap_or_else(|e| {
                    eprintln!(
                        "{}: net_namespace {ns}: {e} - checking interface names against this namespace's",
                        opts.config_file.display()
                    );
                    convert::host_interfaces()
                }),
            };
            for line in convert::check_routing(&loaded.config, &ifs, &convert::RtNames::system()) {
                eprintln!("{line}");
            }
            // What the checker process would leave out on this host (not counted as errors:
            // the rest of the file runs).
            for line in checker::config_test(&loaded.config) {
                eprintln!("{}: checkers: {line}", opts.config_file.display());
            }
            if opts.dump_conf {
                println!("{:#?}", loaded.config);
            }
            if loaded.error_count() == 0 {
                0
            } else {
                eprintln!(
                    "{}: {} error(s), {} warning(s)",
                    opts.config_file.display(),
                    loaded.error_count(),
                    loaded.warning_count()
                );
                1
            }
        }
    }
}

/// Undoes the namespace's pid directory mount and removes the pid directories at exit, as
/// 1.3.5 does (also on error paths; declared before [`PidFiles`] so it drops after it).
struct Placement {
    entered: Option<netns::Entered>,
    use_pid_dir: bool,
}

impl Drop for Placement {
    fn drop(&mut self) {
        if let Some(e) = self.entered.take() {
            e.leave();
        }
        if self.use_pid_dir {
            netns::remove_pid_dir();
        }
    }
}

/// Removes the pid files we wrote when the daemon ends (also on error paths).
struct PidFiles(Vec<PathBuf>);

impl Drop for PidFiles {
    fn drop(&mut self) {
        for p in &self.0 {
            daemonize::remove_pid_file(p);
        }
    }
}

fn daemon(opts: cli::Options) -> i32 {
    // The re-executed checker child (see checker::supervisor) has its own start-up.
    if checker::is_child() {
        return checker::child_main(&opts);
    }
    logging::init(logging::LogConfig::from_flags(
        opts.log_console,
        opts.no_syslog,
        opts.log_detail,
        opts.log_facility,
    ));
    logging::info(&format!(
        "Starting Keepalived-rs v{} (keepalived 1.3.5 compatible)",
        env!("CARGO_PKG_VERSION")
    ));
    if let Some(line) = sd_notify::init() {
        logging::warn(&line);
    }
    // As 1.3.5 at every start (its default-user look-up always fails; see script_security).
    logging::info(script_security::DEFAULT_USER_LINE);
    if !opts.unexpected.is_empty() {
        logging::info(&format!(
            "Unexpected argument(s): {}",
            opts.unexpected.join(" ")
        ));
    }
    for o in &opts.ignored {
        logging::info(&format!("option {o} accepted and ignored"));
    }
    logging::info(&format!("Opening file '{}'.", opts.config_file.display()));
    let loaded = match conf::load(&opts.config_file, &load_options(&opts)) {
        Ok(l) => l,
        Err(e) => {
            logging::error(&e.to_string());
            return 1;
        }
    };
    // As tolerant as 1.3.5: report, then run what the file still describes.
    runtime::log_diagnostics(&loaded);

    // 1.3.5's order: namespace and instance decide the syslog ident and the pid files; the
    // namespace is entered before anything is opened (and before any thread exists).
    let (id, lines) = netns::Identity::resolve(&loaded.config, opts.namespace.as_deref());
    for line in lines {
        logging::info(&line);
    }
    if let Some(ident) = id.syslog_ident(logging::IDENT) {
        logging::info(&format!("Changing syslog ident to {ident}"));
        logging::change_ident(&ident);
    }
    if id.use_pid_dir {
        netns::create_pid_dir();
    }
    let mut placement = Placement {
        entered: None,
        use_pid_dir: id.use_pid_dir,
    };
    if let Some(ns) = &id.namespace {
        match netns::enter(ns) {
            Ok(e) => placement.entered = Some(e),
            Err(e) => {
                logging::info(&e.to_string());
                logging::error(&format!("Unable to set network namespace {ns} - exiting"));
                return 1;
            }
        }
    }
    let paths = id.pid_paths(
        Path::new(netns::RUN_DIR),
        opts.pid_file.as_deref(),
        opts.vrrp_pid_file.as_deref(),
    );
    let checkers_pid =
        id.checkers_pid_path(Path::new(netns::RUN_DIR), opts.checkers_pid_file.as_deref());
    if daemonize::already_running(&[&paths.main, &paths.vrrp, &checkers_pid]) {
        logging::info("daemon is already running");
        return 1;
    }
    netns::set_started(id);

    let ready = if opts.dont_fork {
        daemonize::ReadyNotifier::none()
    } else {
        match daemonize::daemonize() {
            Ok(r) => {
                logging::reopen_after_fork();
                r
            }
            Err(e) => {
                logging::error(&format!("cannot daemonize: {e}"));
                return 1;
            }
        }
    };
    let mut pids = PidFiles(Vec::new());
    // As 1.3.5: no vrrp.pid when only the checkers run (the child writes checkers.pid).
    let own: &[&PathBuf] = if opts.runs_vrrp() {
        &[&paths.main, &paths.vrrp]
    } else {
        &[&paths.main]
    };
    for &p in own {
        if pids.0.contains(p) {
            continue;
        }
        if let Err(e) = daemonize::write_pid_file(p) {
            logging::error(&e.to_string());
            return 1;
        }
        pids.0.push(p.clone());
    }
    let code = if opts.runs_vrrp() {
        if opts.runs_checkers() && checker::wanted(&loaded.config) {
            checker::start(!opts.dont_respawn);
        }
        let code = runtime::run(&opts, loaded, ready);
        // Normally done by the runtime's shutdown; here for its error paths.
        checker::stop();
        code
    } else {
        drop(loaded);
        checker::supervise_only(&opts, ready)
    };
    drop(pids);
    logging::info(&format!(
        "Stopped Keepalived-rs v{}",
        env!("CARGO_PKG_VERSION")
    ));
    drop(placement);
    code
}
