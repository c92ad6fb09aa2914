//! Golden ASTs of the two seed configs (examples/seed), whose lines carry UTF-8 Chinese comments
//! after the values.

use keepalived_conf::*;
use std::net::IpAddr;
use std::path::Path;

fn seed(name: &str) -> Loaded {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../examples/seed")
        .join(name);
    load(&p, &LoadOptions::default()).unwrap()
}

fn expected(router_id: &str, state: State, priority: u8) -> Config {
    Config {
        global_defs: GlobalDefs {
            router_id: Some(router_id.into()),
            ..Default::default()
        },
        instances: vec![VrrpInstance {
            name: "VI_1".into(),
            state,
            interface: Some("enp11s0f0".into()),
            virtual_router_id: Some(51),
            priority: Some(priority),
            advert_int: Some(1.0),
            authentication: Some(Authentication::Pass("1111".into())),
            virtual_ipaddress: vec![VirtualAddress {
                addr: "192.168.1.210".parse::<IpAddr>().unwrap(),
                prefix_len: Some(24),
                dev: None,
                brd: None,
                scope: None,
                label: None,
                span: Span::default(),
            }],
            ..Default::default()
        }],
        ..Default::default()
    }
}

#[test]
fn node_a_golden() {
    let l = seed("nodeA.conf");
    assert_eq!(l.diagnostics, vec![]);
    assert_eq!(
        l.config.clone().without_spans(),
        expected("NodeA", State::Master, 100)
    );
    let i = &l.config.instances[0];
    assert_eq!(i.effective_priority(), 100);
    assert_eq!(i.advert_interval(), std::time::Duration::from_secs(1));
    // Spans: instance keyword, VIP, values followed by Chinese comments.
    assert_eq!((i.span.line, i.span.col), (8, 1));
    assert_eq!(i.span.file.file_name().unwrap(), "nodeA.conf");
    let v = &i.virtual_ipaddress[0];
    assert_eq!((v.span.line, v.span.col), (19, 9));
    let p = i.spans.priority.as_ref().unwrap();
    assert_eq!((p.line, p.col), (12, 14));
    let vr = i.spans.virtual_router_id.as_ref().unwrap();
    assert_eq!((vr.line, vr.col), (11, 23));
    assert_eq!(l.config.global_defs.span.line, 4);
}

#[test]
fn node_b_golden() {
    let l = seed("nodeB.conf");
    assert_eq!(l.diagnostics, vec![]);
    assert_eq!(
        l.config.clone().without_spans(),
        expected("NodeB", State::Backup, 90)
    );
    assert_eq!(l.config.instances[0].effective_priority(), 90);
}

#[test]
fn golden_differs_when_content_differs() {
    // Spans are ignored by `eq_ignoring_spans`, content is not; `==` sees spans too.
    let a = seed("nodeA.conf");
    assert!(a
        .config
        .eq_ignoring_spans(&expected("NodeA", State::Master, 100)));
    assert_ne!(a.config, expected("NodeA", State::Master, 100));
    assert!(!a
        .config
        .eq_ignoring_spans(&expected("NodeA", State::Backup, 100)));
    assert!(!a
        .config
        .eq_ignoring_spans(&expected("NodeA", State::Master, 101)));
}
