//! `genhash`: fetch a web page and print the MD5 digest of its body, the value keepalived's
//! `HTTP_GET`/`SSL_GET` `digest` keyword expects. Same options and output as keepalived 1.3.5's
//! genhash (`genhash/main.c`, `genhash/http.c`), with the request, the header parsing and the
//! digest shared with the checker (`check_probes::fetch`):
//!
//! - `-s/--server IP` (numeric only), `-p/--port N`, `-u/--url PATH` (default `/`),
//!   `-S/--use-ssl`, `-V/--use-virtualhost HOST`, `-H/--hash ALG` (MD5), `-m/--fwmark N`,
//!   `-v/--verbose`, `-h/--help`, `-r/--release`; getopt_long syntax (bundled short options,
//!   `-pN`, `--port=N`, unique prefixes of long options).
//! - Output: `MD5SUM = <32 hex digits>` and an empty line on stdout; nothing when the page
//!   cannot be fetched. `-v` adds hex dumps of the header, the body and the digest, and the
//!   response time. The exit status is 0 in every case, as 1.3.5's.

use std::io::Write;
use std::net::{IpAddr, SocketAddr};
use std::time::{Duration, Instant};

use check_probes::http::{fetch, hex, FetchError, FetchRequest, HttpResponse};
use check_probes::{ConnectSpec, TlsConfig, TlsFiles, TlsSpec};

/// 1.3.5's `HTTP_CNX_TIMEOUT`: each step (connect, write, read) gets 5 s.
const TIMEOUT: Duration = Duration::from_secs(5);

/// The version line of `-r` and of the help screen (1.3.5's genhash carries its own version).
const VERSION: &str = "genhash v1.0.0 (21/07, 2013)";

#[derive(Default, Debug)]
struct Options {
    server: Option<IpAddr>,
    port: u16,
    port_given: bool,
    url: Option<String>,
    ssl: bool,
    vhost: Option<String>,
    fwmark: Option<u32>,
    verbose: bool,
}

/// `(long name, short letter, takes an argument)`, the order 1.3.5 declares them in.
const LONG: &[(&str, char, bool)] = &[
    ("release", 'r', false),
    ("help", 'h', false),
    ("verbose", 'v', false),
    ("use-ssl", 'S', false),
    ("server", 's', true),
    ("hash", 'H', true),
    ("use-virtualhost", 'V', true),
    ("port", 'p', true),
    ("url", 'u', true),
    ("fwmark", 'm', true),
];

fn takes_arg(c: char) -> Option<bool> {
    LONG.iter().find(|l| l.1 == c).map(|l| l.2)
}

fn usage(prog: &str) {
    let mut e = std::io::stderr().lock();
    let _ = write!(
        e,
        "{VERSION}\n\
         Usage:\n  {prog} -s server-address -p port -u url\n  {prog} -S -s server-address -p port -u url\n  {prog} -h\n  {prog} -r\n\n\
         Commands:\n\
         Either long or short options are allowed.\n\
         \x20 {prog} --use-ssl         -S       Fetch over SSL/TLS.\n\
         \x20 {prog} --server          -s       Address (IPv4 or IPv6, numeric) of the web server.\n\
         \x20 {prog} --port            -p       TCP port of the web server.\n\
         \x20 {prog} --url             -u       Path to fetch (default /).\n\
         \x20 {prog} --use-virtualhost -V       Host header (and TLS server name) to send.\n\
         \x20 {prog} --hash            -H       Digest algorithm (see below).\n\
         \x20 {prog} --verbose         -v       Dump the header, the body and the digest.\n\
         \x20 {prog} --help            -h       Show this help.\n\
         \x20 {prog} --release         -r       Show the version.\n\
         \x20 {prog} --fwmark          -m       Set this firewall mark on the connection.\n\
         \nSupported hash algorithms:\n  MD5 (default)\n"
    );
}

/// What parsing decided.
enum Parsed {
    Run(Options),
    /// Stop with status 0 (1.3.5 exits 0 after a command-line error too).
    Exit,
}

/// Apply option `c` with its argument; `false` on a bad value (already reported).
fn apply(o: &mut Options, c: char, arg: Option<String>, prog: &str) -> bool {
    let arg = arg.unwrap_or_default();
    match c {
        'r' => eprintln!("{VERSION}"),
        'h' => usage(prog),
        'v' => o.verbose = true,
        'S' => o.ssl = true,
        's' => match arg.parse::<IpAddr>() {
            Ok(ip) => o.server = Some(ip),
            Err(_) => {
                eprintln!("server should be an IP, not {arg}");
                return false;
            }
        },
        'H' => {
            if !arg.eq_ignore_ascii_case("MD5") {
                eprintln!("unknown hash algorithm: {arg}");
                return false;
            }
        }
        'V' => o.vhost = Some(arg),
        'p' => {
            o.port = atoi(&arg) as u16;
            o.port_given = true;
        }
        'u' => o.url = Some(arg),
        'm' => o.fwmark = Some(strtoul(&arg)),
        _ => return false,
    }
    true
}

