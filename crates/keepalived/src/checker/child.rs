//! Start-up of the checker child process (`Keepalived_healthcheckers`): its log identity, its
//! pid file, the configuration, then the checker loop.

use std::path::Path;

use keepalived_conf as conf;

use crate::cli::Options;
use crate::{daemonize, logging, netns};

/// 1.3.5's syslog ident of the checker process.
pub const IDENT: &str = "Keepalived_healthcheckers";

/// The checker child's `main`; returns its exit code.
pub fn child_main(opts: &Options) -> i32 {
    // 1.3.5 logs the checkers to LOCAL2 unless -S names a facility (VRRP: LOCAL1).
    let facility = match opts.log_facility {
        None => libc::LOG_LOCAL2,
        Some(n) => logging::facility_for(Some(n)),
    };
    logging::init(logging::LogConfig {
        facility,
        ..logging::LogConfig::from_flags(
            opts.log_console,
            opts.no_syslog,
            opts.log_detail,
            opts.log_facility,
        )
    });
    // Executed as /proc/self/exe, the kernel named us "exe": pgrep/pidof/top must see
    // keepalived, as for 1.3.5's forked child.
    // SAFETY: PR_SET_NAME reads a NUL-terminated string of at most 16 bytes.
    unsafe { libc::prctl(libc::PR_SET_NAME, c"keepalived".as_ptr()) };
    // SAFETY: prctl(PR_SET_PDEATHSIG) takes a signal number; no memory involved. A child whose
    // parent is gone must not keep programming IPVS on its own (1.3.5 does the same).
    unsafe { libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGTERM as libc::c_ulong) };

    let loaded = match conf::load(
        &opts.config_file,
        &conf::LoadOptions {
            config_id: opts.config_id.clone(),
        },
    ) {
        Ok(l) => l,
        Err(e) => {
            logging::change_ident(IDENT);
            logging::error(&e.to_string());
            return 1;
        }
    };
    // The ident can be set once: it depends on the file's net_namespace/instance.
    let (id, _) = netns::Identity::resolve(&loaded.config, opts.namespace.as_deref());
    logging::change_ident(&id.syslog_ident(IDENT).unwrap_or_else(|| IDENT.to_string()));
    logging::info(&format!("Opening file '{}'.", opts.config_file.display()));
    // The parent (already in the namespace, which we inherit) logged the diagnostics.
    let pid_path =
        id.checkers_pid_path(Path::new(netns::RUN_DIR), opts.checkers_pid_file.as_deref());
    if let Err(e) = daemonize::write_pid_file(&pid_path) {
        logging::info(&format!(
            "Healthcheck child process: cannot write pidfile ({e})"
        ));
        return 1;
    }
    let code = super::run::run(opts, loaded.config);
    daemonize::remove_pid_file(&pid_path);
    logging::info("Stopped");
    code
}
