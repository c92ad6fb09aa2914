//! Every upstream sample (testdata/samples) parses with no error, except the two upstream files
//! with genuine mistakes, whose error position is checked exactly. Each also round-trips through
//! `render`.

mod common;
use common::{errors, load_td, testdata};
use keepalived_conf::{load_str, LoadOptions, SpanInsensitive};

const BROKEN: &[&str] = &[
    "v1.3.5/keepalived.conf.IPv6",
    "v1.3.5/keepalived.conf.track_interface",
];

/// keepalived 2.x samples using checker syntax 1.3.5 does not have, with the positions of the
/// errors 1.3.5's reading gives: `PING_CHECK`/`UDP_CHECK` are unknown (their `}` then closes the
/// real_server and the last `}` is stray), `status_code 200-299` is not a number.
const V2_LVS: &[(&str, &[(u32, u32)])] = &[
    ("keepalived.conf.PING_CHECK", &[(27, 1)]),
    ("keepalived.conf.UDP_CHECK", &[(30, 1)]),
    ("keepalived.conf.status_code", &[(26, 27)]),
];

fn v2_lvs(f: &str) -> bool {
    V2_LVS.iter().any(|(n, _)| *n == f)
}

fn sample_files() -> Vec<String> {
    let mut out = Vec::new();
    for dir in ["samples", "samples/v1.3.5", "samples/extra"] {
        for e in std::fs::read_dir(testdata(dir)).unwrap() {
            let p = e.unwrap().path();
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            if p.is_file() && name != "README.md" && !name.contains("SYNOPSIS") {
                out.push(format!(
                    "{}/{name}",
                    dir.trim_start_matches("samples").trim_start_matches('/')
                ));
            }
        }
    }
    out.sort();
    out
}

#[test]
fn corpus_has_all_samples() {
    assert_eq!(sample_files().len(), 52);
}

#[test]
fn all_good_samples_have_no_error() {
    for f in sample_files() {
        let f = f.trim_start_matches('/');
        if BROKEN.contains(&f) || v2_lvs(f) {
            continue;
        }
        let l = load_td(&format!("samples/{f}"));
        assert_eq!(l.error_count(), 0, "{f}:\n{}", l.render_diagnostics());
    }
}

#[test]
fn v2_checker_samples_fail_as_in_1_3_5() {
    for (f, want) in V2_LVS {
        let l = load_td(&format!("samples/{f}"));
        let got: Vec<(u32, u32)> = errors(&l).into_iter().map(|(_, l, c)| (l, c)).collect();
        assert_eq!(&got, want, "{f}:\n{}", l.render_diagnostics());
    }
}

#[test]
fn ipv6_sample_misses_a_closing_brace() {
    let l = load_td("samples/v1.3.5/keepalived.conf.IPv6");
    // The `{` of `virtual_server ae00::1 80 {` on line 14 is never closed.
    assert_eq!(
        errors(&l),
        vec![("keepalived.conf.IPv6".to_string(), 14, 27)]
    );
    assert!(l
        .render_diagnostics()
        .contains("missing '}' at end of file"));
}

#[test]
fn track_interface_sample_has_static_route_typo() {
    let l = load_td("samples/v1.3.5/keepalived.conf.track_interface");
    // `static_route {` (line 7) is unknown: 1.3.5 reads its lines at top level, and its `}` on
    // line 12 is a stray brace.
    assert_eq!(
        errors(&l),
        vec![("keepalived.conf.track_interface".to_string(), 12, 1)]
    );
    let w: Vec<_> = l
        .diagnostics
        .iter()
        .filter(|d| d.message.starts_with("unknown keyword"))
        .map(|d| (d.span.line, d.span.col))
        .collect();
    assert_eq!(w, vec![(7, 1), (8, 5), (9, 5), (10, 5), (11, 5)]);
    // The instance after it is intact.
    assert_eq!(l.config.instances.len(), 1);
    assert!(l.config.static_routes.is_empty());
}

#[test]
fn every_sample_round_trips_through_render() {
    for f in sample_files() {
        let f = f.trim_start_matches('/');
        let a = load_td(&format!("samples/{f}"));
        let text = a.config.render();
        let b = load_str("rendered.conf", &text, &LoadOptions::default());
        assert_eq!(
            b.error_count(),
            if BROKEN.contains(&f) || v2_lvs(f) {
                0
            } else {
                a.error_count()
            },
            "{f}:\n{text}\n{}",
            b.render_diagnostics()
        );
        // Every span is reached by `clear_spans` (a node type or field left out of it would keep
        // its positions here), so the comparison below is by content only.
        let a = a.config.without_spans();
        let debug = format!("{a:?}");
        assert!(
            !debug.contains("line: ") || debug.split("line: ").skip(1).all(|r| r.starts_with("0,")),
            "{f}: a span survived clear_spans"
        );
        assert_eq!(a, b.config.without_spans(), "{f}:\n{text}");
    }
}

#[test]
fn conditional_sample_uses_config_id() {
    let text =
        std::fs::read_to_string(testdata("samples/keepalived.conf.conditional_conf")).unwrap();
    let none = load_str("c.conf", &text, &LoadOptions::default());
    assert_eq!(none.config.net_namespace, None);
    assert_eq!(none.config.instances[0].priority, None);
    assert_eq!(none.config.scripts[0].script, None);
    let high = load_str(
        "c.conf",
        &text,
        &LoadOptions {
            config_id: Some("high".into()),
        },
    );
    assert_eq!(high.config.net_namespace.as_deref(), Some("high"));
    assert_eq!(high.config.instances[0].priority, Some(170));
    assert_eq!(
        high.config.scripts[0].script.as_deref(),
        Some("/etc/keepalived/scripts/check_high_VI_0.sh")
    );
    let low = load_str(
        "c.conf",
        &text,
        &LoadOptions {
            config_id: Some("low".into()),
        },
    );
    assert_eq!(low.config.instances[0].priority, Some(85));
    // `@low\tpriority 85`: the span points at `85` in the real line.
    assert_eq!(
        low.config.instances[0].spans.priority.as_ref().unwrap().col,
        15
    );
}

#[test]
fn stock_el7_config_is_valid_with_garp_interval_zero() {
    let l = load_td("samples/extra/etc_keepalived.conf.v1.3.5");
    assert_eq!(l.error_count(), 0);
    let g = &l.config.global_defs;
    assert!(g.vrrp_strict);
    assert_eq!(g.vrrp_garp_interval, Some(0.0));
    assert_eq!(g.vrrp_gna_interval, Some(0.0));
    // Its three virtual_server examples are typed now, nothing is kept generically.
    assert!(l.config.unsupported.is_empty());
    assert_eq!(l.config.virtual_servers.len(), 3);
}
