//! The accept-mode firewall of keepalived 1.3.5 (`vrrp_iptables.c`, `vrrp_ipset.c`,
//! `vrrp_ipaddress.c`): a MASTER that is not the address owner and has accept mode off (the
//! default under `vrrp_strict`, or `no_accept`) drops every packet addressed to its VIPs.
//!
//! Done as on an EL7 host, with the `iptables`/`ip6tables` and `ipset` commands:
//! - with ipsets (the default; names from `vrrp_ipsets N4 [N6 [NIF6]]`, by default
//!   `keepalived`, `keepalived6`, `keepalived_if6`): the sets and the rules matching them are
//!   created at start (after removing any a predecessor left) and removed at stop; a VIP's set
//!   entry is added just before the VIP and removed just after it;
//! - without (bare `vrrp_ipsets`, or no usable `ipset`): one DROP rule per VIP (for IPv6 after
//!   ACCEPT rules for neighbour solicitations and adverts), added and removed with the VIP.
//!
//! Chains come from `vrrp_iptables [IN [OUT]]` (default `INPUT` and no output chain; a bare
//! `vrrp_iptables` means no filtering at all). The commands run on a worker task, in the order
//! asked, each under a timeout: the protocol never waits for them; only the set-up at start
//! and the clean-up at stop are awaited, both bounded.

use std::collections::HashMap;
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use keepalived_conf as conf;
use tokio::io::AsyncWriteExt;
use tokio::process::Command;
use tokio::sync::mpsc::{unbounded_channel, UnboundedReceiver, UnboundedSender};
use tokio::sync::oneshot;
use vrrp_engine::{Engine, InstanceConfig, InstanceId, State, Vip};

use crate::logging;

/// Longest one `iptables`/`ipset` command may run before it is killed (`iptables -w` waits
/// for the xtables lock, which another tool may hold).
const COMMAND_TIMEOUT: Duration = Duration::from_secs(5);

/// Longest the start waits for the chains and sets (several commands, each bounded).
const SETUP_WAIT: Duration = Duration::from_secs(30);

/// Longest the stop waits for the queued commands and the removal of chains and sets.
const STOP_WAIT: Duration = Duration::from_secs(30);

/// Where the tools are looked for when `PATH` is unset or empty (1.3.5's `execvp` would then
/// search only /bin and /usr/bin, missing both tools).
const DEFAULT_PATH: &str = "/usr/local/sbin:/usr/sbin:/sbin:/usr/local/bin:/usr/bin:/bin";

/// Names of the three ipsets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SetNames {
    /// IPv4 addresses (`hash:ip`, family inet).
    pub v4: String,
    /// IPv6 addresses (`hash:ip`, family inet6).
    pub v6: String,
    /// IPv6 link-local addresses with their interface (`hash:net,iface`, family inet6).
    pub if6: String,
}

impl SetNames {
    /// 1.3.5's naming: the IPv6 set defaults to the IPv4 name + `6`, the interface set to the
    /// IPv6 name without a trailing `6` + `_if6`.
    fn named(v4: &str, v6: Option<&String>, if6: Option<&String>) -> SetNames {
        let v6 = v6.cloned().unwrap_or_else(|| format!("{v4}6"));
        let if6 = if6
            .cloned()
            .unwrap_or_else(|| format!("{}_if6", v6.strip_suffix('6').unwrap_or(&v6)));
        SetNames {
            v4: v4.to_string(),
            v6,
            if6,
        }
    }
}

/// `vrrp_iptables` / `vrrp_ipsets` as resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    /// Input chain (`None`: bare `vrrp_iptables`, no filtering).
    pub in_chain: Option<String>,
    /// Output chain (drops what leaves from a VIP), if configured.
    pub out_chain: Option<String>,
    /// The sets, or `None` for one rule per VIP.
    pub sets: Option<SetNames>,
}

impl Settings {
    /// From `global_defs`, with 1.3.5's defaults.
    pub fn from_global(g: &conf::GlobalDefs) -> Settings {
        let (in_chain, out_chain) = match &g.vrrp_iptables {
            None => (Some("INPUT".to_string()), None),
            Some(v) => (v.first().cloned(), v.get(1).cloned()),
        };
        let sets = match g.vrrp_ipsets.as_deref() {
            None => Some(SetNames::named("keepalived", None, None)),
            Some([]) => None,
            Some(v) => Some(SetNames::named(&v[0], v.get(1), v.get(2))),
        };
        Settings {
            in_chain,
            out_chain,
            sets,
        }
    }
}

