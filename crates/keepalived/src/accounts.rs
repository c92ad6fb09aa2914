//! User and group look-ups for `script_user`, `vrrp_script { user }` and the `USER [GROUP]` of
//! notify scripts (`getpwnam_r` / `getgrnam_r`, so NSS sources such as sssd are honoured).

use std::ffi::CString;
use std::io;

/// Looks up users and groups by name. A trait so the decisions built on it are unit-tested
/// without touching the host's account database.
pub trait Accounts {
    /// `(uid, primary gid)` of `name`; `Ok(None)` when there is no such user.
    fn user(&self, name: &str) -> io::Result<Option<(u32, u32)>>;
    /// gid of `name`; `Ok(None)` when there is no such group.
    fn group(&self, name: &str) -> io::Result<Option<u32>>;
}

/// The host's account database through the C library.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemAccounts;

/// Initial buffer size the C library suggests for `sysconf(name)`, at least 1 KiB.
fn initial_len(name: libc::c_int) -> usize {
    // SAFETY: sysconf reads a configuration value; no memory is passed.
    let n = unsafe { libc::sysconf(name) };
    usize::try_from(n).unwrap_or(0).max(1024)
}

/// Largest buffer tried before giving up on ERANGE.
const MAX_LEN: usize = 1 << 20;

impl Accounts for SystemAccounts {
    fn user(&self, name: &str) -> io::Result<Option<(u32, u32)>> {
        let Ok(cname) = CString::new(name) else {
            return Ok(None);
        };
        lookup(libc::_SC_GETPW_R_SIZE_MAX, |buf| {
            // SAFETY: passwd is plain data; zeroed is a valid (unused) value.
            let mut pwd: libc::passwd = unsafe { std::mem::zeroed() };
            let mut found: *mut libc::passwd = std::ptr::null_mut();
            // SAFETY: every pointer is valid for the call and `buf.len()` is its size.
            let rc = unsafe {
                libc::getpwnam_r(
                    cname.as_ptr(),
                    &mut pwd,
                    buf.as_mut_ptr(),
                    buf.len(),
                    &mut found,
                )
            };
            (rc, (!found.is_null()).then_some((pwd.pw_uid, pwd.pw_gid)))
        })
    }

    fn group(&self, name: &str) -> io::Result<Option<u32>> {
        let Ok(cname) = CString::new(name) else {
            return Ok(None);
        };
        lookup(libc::_SC_GETGR_R_SIZE_MAX, |buf| {
            // SAFETY: group is plain data; zeroed is a valid (unused) value.
            let mut grp: libc::group = unsafe { std::mem::zeroed() };
            let mut found: *mut libc::group = std::ptr::null_mut();
            // SAFETY: every pointer is valid for the call and `buf.len()` is its size.
            let rc = unsafe {
                libc::getgrnam_r(
                    cname.as_ptr(),
                    &mut grp,
                    buf.as_mut_ptr(),
                    buf.len(),
                    &mut found,
                )
            };
            (rc, (!found.is_null()).then_some(grp.gr_gid))
        })
    }
}

/// Runs a `get*nam_r` lookup with a buffer sized by `sysconf` (a `_SC_GET*_R_SIZE_MAX`),
/// doubled on ERANGE up to [`MAX_LEN`]; `call` returns the error code and what it found.
fn lookup<T>(
    sysconf: libc::c_int,
    mut call: impl FnMut(&mut [libc::c_char]) -> (libc::c_int, Option<T>),
) -> io::Result<Option<T>> {
    let mut len = initial_len(sysconf);
    loop {
        let mut buf = vec![0 as libc::c_char; len];
        let (rc, found) = call(&mut buf);
        if rc == libc::ERANGE && len < MAX_LEN {
            len *= 2;
            continue;
        }
        if rc != 0 {
            return Err(io::Error::from_raw_os_error(rc));
        }
        return Ok(found);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn root_exists_and_a_made_up_name_does_not() {
        let a = SystemAccounts;
        assert_eq!(a.user("root").unwrap(), Some((0, 0)));
        assert_eq!(a.group("root").unwrap(), Some(0));
        assert_eq!(a.user("no-such-user-ka-rs").unwrap(), None);
        assert_eq!(a.group("no-such-group-ka-rs").unwrap(), None);
        assert_eq!(a.user("nul\0byte").unwrap(), None);
    }
}