/// C's `atoi` (leading blanks, sign, digits; garbage gives 0), as 1.3.5 reads `-p`.
fn atoi(s: &str) -> i64 {
    let t = s.trim_start();
    let (neg, digits) = match t.as_bytes().first() {
        Some(b'-') => (true, &t[1..]),
        Some(b'+') => (false, &t[1..]),
        _ => (false, t),
    };
    let mut v: i64 = 0;
    for b in digits.bytes().take_while(u8::is_ascii_digit) {
        v = v.saturating_mul(10).saturating_add(i64::from(b - b'0'));
    }
    if neg {
        -v
    } else {
        v
    }
}

/// `strtoul(s, NULL, 10)` truncated to 32 bits, as 1.3.5 reads `-m`.
fn strtoul(s: &str) -> u32 {
    atoi(s) as u32
}

/// getopt_long over `args` (without argv[0]).
fn parse(prog: &str, args: &[String]) -> Parsed {
    let mut o = Options::default();
    let mut i = 0;
    let mut operands = Vec::new();
    while i < args.len() {
        let a = &args[i];
        i += 1;
        if a == "--" {
            operands.extend(args[i..].iter().cloned());
            break;
        }
        if let Some(long) = a.strip_prefix("--") {
            let (name, inline) = match long.split_once('=') {
                Some((n, v)) => (n, Some(v.to_string())),
                None => (long, None),
            };
            let exact = LONG.iter().find(|l| l.0 == name);
            let cands: Vec<_> = LONG.iter().filter(|l| l.0.starts_with(name)).collect();
            let opt = match (exact, cands.as_slice()) {
                (Some(l), _) => *l,
                (None, [l]) => **l,
                (None, []) => {
                    eprintln!("{prog}: unrecognized option '--{name}'");
                    usage(prog);
                    return Parsed::Exit;
                }
                (None, _) => {
                    eprintln!("{prog}: option '--{name}' is ambiguous");
                    usage(prog);
                    return Parsed::Exit;
                }
            };
            let (lname, c, has_arg) = opt;
            let val = if has_arg {
                match inline {
                    Some(v) => Some(v),
                    None if i < args.len() => {
                        i += 1;
                        Some(args[i - 1].clone())
                    }
                    None => {
                        eprintln!("{prog}: option '--{lname}' requires an argument");
                        usage(prog);
                        return Parsed::Exit;
                    }
                }
            } else if inline.is_some() {
                eprintln!("{prog}: option '--{lname}' doesn't allow an argument");
                usage(prog);
                return Parsed::Exit;
            } else {
                None
            };
            if !apply(&mut o, c, val, prog) {
                return Parsed::Exit;
            }
            continue;
        }
        match a.strip_prefix('-') {
            Some(shorts) if !shorts.is_empty() => {
                let chars = shorts.char_indices();
                for (pos, c) in chars {
                    match takes_arg(c) {
                        None => {
                            eprintln!("{prog}: invalid option -- '{c}'");
                            usage(prog);
                            return Parsed::Exit;
                        }
                        Some(false) => {
                            if !apply(&mut o, c, None, prog) {
                                return Parsed::Exit;
                            }
                        }
                        Some(true) => {
                            let rest = &shorts[pos + c.len_utf8()..];
                            let val = if !rest.is_empty() {
                                rest.to_string()
                            } else if i < args.len() {
                                i += 1;
                                args[i - 1].clone()
                            } else {
                                eprintln!("{prog}: option requires an argument -- '{c}'");
                                usage(prog);
                                return Parsed::Exit;
                            };
                            if !apply(&mut o, c, Some(val), prog) {
                                return Parsed::Exit;
                            }
                            break;
                        }
                    }
                }
            }
            // GNU getopt permutes: operands may come anywhere.
            _ => operands.push(a.clone()),
        }
    }
    if !operands.is_empty() {
        eprint!("Unexpected argument(s): ");
        println!("{} ", operands.join(" "));
        return Parsed::Exit;
    }
    // Nothing to fetch (e.g. only -h or -r): done.
    if o.server.is_none() && !o.port_given && o.url.is_none() {
        return Parsed::Exit;
    }
    Parsed::Run(o)
}

/// 1.3.5's `dump_buffer`: offset, 16 bytes in hex (a dash after the 8th), then as text.
fn dump(out: &mut String, buf: &[u8]) {
    for (n, line) in buf.chunks(16).enumerate() {
        out.push_str(&format!("{:04} ", (n * 16) & 0xffff));
        for i in 0..16 {
            match line.get(i) {
                Some(b) => out.push_str(&format!(" {b:02x}")),
                None => out.push_str("   "),
            }
            if i == 7 {
                out.push_str(" -");
            }
        }
        out.push_str("   ");
        for i in 0..16 {
            out.push(match line.get(i) {
                Some(&b) if (0x20..=0x7e).contains(&b) => b as char,
                Some(_) => '.',
                None => ' ',
            });
        }
        out.push('\n');
    }
}

const DELIM_BEGIN: &str = "-----------------------[";
const DELIM_END: &str = "]-----------------------\n";

fn section(out: &mut String, title: &str) {
    out.push_str(DELIM_BEGIN);
    out.push_str(title);
    out.push_str(DELIM_END);
}

