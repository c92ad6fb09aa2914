//! Broken configurations (testdata/broken): each error is reported at its exact file:line:col,
//! and the config still holds what keepalived 1.3.5 would have run.

mod common;
use common::{errors, load_td};
use keepalived_conf::State;

fn e(file: &str, line: u32, col: u32) -> (String, u32, u32) {
    (file.to_string(), line, col)
}

#[test]
fn missing_closing_brace() {
    let l = load_td("broken/missing_brace.conf");
    assert_eq!(errors(&l), vec![e("missing_brace.conf", 1, 20)]);
    // 1.3.5 just hits EOF: the instance is still there.
    assert_eq!(l.config.instances[0].virtual_ipaddress.len(), 1);
}

#[test]
fn stray_closing_brace() {
    let l = load_td("broken/stray_brace.conf");
    assert_eq!(errors(&l), vec![e("stray_brace.conf", 4, 1)]);
    assert_eq!(l.config.global_defs.router_id.as_deref(), Some("A"));
}

#[test]
fn vrid_out_of_range() {
    let l = load_td("broken/vrid_range.conf");
    // The bad value, then (like 1.3.5) "the virtual id must be set" at the instance name.
    assert_eq!(
        errors(&l),
        vec![e("vrid_range.conf", 1, 15), e("vrid_range.conf", 3, 23)]
    );
    assert_eq!(l.config.instances[0].virtual_router_id, None);
}

#[test]
fn priority_out_of_range_falls_back_to_100() {
    let l = load_td("broken/priority_range.conf");
    // Tab-indented line: `\tpriority 0`, the value is at column 11.
    assert_eq!(errors(&l), vec![e("priority_range.conf", 4, 11)]);
    assert_eq!(l.config.instances[0].effective_priority(), 100);
}

#[test]
fn bad_addresses_are_skipped() {
    let l = load_td("broken/bad_address.conf");
    assert_eq!(
        errors(&l),
        vec![e("bad_address.conf", 6, 9), e("bad_address.conf", 9, 9)]
    );
    let i = &l.config.instances[0];
    assert_eq!(i.virtual_ipaddress.len(), 1);
    assert!(i.unicast_peer.is_empty());
}

#[test]
fn missing_vrid() {
    let l = load_td("broken/missing_vrid.conf");
    assert_eq!(errors(&l), vec![e("missing_vrid.conf", 1, 15)]);
    assert!(l
        .render_diagnostics()
        .contains("virtual_router_id must be set"));
}

#[test]
fn missing_interface() {
    let l = load_td("broken/missing_interface.conf");
    assert_eq!(errors(&l), vec![e("missing_interface.conf", 1, 15)]);
}

#[test]
fn unknown_track_script() {
    let l = load_td("broken/unknown_track_script.conf");
    assert_eq!(errors(&l), vec![e("unknown_track_script.conf", 9, 9)]);
    let names: Vec<_> = l.config.instances[0]
        .track_script
        .iter()
        .map(|t| t.name.as_str())
        .collect();
    assert_eq!(names, vec!["chk_http"]);
}

#[test]
fn include_of_missing_file() {
    let l = load_td("broken/include_missing.conf");
    assert_eq!(errors(&l), vec![e("include_missing.conf", 4, 9)]);
}

#[test]
fn include_cycle_is_detected() {
    let l = load_td("broken/include_cycle.conf");
    // Reported where the cycle closes: the include line in the included file.
    assert_eq!(errors(&l), vec![e("cycle_b.conf", 4, 9)]);
    assert!(l.render_diagnostics().contains("include cycle"));
    assert_eq!(l.config.global_defs.router_id.as_deref(), Some("B"));
}

#[test]
fn duplicate_vrid_on_one_interface() {
    let l = load_td("broken/duplicate_vrid.conf");
    // VI_3 uses the same VRID on another interface: fine.
    assert_eq!(errors(&l), vec![e("duplicate_vrid.conf", 7, 23)]);
}

#[test]
fn missing_parameter() {
    let l = load_td("broken/missing_parameter.conf");
    assert_eq!(errors(&l), vec![e("missing_parameter.conf", 4, 13)]);
    assert_eq!(l.config.instances[0].priority, None);
}

#[test]
fn one_line_list_block_behaves_like_1_3_5() {
    let l = load_td("broken/one_line_vip.conf");
    // 1.3.5 ignores `10.0.0.1/24 }` on the keyword line, takes `priority 150` as an address,
    // ends the list at the instance's `}` and then hits EOF inside the instance.
    assert_eq!(
        errors(&l),
        vec![
            e("one_line_vip.conf", 1, 20),
            e("one_line_vip.conf", 4, 25),
            e("one_line_vip.conf", 5, 5),
        ]
    );
    let i = &l.config.instances[0];
    assert!(i.virtual_ipaddress.is_empty());
    assert_eq!(i.priority, None);
    assert_eq!(i.state, State::Backup);
}

#[test]
fn rendering_is_rustc_like_and_lists_every_error() {
    let l = load_td("broken/bad_address.conf");
    let r = l.render_diagnostics();
    assert!(r.contains("bad_address.conf:6:9: error: invalid IP address '192.168.1.300'"));
    assert!(r.contains("6 |         192.168.1.300/24 dev eth0\n"));
    assert!(r.contains("  |         ^\n"));
    assert!(r.contains("bad_address.conf:9:9: error: invalid IP address '10.0.0.x'"));
}

#[test]
fn main_file_missing_is_a_load_error() {
    let err = keepalived_conf::load(
        std::path::Path::new("/nonexistent/keepalived.conf"),
        &Default::default(),
    )
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "Unable to find config file(s) '/nonexistent/keepalived.conf'."
    );
}

#[test]
fn sync_group_member_weights_are_reported_wherever_the_weight_comes_from() {
    use keepalived_conf::Severity;
    let l = load_td("broken/sync_group_weights.conf");
    assert!(errors(&l).is_empty());
    let warnings: Vec<(u32, &str)> = l
        .diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Warning)
        .map(|d| (d.span.line, d.message.as_str()))
        .collect();
    assert_eq!(warnings.len(), 3, "{warnings:#?}");
    // The interface line, the script weighted in its vrrp_script block, the one weighted on
    // its track_script line; not the unweighted one, nor the address owner VI_2.
    assert_eq!(
        warnings.iter().map(|w| w.0).collect::<Vec<_>>(),
        [12, 15, 16]
    );
    assert!(warnings[0].1.contains("weight 10 of eth1") && warnings[0].1.contains("FAULT"));
    assert!(warnings[1]
        .1
        .contains("chk_block (weight -20 from its vrrp_script block)"));
    assert!(warnings[2].1.contains("chk_plain (weight 5 on this line)"));
    for w in &warnings {
        assert!(w.1.contains("due to SYNC group"), "{}", w.1);
    }
}