/// The settings as used in the daemon's network namespace: no ipsets where 1.3.5 would not use
/// them (`net_namespace` on a kernel before 3.13 without `namespace_with_ipsets`).
fn in_namespace(mut s: Settings, log: bool) -> Settings {
    let blocked = match (&s.sets, crate::netns::started()) {
        (Some(sets), Some(id)) => {
            crate::netns::namespace_blocks_ipsets(id, &sets.v4, crate::netns::kernel_version())
        }
        _ => false,
    };
    if blocked {
        if log {
            logging::info(crate::netns::NO_IPSETS_LINE);
        }
        s.sets = None;
    }
    s
}

/// Does this instance's mastership filter its VIPs? (not the address owner, accept mode off:
/// 1.3.5's `base_priority != VRRP_PRIO_OWNER && !accept`).
pub fn filters(cfg: &InstanceConfig) -> bool {
    drops(cfg.priority, cfg.accept)
}

fn drops(priority: u8, accept: bool) -> bool {
    priority != 255 && !accept
}

/// Index of an address family in per-family arrays.
fn fam(addr: &IpAddr) -> usize {
    usize::from(addr.is_ipv6())
}

const FAMILY_NAME: [&str; 2] = ["IPv4", "IPv6"];
const IPTABLES: [&str; 2] = ["iptables", "ip6tables"];

fn is_link_local(addr: &IpAddr) -> bool {
    matches!(addr, IpAddr::V6(a) if a.segments()[0] & 0xffc0 == 0xfe80)
}

/// One rule: chain and the match/target arguments (after `-A CHAIN` / `-D CHAIN`).
type Rule = (String, Vec<String>);