/// The stdout text for a fetched page.
fn report(resp: &HttpResponse, verbose: bool) -> String {
    let mut out = String::new();
    if verbose {
        section(&mut out, "    HTTP Header Buffer    ");
        dump(&mut out, &resp.header);
        section(&mut out, " HTTP Header Ascii Buffer ");
        out.push_str(&String::from_utf8_lossy(&resp.header));
        out.push('\n');
        if !resp.body.is_empty() {
            section(&mut out, "        HTML Buffer        ");
            dump(&mut out, &resp.body);
        }
        out.push('\n');
        section(&mut out, "    HTML hash resulting    ");
        dump(&mut out, &resp.digest);
        section(&mut out, " HTML hash final resulting ");
    }
    out.push_str(&format!("MD5SUM = {}\n\n", hex(&resp.digest)));
    out
}

async fn run(o: Options) {
    let url = o.url.clone().unwrap_or_else(|| "/".to_string());
    let ip = o
        .server
        .unwrap_or(IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED));
    let dst = SocketAddr::new(ip, o.port);
    let conn = ConnectSpec {
        dst,
        bind: None,
        timeout: TIMEOUT,
        fwmark: o.fwmark,
    };
    let tls = if o.ssl {
        match TlsConfig::load(&TlsFiles::default()) {
            Ok(config) => Some(TlsSpec {
                sni: o.vhost.clone(),
                config,
            }),
            Err(e) => {
                eprintln!("  SSL error: ({e})");
                return;
            }
        }
    } else {
        None
    };
    let req = FetchRequest {
        conn: &conn,
        path: &url,
        virtualhost: o.vhost.as_deref(),
        tls: tls.as_ref(),
        keep_body: o.verbose,
    };
    let start = Instant::now();
    let result = fetch(&req).await;
    let took = start.elapsed();
    match result {
        Ok(resp) => {
            let mut stdout = std::io::stdout().lock();
            let _ = stdout.write_all(report(&resp, o.verbose).as_bytes());
        }
        Err(e) => match e {
            FetchError::Send(_) | FetchError::WriteTimeout => {
                eprintln!("Cannot send get request to [{}]:{}.", dst.ip(), dst.port());
            }
            FetchError::Handshake(ref err) => eprintln!("  SSL error: ({err})"),
            // 1.3.5 ends silently on the others; say why when asked to be verbose.
            _ if o.verbose => eprintln!("{e}"),
            _ => {}
        },
    }
    if o.verbose {
        println!("Global response time for [{url}] ={}", took.as_micros());
    }
}

fn main() {
    let mut argv = std::env::args();
    let prog = argv.next().unwrap_or_else(|| "genhash".to_string());
    let args: Vec<String> = argv.collect();
    let Parsed::Run(opts) = parse(&prog, &args) else {
        return;
    };
    let rt = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("{prog}: cannot start: {e}");
            return;
        }
    };
    rt.block_on(run(opts));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(s: &str) -> Vec<String> {
        s.split_whitespace().map(str::to_string).collect()
    }

    fn opts(s: &str) -> Options {
        match parse("genhash", &args(s)) {
            Parsed::Run(o) => o,
            Parsed::Exit => panic!("{s}: exit"),
        }
    }

    #[test]
    fn getopt_forms() {
        let o = opts("-s 10.0.0.1 -p 8080 -u /x");
        assert_eq!(o.server, Some("10.0.0.1".parse().unwrap()));
        assert_eq!((o.port, o.url.as_deref()), (8080, Some("/x")));
        let o = opts("-vS -s10.0.0.1 -p80 --use-virtual=www.example.com --fwmark 3");
        assert!(o.verbose && o.ssl);
        assert_eq!(o.vhost.as_deref(), Some("www.example.com"));
        assert_eq!(o.fwmark, Some(3));
        let o = opts("--server ::1 --port=443 -H md5");
        assert_eq!(o.server, Some("::1".parse().unwrap()));
        assert!(matches!(
            parse("g", &args("-s www.example.com -p 80")),
            Parsed::Exit
        ));
        assert!(matches!(
            parse("g", &args("-s 10.0.0.1 -H SHA1")),
            Parsed::Exit
        ));
        assert!(matches!(parse("g", &args("-h")), Parsed::Exit));
        assert!(matches!(
            parse("g", &args("-s 10.0.0.1 extra")),
            Parsed::Exit
        ));
        assert!(matches!(parse("g", &args("-x")), Parsed::Exit));
    }

    #[test]
    fn dump_matches_1_3_5_layout() {
        let mut s = String::new();
        dump(&mut s, b"HTTP/1.0 200 OK\r\nX");
        assert_eq!(
            s,
            "0000  48 54 54 50 2f 31 2e 30 - 20 32 30 30 20 4f 4b 0d   HTTP/1.0 200 OK.\n\
             0016  0a 58                   -                           .X              \n"
        );
    }

    #[test]
    fn atoi_like_c() {
        assert_eq!(atoi("80"), 80);
        assert_eq!(atoi(" 81x"), 81);
        assert_eq!(atoi("x"), 0);
    }
}
