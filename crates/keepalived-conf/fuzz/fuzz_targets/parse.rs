//! Fuzz target: any byte string is parsed, validated, rendered and its diagnostics printed
//! without panicking; the rendering of a clean parse must reparse to the same AST.
#![no_main]

use keepalived_conf::{load_str, LoadOptions, SpanInsensitive};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let opts = LoadOptions {
        config_id: Some("fuzz".into()),
    };
    let l = load_str("fuzz.conf", &text, &opts);
    let _ = l.render_diagnostics();
    let rendered = l.config.render();
    if l.error_count() == 0 && l.warning_count() == 0 {
        let again = load_str("rendered.conf", &rendered, &opts);
        assert_eq!(
            again.config.without_spans(),
            l.config.without_spans(),
            "{rendered}"
        );
    }
});
