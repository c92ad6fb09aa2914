//! Command-line behaviour of the `keepalived` binary that needs neither root nor a network:
//! `-t` exit codes and output, `-v`, `-h`, unknown options, and the refusal to start twice.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_keepalived"))
}

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn run(args: &[&str]) -> Output {
    bin().args(args).output().expect("run keepalived")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn scratch(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("ka-cli-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

#[test]
fn config_test_accepts_the_seed_configs_silently() {
    for node in ["nodeA", "nodeB"] {
        let f = root().join(format!("examples/seed/{node}.conf"));
        let o = run(&["-t", "-f", f.to_str().unwrap()]);
        assert_eq!(o.status.code(), Some(0), "{node}: {}", stderr(&o));
        assert_eq!(stderr(&o), "", "{node}");
        // Long form too.
        let o = run(&["--config-test", "--use-file", f.to_str().unwrap()]);
        assert_eq!(o.status.code(), Some(0));
    }
}

/// Every sample: exit 0 exactly when no `error:` diagnostic is printed; the upstream samples
/// with genuine mistakes (testdata/samples/README.md), and the 2.x samples using checker syntax
/// 1.3.5 does not read (PING_CHECK, UDP_CHECK, `status_code 200-299`), fail and name
/// file:line:col.
#[test]
fn config_test_on_the_sample_corpus() {
    let known_bad = [
        "v1.3.5/keepalived.conf.IPv6",
        "v1.3.5/keepalived.conf.track_interface",
        "keepalived.conf.PING_CHECK",
        "keepalived.conf.UDP_CHECK",
        "keepalived.conf.status_code",
    ];
    let samples = root().join("testdata/samples");
    let mut files = Vec::new();
    for dir in ["", "v1.3.5", "extra"] {
        for e in std::fs::read_dir(samples.join(dir)).unwrap() {
            let p = e.unwrap().path();
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            if p.is_file() && name.starts_with("keepalived.conf") && !name.contains("SYNOPSIS")
                || dir == "extra" && p.is_file() && !name.contains("SYNOPSIS")
            {
                files.push(p);
            }
        }
    }
    assert!(files.len() > 40, "corpus not found: {}", files.len());
    for f in files {
        let o = run(&["-t", "-f", f.to_str().unwrap()]);
        let err = stderr(&o);
        let rel = f
            .strip_prefix(&samples)
            .unwrap()
            .to_string_lossy()
            .into_owned();
        let has_error = err.contains(": error: ");
        if known_bad.contains(&rel.as_str()) {
            assert_eq!(o.status.code(), Some(1), "{rel}: {err}");
            let prefix = format!("{}:", f.display());
            assert!(
                err.lines()
                    .any(|l| l.starts_with(&prefix) && l.contains(": error: ")),
                "{rel} must name the line: {err}"
            );
        } else {
            assert_eq!(o.status.code(), Some(0), "{rel}: {err}");
        }
        assert_eq!(has_error, o.status.code() == Some(1), "{rel}: {err}");
    }
}

#[test]
fn config_test_reports_errors_with_positions_and_fails() {
    let d = scratch("broken");
    let f = d.join("broken.conf");
    std::fs::write(
        &f,
        "vrrp_instance VI_1 {\n    interface eth0\n    virtual_router_id 300\n    priority 100\n    virtual_ipaddress {\n        10.0.0.1\n    }\n}\n",
    )
    .unwrap();
    let o = run(&["-t", "-f", f.to_str().unwrap()]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(
        err.contains(&format!("{}:3:", f.display())) && err.contains("error:"),
        "{err}"
    );
    std::fs::remove_dir_all(&d).unwrap();
}

#[test]
fn config_test_missing_file_fails() {
    let o = run(&["-t", "-f", "/nonexistent/keepalived.conf"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("Unable to find config file(s) '/nonexistent/keepalived.conf'"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn version_goes_to_stderr() {
    for flag in ["-v", "--version"] {
        let o = run(&[flag]);
        assert_eq!(o.status.code(), Some(0));
        let e = stderr(&o);
        assert!(e.contains("keepalived-rs"), "{e}");
        assert!(e.contains("1.3.5"), "{e}");
        assert_eq!(stdout(&o), "");
    }
}

#[test]
fn help_lists_the_keepalived_options() {
    let o = run(&["-h"]);
    assert_eq!(o.status.code(), Some(0));
    let e = stderr(&o);
    for opt in [
        "--use-file",
        "--dont-fork",
        "--log-console",
        "--log-detail",
        "--log-facility",
        "--pid",
        "--vrrp_pid",
        "--dont-release-vrrp",
        "--release-vips",
        "--config-test",
        "--no-syslog",
    ] {
        assert!(e.contains(opt), "{opt} missing from help");
    }
}

#[test]
fn unknown_options_fail_clearly() {
    for (args, shown) in [
        (&["--bogus"][..], "'--bogus'"),
        (&["-Z"][..], "'-Z'"),
        (&["-nZ"][..], "'-Z'"),
    ] {
        let o = run(args);
        assert_eq!(o.status.code(), Some(1), "{args:?}");
        let e = stderr(&o);
        assert!(
            e.contains("unrecognized option") && e.contains(shown),
            "{e}"
        );
        assert!(e.contains("--help"), "{e}");
    }
    let o = run(&["-f"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("requires an argument"));
    let o = run(&["-S", "9", "-t"]);
    assert_eq!(o.status.code(), Some(1));
}

#[test]
fn refuses_to_start_when_the_pid_file_names_a_live_process() {
    let d = scratch("running");
    let pid = d.join("keepalived.pid");
    let vrrp = d.join("vrrp.pid");
    // pid 1 is alive in every pid namespace.
    std::fs::write(&pid, "1\n").unwrap();
    let conf = root().join("examples/seed/nodeA.conf");
    let o = run(&[
        "-n",
        "-l",
        "-G",
        "-f",
        conf.to_str().unwrap(),
        "-p",
        pid.to_str().unwrap(),
        "-r",
        vrrp.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stdout(&o).contains("daemon is already running"),
        "{}",
        stdout(&o)
    );
    // The other daemon's pid file is left alone, ours never written.
    assert_eq!(std::fs::read_to_string(&pid).unwrap(), "1\n");
    assert!(!vrrp.exists());
    std::fs::remove_dir_all(&d).unwrap();
}

#[test]
fn missing_config_stops_the_daemon_before_it_forks() {
    let d = scratch("missing");
    let pid = d.join("k.pid");
    let o = run(&[
        "-l",
        "-G",
        "-f",
        "/nonexistent/k.conf",
        "-p",
        pid.to_str().unwrap(),
        "-r",
        d.join("v.pid").to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stdout(&o).contains("Unable to find config file(s)"),
        "{}",
        stdout(&o)
    );
    assert!(!pid.exists());
    std::fs::remove_dir_all(&d).unwrap();
}

/// `-t` says which routing lines the daemon would skip (1.3.5's reason, with the position) and
/// notes deprecated forms, without failing: 1.3.5 runs on without such a line.
#[test]
fn config_test_reports_routing_lines_the_daemon_would_skip() {
    let d = scratch("routes");
    let f = d.join("routes.conf");
    std::fs::write(
        &f,
        "static_routes {\n    10.9.0.0/16 dev nosuchif0\n    10.8.0.0/16 gw 10.0.0.1\n}\nstatic_rules {\n    from 10.0.0.1\n    from 10.0.0.2 table 5\n}\nvrrp_instance VI_1 {\n    interface lo\n    virtual_router_id 30\n    priority 100\n    virtual_ipaddress {\n        10.0.0.1\n    }\n    virtual_routes {\n        10.7.0.0/16 via fd00::1\n    }\n}\n",
    )
    .unwrap();
    let o = run(&["-t", "-f", f.to_str().unwrap()]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(0), "{err}");
    let p = f.display();
    let want = [
        format!("{p}:2:5: VRRP is trying to assign VROUTE to unknown nosuchif0 interface !!! go out and fix your conf !!! - the daemon would skip this line"),
        format!("{p}:3:5: \"gw\" for routes is deprecated. Please use \"via\""),
        format!("{p}:6:5: No action specified for rule - ignoring - the daemon would skip this line"),
        format!("{p}:17:9: Cannot mix IPv4 and IPv6 addresses for route - the daemon would skip this line"),
    ];
    let got: Vec<&str> = err.lines().collect();
    assert_eq!(got, want, "{err}");
    std::fs::remove_dir_all(&d).unwrap();
}

/// `-t` says when the daemon would stop at once because its namespace cannot be entered (1.3.5
/// exits with "Unable to set network namespace NAME - exiting"), without failing the file; `-s`
/// is the namespace checked when given.
#[test]
fn config_test_warns_about_a_namespace_the_daemon_cannot_enter() {
    let d = scratch("netns");
    let f = d.join("ns.conf");
    let missing = format!("ka-rs-cli-nosuch-{}", std::process::id());
    let seed = std::fs::read_to_string(root().join("examples/seed/nodeA.conf")).unwrap();
    std::fs::write(&f, format!("net_namespace {missing}\n{seed}")).unwrap();
    let o = run(&["-t", "-f", f.to_str().unwrap()]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(0), "{err}");
    assert_eq!(
        err.trim_end(),
        format!(
            "{}: net_namespace {missing}: /var/run/netns/{missing} does not exist (create it with `ip netns add {missing}`): the daemon would exit ('Unable to set network namespace {missing} - exiting')",
            f.display()
        )
    );
    let o = run(&["-t", "-f", f.to_str().unwrap(), "--namespace=../x"]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(0), "{err}");
    assert!(
        err.contains("net_namespace '../x' is not a namespace name"),
        "{err}"
    );
    // A duplicate keeps the first (1.3.5) and is a warning.
    std::fs::write(&f, format!("instance one\ninstance two\n{seed}")).unwrap();
    let o = run(&["-t", "-f", f.to_str().unwrap()]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(0), "{err}");
    assert!(
        err.contains("Duplicate instance definition two - ignoring"),
        "{err}"
    );
    std::fs::remove_dir_all(&d).unwrap();
}

#[test]
fn help_describes_the_namespace_option_as_1_3_5_does() {
    let e = stderr(&run(&["-h"]));
    assert!(
        e.contains("-s, --namespace=NAME         Run in network namespace NAME (overrides config)"),
        "{e}"
    );
}
