//! Cross-block checks done after parsing (1.3.5's `vrrp_complete_init` and friends).

use crate::ast::Config;
use crate::diagnostic::{Diagnostic, Severity};

pub(crate) fn validate(_cfg: &mut Config, _diags: &mut Vec<Diagnostic>) {
    let _ = Severity::Error;
}