fn strings(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

/// ICMPv6 neighbour solicitation and advertisement: let through even to a filtered VIP, or
/// the address stops resolving.
const ND_TYPES: [&str; 2] = ["135", "136"];

/// The rules matching the sets of one family (1.3.5's `add_del_rules`, same order): IPv4 one
/// DROP per chain; IPv6, per chain and per set, ACCEPT neighbour discovery then DROP.
fn set_rules(v6: bool, s: &Settings, names: &SetNames) -> Vec<Rule> {
    let mut rules = Vec::new();
    // (chain, direction for a one-dimension set, for the address,interface set)
    let chains = [
        (s.in_chain.as_ref(), "dst", "dst,src"),
        (s.out_chain.as_ref(), "src", "src,dst"),
    ];
    for (chain, one, two) in chains {
        let Some(chain) = chain else { continue };
        if !v6 {
            rules.push((
                chain.clone(),
                strings(&["-m", "set", "--match-set", &names.v4, one, "-j", "DROP"]),
            ));
            continue;
        }
        for (set, dir) in [(&names.if6, two), (&names.v6, one)] {
            for t in ND_TYPES {
                rules.push((
                    chain.clone(),
                    strings(&[
                        "-p",
                        "ipv6-icmp",
                        "-m",
                        "set",
                        "--match-set",
                        set,
                        dir,
                        "-m",
                        "icmp6",
                        "--icmpv6-type",
                        t,
                        "-j",
                        "ACCEPT",
                    ]),
                ));
            }
            rules.push((
                chain.clone(),
                strings(&["-m", "set", "--match-set", set, dir, "-j", "DROP"]),
            ));
        }
    }
    rules
}

/// The rules of one VIP without ipsets (1.3.5's `handle_iptable_rule_to_vip_cmd`): for IPv6
/// first ACCEPT neighbour discovery (input, then output), then DROP (input, then output). A
/// link-local address is matched on its interface too.
fn address_rules(s: &Settings, addr: &IpAddr, dev: &str) -> Vec<Rule> {
    let mut rules = Vec::new();
    let Some(in_chain) = &s.in_chain else {
        return rules;
    };
    let a = addr.to_string();
    let iface = |flag: &str| -> Vec<String> {
        if is_link_local(addr) {
            strings(&[flag, dev])
        } else {
            Vec::new()
        }
    };
    let chains = [
        (Some(in_chain), "-d", "-i"),
        (s.out_chain.as_ref(), "-s", "-o"),
    ];
    if addr.is_ipv6() {
        for (chain, dir, ifflag) in chains {
            let Some(chain) = chain else { continue };
            for t in ND_TYPES {
                let mut r = strings(&["-p", "ipv6-icmp", dir, &a]);
                r.extend(iface(ifflag));
                r.extend(strings(&[
                    "-m",
                    "icmp6",
                    "--icmpv6-type",
                    t,
                    "-j",
                    "ACCEPT",
                ]));
                rules.push((chain.clone(), r));
            }
        }
    }
    for (chain, dir, ifflag) in chains {
        let Some(chain) = chain else { continue };
        let mut r = strings(&[dir, &a]);
        r.extend(iface(ifflag));
        r.extend(strings(&["-j", "DROP"]));
        rules.push((chain.clone(), r));
    }
    rules
}

/// One line of an `ipset restore` script adding or deleting the entry of a VIP.
fn set_line(names: &SetNames, add: bool, addr: &IpAddr, dev: &str) -> String {
    let cmd = if add { "add" } else { "del" };
    match addr {
        IpAddr::V4(_) => format!("{cmd} {} {addr}", names.v4),
        IpAddr::V6(_) if is_link_local(addr) => format!("{cmd} {} {addr},{dev}", names.if6),
        IpAddr::V6(_) => format!("{cmd} {} {addr}", names.v6),
    }
}

/// `tool` as found in `PATH`, as 1.3.5 runs it (a unit's `PATH` has the sbin directories).
fn find_tool(tool: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")
        .filter(|p| !p.is_empty())
        .unwrap_or_else(|| DEFAULT_PATH.into());
    std::env::split_paths(&path)
        .map(|d| d.join(tool))
        .find(|p| is_executable(p))
}

fn is_executable(p: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(p).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

/// Runs `tool args` (with `input` on its standard input), killed after [`COMMAND_TIMEOUT`].
/// The error is the tool's complaint (its standard error) or why it could not run.
async fn run(tool: &Path, args: &[String], input: Option<&str>) -> Result<(), String> {
    run_within(COMMAND_TIMEOUT, tool, args, input).await
}

async fn run_within(
    limit: Duration,
    tool: &Path,
    args: &[String],
    input: Option<&str>,
) -> Result<(), String> {
    let mut cmd = Command::new(tool);
    cmd.args(args)
        .stdin(if input.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    let name = tool.file_name().map_or_else(
        || tool.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    );
    let work = async {
        let mut child = cmd.spawn().map_err(|e| format!("cannot run {name}: {e}"))?;
        if let (Some(text), Some(mut stdin)) = (input, child.stdin.take()) {
            // A tool that dies early closes the pipe: its exit status tells why.
            let _ = stdin.write_all(text.as_bytes()).await;
        }
        let out = child
            .wait_with_output()
            .await
            .map_err(|e| format!("{name}: {e}"))?;
        if out.status.success() {
            return Ok(());
        }
        let err = String::from_utf8_lossy(&out.stderr);
        let err = err.trim();
        Err(if err.is_empty() {
            format!("{name} failed ({})", out.status)
        } else {
            format!("{name}: {}", err.lines().next().unwrap_or(err))
        })
    };
    match tokio::time::timeout(limit, work).await {
        Ok(r) => r,
        Err(_) => Err(format!(
            "{name} did not finish within {:.1} s (killed)",
            limit.as_secs_f64()
        )),
    }
}

/// How one address family is filtered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// Not set up (no filtering instance of this family yet).
    Unset,
    /// Cannot or must not filter (tools or chain missing, bare `vrrp_iptables`).
    Off,
    /// Entries in the family's sets.
    Sets,
    /// One set of rules per VIP.
    Rules,
}

/// A VIP's filter to add or remove.
#[derive(Debug, Clone)]
struct EntryOp {
    add: bool,
    addr: IpAddr,
    dev: String,
}

enum Job {
    /// Set up the families not yet set up; `names` are the filtering instances with VIPs of
    /// each family (for the error line), `vips` their VIPs (per-VIP rules a predecessor may
    /// have left).
    Setup {
        families: [bool; 2],
        names: [Vec<String>; 2],
        vips: Vec<(IpAddr, String)>,
        done: Option<oneshot::Sender<()>>,
    },
    Entry(EntryOp),
    /// Remove what is left (`remaining` VIP filters, chains' rules, sets) and end.
    Stop {
        remaining: Vec<(IpAddr, String)>,
        done: oneshot::Sender<()>,
    },
}

/// The worker's side: runs the commands.
struct Worker {
    settings: Settings,
    mode: [Mode; 2],
    iptables: [Option<PathBuf>; 2],
    ipset: Option<PathBuf>,
}

impl Worker {
    async fn serve(mut self, mut rx: UnboundedReceiver<Job>) {
        let mut next: Option<Job> = None;
        loop {
            let job = match next.take() {
                Some(j) => j,
                None => match rx.recv().await {
                    Some(j) => j,
                    None => return,
                },
            };
            match job {
                Job::Entry(op) => {
                    // Everything queued meanwhile goes in the same batch (one `ipset restore`
                    // for a mass failover), in order.
                    let mut batch = vec![op];
                    while let Ok(j) = rx.try_recv() {
                        match j {
                            Job::Entry(op) => batch.push(op),
                            other => {
                                next = Some(other);
                                break;
                            }
                        }
                    }
                    self.entries(&batch).await;
                }
                Job::Setup {
                    families,
                    names,
                    vips,
                    done,
                } => {
                    for (f, wanted) in families.into_iter().enumerate() {
                        if wanted && self.mode[f] == Mode::Unset {
                            self.setup(f, &names[f], &vips).await;
                        }
                    }
                    if let Some(done) = done {
                        let _ = done.send(());
                    }
                }
                Job::Stop { remaining, done } => {
                    self.stop(&remaining).await;
                    let _ = done.send(());
                    return;
                }
            }
        }
    }

    /// Logs that family `f` cannot be filtered, naming the instances whose VIPs will answer.
    fn cannot_filter(&mut self, f: usize, why: &str, names: &[String]) {
        logging::error(&format!(
            "{why} - can't filter {} VIP address destinations: the VIPs of {} will answer all traffic although accept mode is off",
            FAMILY_NAME[f],
            names.join(", ")
        ));
        self.mode[f] = Mode::Off;
    }

    async fn iptables(&self, f: usize, op: &str, rule: &Rule) -> Result<(), String> {
        let Some(tool) = &self.iptables[f] else {
            return Err(format!("{} command not available", IPTABLES[f]));
        };
        let mut args = strings(&["-w", op, &rule.0]);
        args.extend(rule.1.iter().cloned());
        run(tool, &args, None).await
    }

    async fn setup(&mut self, f: usize, names: &[String], vips: &[(IpAddr, String)]) {
        let Some(in_chain) = self.settings.in_chain.clone() else {
            // Bare `vrrp_iptables`: the administrator filters (or not) by other means.
            self.mode[f] = Mode::Off;
            return;
        };
        let Some(tool) = find_tool(IPTABLES[f]) else {
            let why = format!("{} command not available", IPTABLES[f]);
            self.cannot_filter(f, &why, names);
            return;
        };
        let chains = std::iter::once(in_chain).chain(self.settings.out_chain.clone());
        for chain in chains {
            let args = strings(&["-w", "-S", &chain]);
            if let Err(e) = run(&tool, &args, None).await {
                let why = format!(
                    "{} chain {chain} doesn't exist or cannot be read ({e})",
                    IPTABLES[f]
                );
                self.cannot_filter(f, &why, names);
                return;
            }
        }
        self.iptables[f] = Some(tool);
        if let Some(sets) = self.settings.sets.clone() {
            match self.setup_sets(f, &sets).await {
                Ok(()) => {
                    self.mode[f] = Mode::Sets;
                    return;
                }
                Err(e) => logging::info(&format!(
                    "{e} - using one {} rule per VIP address instead of ipsets",
                    IPTABLES[f]
                )),
            }
        }
        // Per-VIP rules a crashed predecessor left would stay forever: remove them first.
        for (addr, dev) in vips.iter().filter(|(a, _)| fam(a) == f) {
            for rule in address_rules(&self.settings, addr, dev) {
                let _ = self.iptables(f, "-D", &rule).await;
            }
        }
        self.mode[f] = Mode::Rules;
    }

    /// Removes leftovers, creates the family's sets and appends the rules matching them.
    async fn setup_sets(&mut self, f: usize, sets: &SetNames) -> Result<(), String> {
        let ipset = match &self.ipset {
            Some(p) => p.clone(),
            None => {
                let p = find_tool("ipset").ok_or("ipset command not available")?;
                // Lists nothing but proves the kernel side works.
                run(&p, &strings(&["list", "-n"]), None).await?;
                self.ipset = Some(p.clone());
                p
            }
        };
        self.remove_sets(f, sets).await;
        let created: Vec<(&str, &str)> = if f == 0 {
            vec![(&sets.v4, "hash:ip")]
        } else {
            vec![(&sets.v6, "hash:ip"), (&sets.if6, "hash:net,iface")]
        };
        let family = if f == 0 { "inet" } else { "inet6" };
        for (name, kind) in created {
            let args = strings(&["-exist", "create", name, kind, "family", family]);
            run(&ipset, &args, None)
                .await
                .map_err(|e| format!("cannot create ipset {name}: {e}"))?;
        }
        for rule in set_rules(f == 1, &self.settings, sets) {
            if let Err(e) = self.iptables(f, "-A", &rule).await {
                logging::error(&format!(
                    "cannot add {} rule to chain {} ({}): {e}",
                    IPTABLES[f],
                    rule.0,
                    rule.1.join(" ")
                ));
            }
        }
        Ok(())
    }

    /// Deletes the rules matching the family's sets and destroys the sets (errors ignored:
    /// used for leftovers too).
    async fn remove_sets(&self, f: usize, sets: &SetNames) {
        for rule in set_rules(f == 1, &self.settings, sets) {
            // A predecessor that crashed twice may have left a rule twice.
            for _ in 0..4 {
                if self.iptables(f, "-D", &rule).await.is_err() {
                    break;
                }
            }
        }
        let Some(ipset) = &self.ipset else { return };
        let names: Vec<&String> = if f == 0 {
            vec![&sets.v4]
        } else {
            vec![&sets.v6, &sets.if6]
        };
        for name in names {
            let _ = run(ipset, &strings(&["destroy", name]), None).await;
        }
    }

    async fn entries(&self, batch: &[EntryOp]) {
        let mut script = String::new();
        let mut in_script = Vec::new();
        for op in batch {
            let f = fam(&op.addr);
            match (self.mode[f], &self.settings.sets) {
                (Mode::Sets, Some(sets)) => {
                    script.push_str(&set_line(sets, op.add, &op.addr, &op.dev));
                    script.push('\n');
                    in_script.push(op.addr.to_string());
                }
                (Mode::Rules, _) => {
                    let cmd = if op.add { "-A" } else { "-D" };
                    for rule in address_rules(&self.settings, &op.addr, &op.dev) {
                        if let Err(e) = self.iptables(f, cmd, &rule).await {
                            logging::error(&format!(
                                "Failed to {} ip{}table rule for vip {} ({}): {e}",
                                if op.add { "set" } else { "remove" },
                                if f == 1 { "6" } else { "" },
                                op.addr,
                                rule.1.join(" ")
                            ));
                        }
                    }
                }
                _ => {}
            }
        }
        if script.is_empty() {
            return;
        }
        let Some(ipset) = &self.ipset else { return };
        if let Err(e) = run(ipset, &strings(&["-exist", "restore"]), Some(&script)).await {
            logging::error(&format!(
                "Failed to update the ipset entries of vips {}: {e}",
                in_script.join(", ")
            ));
        }
    }

    async fn stop(&mut self, remaining: &[(IpAddr, String)]) {
        let ops: Vec<EntryOp> = remaining
            .iter()
            .filter(|(a, _)| self.mode[fam(a)] == Mode::Rules)
            .map(|(addr, dev)| EntryOp {
                add: false,
                addr: *addr,
                dev: dev.clone(),
            })
            .collect();
        self.entries(&ops).await;
        if let Some(sets) = self.settings.sets.clone() {
            for f in 0..2 {
                if self.mode[f] == Mode::Sets {
                    self.remove_sets(f, &sets).await;
                }
            }
        }
    }
}

/// The daemon's side: decides which VIPs are filtered and queues the work.
pub struct Firewall {
    settings: Settings,
    tx: Option<UnboundedSender<Job>>,
    /// Families whose set-up was queued.
    prepared: [bool; 2],
    /// Filtered VIPs (as asked of the worker): address → interface.
    entries: HashMap<IpAddr, String>,
}

/// Every VIP (and excluded VIP) of an instance.
fn all_vips(cfg: &InstanceConfig) -> impl Iterator<Item = &Vip> {
    cfg.vips.iter().chain(&cfg.excluded_vips)
}

fn instances(engine: &Engine) -> impl Iterator<Item = (InstanceId, &InstanceConfig)> {
    (0..engine.instance_count()).filter_map(|i| {
        let id = InstanceId(i);
        engine.instance_config(id).map(|c| (id, c))
    })
}

impl Firewall {
    /// The firewall of `global_defs` (nothing runs until [`Firewall::start`]).
    pub fn new(global: &conf::GlobalDefs) -> Firewall {
        let settings = in_namespace(Settings::from_global(global), true);
        Firewall {
            settings,
            tx: None,
            prepared: [false; 2],
            entries: HashMap::new(),
        }
    }

    /// Queues the set-up of the families the filtering instances among `configs` need and
    /// that are not set up yet; returns the signal of its end.
    fn prepare<'c>(
        &mut self,
        configs: impl Iterator<Item = &'c InstanceConfig>,
    ) -> Option<oneshot::Receiver<()>> {
        let mut families = [false; 2];
        let mut names: [Vec<String>; 2] = Default::default();
        let mut vips = Vec::new();
        for cfg in configs.filter(|c| filters(c)) {
            for v in all_vips(cfg) {
                let f = fam(&v.addr);
                families[f] = true;
                if names[f].last() != Some(&cfg.name) {
                    names[f].push(cfg.name.clone());
                }
                vips.push((v.addr, v.dev.clone()));
            }
        }
        let new = [
            families[0] && !self.prepared[0],
            families[1] && !self.prepared[1],
        ];
        if new == [false; 2] {
            return None;
        }
        for (done, new) in self.prepared.iter_mut().zip(new) {
            *done |= new;
        }
        let tx = self.tx.get_or_insert_with(|| {
            let (tx, rx) = unbounded_channel();
            let worker = Worker {
                settings: self.settings.clone(),
                mode: [Mode::Unset; 2],
                iptables: [None, None],
                ipset: None,
            };
            tokio::task::spawn_local(worker.serve(rx));
            tx
        });
        let (done, wait) = oneshot::channel();
        let job = Job::Setup {
            families: new,
            names,
            vips,
            done: Some(done),
        };
        tx.send(job).ok().map(|()| wait)
    }

    /// At start, before the instances run: sets up chains and sets (or says why it cannot),
    /// waiting for it (bounded) so the first mastership is already filtered.
    pub async fn start(&mut self, engine: &Engine) {
        if let Some(wait) = self.prepare(instances(engine).map(|(_, c)| c)) {
            if tokio::time::timeout(SETUP_WAIT, wait).await.is_err() {
                logging::error(&format!(
                    "iptables/ipset set-up still running after {} s - continuing; VIPs may answer until it ends",
                    SETUP_WAIT.as_secs()
                ));
            }
        }
    }

    /// Before a reload hands `configs` to the engine: sets up what new filtering instances
    /// need (not waited for; the VIP filters of the reload are queued behind it).
    pub fn reload(&mut self, global: &conf::GlobalDefs, configs: &[InstanceConfig]) {
        if in_namespace(Settings::from_global(global), false) != self.settings {
            logging::info(
                "vrrp_iptables/vrrp_ipsets changed: the new chains and sets are used from the next restart",
            );
        }
        let _ = self.prepare(configs.iter());
    }

    /// After a reload: makes the filters match the MASTERs as they are now (an instance whose
    /// accept mode changed keeps its VIPs, so no add or remove says it).
    pub fn reconcile(&mut self, engine: &Engine) {
        let mut wanted: HashMap<IpAddr, String> = HashMap::new();
        for (id, cfg) in instances(engine) {
            if filters(cfg) && engine.state(id) == State::Master {
                wanted.extend(all_vips(cfg).map(|v| (v.addr, v.dev.clone())));
            }
        }
        let gone: Vec<(IpAddr, String)> = self
            .entries
            .iter()
            .filter(|(a, _)| !wanted.contains_key(a))
            .map(|(a, d)| (*a, d.clone()))
            .collect();
        for (addr, dev) in gone {
            self.entries.remove(&addr);
            self.send(false, addr, dev);
        }
        for (addr, dev) in wanted {
            if let std::collections::hash_map::Entry::Vacant(e) = self.entries.entry(addr) {
                e.insert(dev.clone());
                self.send(true, addr, dev);
            }
        }
    }

    fn send(&self, add: bool, addr: IpAddr, dev: String) {
        if let Some(tx) = &self.tx {
            let _ = tx.send(Job::Entry(EntryOp { add, addr, dev }));
        }
    }

    /// Before `cfg`'s VIPs are added (becoming MASTER): filter them if accept mode is off.
    pub fn before_add(&mut self, cfg: &InstanceConfig, vips: &[Vip]) {
        if !filters(cfg) || self.tx.is_none() {
            return;
        }
        logging::detail(&format!(
            "VRRP_Instance({}) setting protocol iptable drop rule",
            cfg.name
        ));
        for v in vips {
            if self.entries.insert(v.addr, v.dev.clone()).is_none() {
                self.send(true, v.addr, v.dev.clone());
            }
        }
    }

    /// After VIPs were removed (leaving MASTER, stop, reload): drop their filters.
    pub fn after_remove(&mut self, iname: Option<&str>, vips: &[Vip]) {
        let mut logged = false;
        for v in vips {
            if let Some(dev) = self.entries.remove(&v.addr) {
                if !logged {
                    logged = true;
                    logging::detail(&format!(
                        "VRRP_Instance({}) removing protocol iptable drop rule",
                        iname.unwrap_or("?")
                    ));
                }
                self.send(false, v.addr, dev);
            }
        }
    }

    /// At stop (after the VIPs are released): removes every filter, rule and set of ours,
    /// waiting for it (bounded).
    pub async fn stop(&mut self) {
        let Some(tx) = self.tx.take() else { return };
        let (done, wait) = oneshot::channel();
        let remaining = self.entries.drain().collect();
        if tx.send(Job::Stop { remaining, done }).is_err() {
            return;
        }
        if tokio::time::timeout(STOP_WAIT, wait).await.is_err() {
            logging::error(&format!(
                "iptables/ipset clean-up still running after {} s - some rules or sets may be left",
                STOP_WAIT.as_secs()
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn global(iptables: Option<&[&str]>, ipsets: Option<&[&str]>) -> conf::GlobalDefs {
        conf::GlobalDefs {
            vrrp_iptables: iptables.map(strings),
            vrrp_ipsets: ipsets.map(strings),
            ..Default::default()
        }
    }

    fn joined(rules: &[Rule]) -> Vec<String> {
        rules
            .iter()
            .map(|(c, r)| format!("{c} {}", r.join(" ")))
            .collect()
    }

    #[test]
    fn defaults_are_input_chain_and_keepalived_sets() {
        let s = Settings::from_global(&global(None, None));
        assert_eq!(s.in_chain.as_deref(), Some("INPUT"));
        assert_eq!(s.out_chain, None);
        assert_eq!(
            s.sets,
            Some(SetNames {
                v4: "keepalived".into(),
                v6: "keepalived6".into(),
                if6: "keepalived_if6".into()
            })
        );
    }

    #[test]
    fn keywords_name_chains_and_sets_as_135_does() {
        let s = Settings::from_global(&global(Some(&["IN", "OUT"]), Some(&["foo"])));
        assert_eq!(s.in_chain.as_deref(), Some("IN"));
        assert_eq!(s.out_chain.as_deref(), Some("OUT"));
        let n = s.sets.expect("sets");
        assert_eq!((n.v6.as_str(), n.if6.as_str()), ("foo6", "foo_if6"));
        let n = Settings::from_global(&global(None, Some(&["a", "b"])))
            .sets
            .expect("sets");
        assert_eq!((n.v6.as_str(), n.if6.as_str()), ("b", "b_if6"));
        let n = Settings::from_global(&global(None, Some(&["a", "b", "c"])))
            .sets
            .expect("sets");
        assert_eq!(n.if6, "c");
        // Bare keywords: no chain at all / no sets (one rule per VIP).
        assert_eq!(
            Settings::from_global(&global(Some(&[]), None)).in_chain,
            None
        );
        assert_eq!(Settings::from_global(&global(None, Some(&[]))).sets, None);
    }

    #[test]
    fn set_rules_have_135_shape() {
        let s = Settings::from_global(&global(Some(&["IN", "OUT"]), None));
        let n = s.sets.clone().expect("sets");
        assert_eq!(
            joined(&set_rules(false, &s, &n)),
            [
                "IN -m set --match-set keepalived dst -j DROP",
                "OUT -m set --match-set keepalived src -j DROP"
            ]
        );
        let v6 = joined(&set_rules(true, &s, &n));
        assert_eq!(v6.len(), 12);
        assert_eq!(
            v6[..6],
            [
                "IN -p ipv6-icmp -m set --match-set keepalived_if6 dst,src -m icmp6 --icmpv6-type 135 -j ACCEPT",
                "IN -p ipv6-icmp -m set --match-set keepalived_if6 dst,src -m icmp6 --icmpv6-type 136 -j ACCEPT",
                "IN -m set --match-set keepalived_if6 dst,src -j DROP",
                "IN -p ipv6-icmp -m set --match-set keepalived6 dst -m icmp6 --icmpv6-type 135 -j ACCEPT",
                "IN -p ipv6-icmp -m set --match-set keepalived6 dst -m icmp6 --icmpv6-type 136 -j ACCEPT",
                "IN -m set --match-set keepalived6 dst -j DROP",
            ]
        );
        assert_eq!(
            v6[8],
            "OUT -m set --match-set keepalived_if6 src,dst -j DROP"
        );
        assert_eq!(v6[11], "OUT -m set --match-set keepalived6 src -j DROP");
    }

    #[test]
    fn address_rules_have_135_shape() {
        let s = Settings::from_global(&global(None, Some(&[])));
        let a: IpAddr = "192.168.1.210".parse().expect("addr");
        assert_eq!(
            joined(&address_rules(&s, &a, "eth0")),
            ["INPUT -d 192.168.1.210 -j DROP"]
        );
        let s = Settings::from_global(&global(Some(&["IN", "OUT"]), Some(&[])));
        let ll: IpAddr = "fe80::1".parse().expect("addr");
        assert_eq!(
            joined(&address_rules(&s, &ll, "eth0")),
            [
                "IN -p ipv6-icmp -d fe80::1 -i eth0 -m icmp6 --icmpv6-type 135 -j ACCEPT",
                "IN -p ipv6-icmp -d fe80::1 -i eth0 -m icmp6 --icmpv6-type 136 -j ACCEPT",
                "OUT -p ipv6-icmp -s fe80::1 -o eth0 -m icmp6 --icmpv6-type 135 -j ACCEPT",
                "OUT -p ipv6-icmp -s fe80::1 -o eth0 -m icmp6 --icmpv6-type 136 -j ACCEPT",
                "IN -d fe80::1 -i eth0 -j DROP",
                "OUT -s fe80::1 -o eth0 -j DROP",
            ]
        );
        let g: IpAddr = "2001:db8::1".parse().expect("addr");
        assert_eq!(
            joined(&address_rules(&s, &g, "eth0"))[4],
            "IN -d 2001:db8::1 -j DROP"
        );
        // Bare vrrp_iptables: nothing.
        let s = Settings::from_global(&global(Some(&[]), Some(&[])));
        assert!(address_rules(&s, &a, "eth0").is_empty());
    }

    #[test]
    fn set_lines_pick_the_set_by_address_kind() {
        let n = SetNames::named("keepalived", None, None);
        let p = |s: &str| s.parse::<IpAddr>().expect("addr");
        assert_eq!(
            set_line(&n, true, &p("10.0.0.1"), "eth0"),
            "add keepalived 10.0.0.1"
        );
        assert_eq!(
            set_line(&n, false, &p("2001:db8::1"), "eth0"),
            "del keepalived6 2001:db8::1"
        );
        assert_eq!(
            set_line(&n, true, &p("fe80::5"), "eth1"),
            "add keepalived_if6 fe80::5,eth1"
        );
    }

    fn block_on<F: std::future::Future>(f: F) -> F::Output {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime")
            .block_on(f)
    }

    #[test]
    fn a_hanging_command_is_killed_at_its_timeout() {
        let started = std::time::Instant::now();
        let r = block_on(run_within(
            Duration::from_millis(200),
            Path::new("/bin/sleep"),
            &strings(&["30"]),
            None,
        ));
        assert_eq!(
            r,
            Err("sleep did not finish within 0.2 s (killed)".to_string())
        );
        assert!(started.elapsed() < Duration::from_secs(5));
    }

    #[test]
    fn command_errors_carry_the_tools_complaint() {
        let sh = Path::new("/bin/sh");
        let args = strings(&["-c", "read l; echo \"bad: $l\" >&2; exit 3"]);
        let r = block_on(run(sh, &args, Some("x\n")));
        assert_eq!(r, Err("sh: bad: x".to_string()));
        assert_eq!(block_on(run(sh, &strings(&["-c", "exit 0"]), None)), Ok(()));
        let r = block_on(run(Path::new("/nonexistent/ipset"), &[], None));
        assert!(r.is_err_and(|e| e.starts_with("cannot run ipset")));
    }

    #[test]
    fn only_non_owners_without_accept_filter() {
        assert!(drops(100, false));
        assert!(!drops(100, true));
        assert!(!drops(255, false));
    }
}
