//! Who may change code, and which requests the host accepts at all (see the threat model in
//! `spec/host.md`).
//!
//! - **The admin token.** Changing a module (`POST /api/evolve_plugin`, or a message that makes
//!   the synthesiser install a method) needs `Authorization: Bearer TOKEN`. The token is given
//!   (`--token-file`, `AURA_TOKEN`) or generated at first start and kept in the data directory
//!   (`token`, mode 0600) for `aura send` and other clients to read. It is compared in constant
//!   time.
//! - **Host and Origin.** A host bound to a loopback address answers only requests whose `Host`
//!   is a loopback name (a DNS-rebinding page has its own name there); the host's own endpoints
//!   refuse a POST whose `Origin` is not the host itself (a web page open in the developer's
//!   browser), and want `Content-Type: application/json` (which a page cannot send across origins
//!   without the browser asking first).

use std::io::{Read, Write};
use std::net::IpAddr;
use std::path::{Path, PathBuf};

/// Bytes of randomness in a generated token (hex-encoded: 64 characters).
const TOKEN_BYTES: usize = 32;

/// Where the admin token came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TokenSource {
    /// Given by the operator (`--token-file`, `AURA_TOKEN`).
    Explicit,
    /// Generated at this start and written to the file.
    Generated(PathBuf),
    /// Read from the data directory, where an earlier start generated it.
    Stored(PathBuf),
}

/// What the HTTP side checks before a request reaches a handler.
pub struct Guard {
    token: String,
    /// `None`: any `Host` is accepted (a non-loopback bind without `--allow-host`).
    hosts: Option<Vec<String>>,
}

impl Guard {
    pub fn new(token: String, bind: IpAddr, allowed: &[String]) -> Guard {
        let hosts = if !allowed.is_empty() {
            Some(allowed.iter().map(|h| h.to_ascii_lowercase()).collect())
        } else if bind.is_loopback() {
            Some(vec![
                "localhost".to_string(),
                "127.0.0.1".to_string(),
                "[::1]".to_string(),
            ])
        } else {
            None
        };
        Guard { token, hosts }
    }

    /// Is `Authorization: Bearer TOKEN` (the header's value, if any) the admin token?
    pub fn authorized(&self, header: Option<&[u8]>) -> bool {
        let Some(value) = header else {
            return false;
        };
        let Some(given) = value.strip_prefix(b"Bearer ") else {
            return false;
        };
        constant_time_eq(given.trim_ascii(), self.token.as_bytes())
    }

    /// Is the `Host` header's name (without the port) one this host answers to? A request
    /// without `Host` (HTTP/1.0) is accepted: a browser always sends one.
    pub fn host_allowed(&self, host: Option<&str>) -> bool {
        let (Some(allowed), Some(host)) = (&self.hosts, host) else {
            return true;
        };
        let name = strip_port(host).to_ascii_lowercase();
        allowed.contains(&name)
    }

    /// Is `origin` (the `Origin` header, if any) this host itself? No `Origin` is a client that
    /// is not a browser page (curl, `aura send`): accepted.
    pub fn origin_allowed(&self, origin: Option<&str>, host: Option<&str>) -> bool {
        let Some(origin) = origin else {
            return true;
        };
        let Some(rest) = origin.strip_prefix("http://") else {
            return false;
        };
        match host {
            Some(host) => rest.eq_ignore_ascii_case(host) && self.host_allowed(Some(rest)),
            None => false,
        }
    }
}

/// `name:port` → `name`; `[::1]:port` → `[::1]`.
fn strip_port(host: &str) -> &str {
    if host.starts_with('[') {
        return match host.find(']') {
            Some(end) => &host[..=end],
            None => host,
        };
    }
    match host.rsplit_once(':') {
        Some((name, port)) if port.bytes().all(|b| b.is_ascii_digit()) => name,
        _ => host,
    }
}

/// Compares without an early exit, so the time taken does not tell how much of a guess matched.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    let mut diff = u8::from(a.len() != b.len());
    for (i, &x) in a.iter().enumerate() {
        let y = b.get(i % b.len().max(1)).copied().unwrap_or(0);
        diff |= x ^ y;
    }
    std::hint::black_box(diff) == 0
}

/// The token file beside the database (`DIR/.aura/token` by default).
pub fn token_path(data: &Path) -> PathBuf {
    data.parent()
        .map_or_else(|| PathBuf::from("token"), Path::to_path_buf)
        .join("token")
}

/// The admin token: `explicit` if given, else the one in `path`, else a new one written there
/// (mode 0600).
pub fn load_or_create(
    explicit: Option<String>,
    path: &Path,
) -> Result<(String, TokenSource), String> {
    if let Some(token) = explicit {
        let token = token.trim().to_string();
        if token.len() < 16 {
            return Err("the admin token must be at least 16 characters".into());
        }
        return Ok((token, TokenSource::Explicit));
    }
    match std::fs::read_to_string(path) {
        Ok(text) if !text.trim().is_empty() => {
            restrict(path)?;
            return Ok((
                text.trim().to_string(),
                TokenSource::Stored(path.to_path_buf()),
            ));
        }
        Ok(_) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(format!("cannot read {}: {e}", path.display())),
    }
    let token = random_token()?;
    write_private(path, &token).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    Ok((token, TokenSource::Generated(path.to_path_buf())))
}

/// Reads a token from a file (`--token-file`), trimmed.
pub fn read_token_file(path: &Path) -> Result<String, String> {
    std::fs::read_to_string(path)
        .map(|t| t.trim().to_string())
        .map_err(|e| format!("cannot read the token file {}: {e}", path.display()))
}

fn random_token() -> Result<String, String> {
    let mut bytes = [0u8; TOKEN_BYTES];
    std::fs::File::open("/dev/urandom")
        .and_then(|mut f| f.read_exact(&mut bytes))
        .map_err(|e| format!("cannot read /dev/urandom for the admin token: {e}"))?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

#[cfg(unix)]
fn write_private(path: &Path, token: &str) -> std::io::Result<()> {
    use std::os::unix::fs::OpenOptionsExt;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)?;
    file.write_all(format!("{token}\n").as_bytes())?;
    file.sync_all()
}

#[cfg(not(unix))]
fn write_private(path: &Path, token: &str) -> std::io::Result<()> {
    std::fs::write(path, format!("{token}\n"))
}

/// Makes an existing token file readable by its owner only.
#[cfg(unix)]
fn restrict(path: &Path) -> Result<(), String> {
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?
        .permissions()
        .mode();
    if mode & 0o077 != 0 {
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))
            .map_err(|e| format!("cannot restrict {}: {e}", path.display()))?;
    }
    Ok(())
}

#[cfg(not(unix))]
fn restrict(_: &Path) -> Result<(), String> {
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn constant_time_eq_compares_whole_strings() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"ab", b"abc"));
        assert!(!constant_time_eq(b"abcd", b"abc"));
        assert!(!constant_time_eq(b"", b"abc"));
        assert!(constant_time_eq(b"", b""));
    }

    #[test]
    fn hosts_and_origins_on_loopback() {
        let guard = Guard::new("t".repeat(20), IpAddr::from([127, 0, 0, 1]), &[]);
        assert!(guard.host_allowed(Some("127.0.0.1:8080")));
        assert!(guard.host_allowed(Some("LOCALHOST:1")));
        assert!(guard.host_allowed(Some("[::1]:8080")));
        assert!(!guard.host_allowed(Some("evil.example:8080")));
        assert!(!guard.host_allowed(Some("127.0.0.1.evil.example")));
        assert!(guard.origin_allowed(None, Some("127.0.0.1:8080")));
        assert!(guard.origin_allowed(Some("http://127.0.0.1:8080"), Some("127.0.0.1:8080")));
        assert!(!guard.origin_allowed(Some("http://evil.example"), Some("127.0.0.1:8080")));
        assert!(!guard.origin_allowed(Some("null"), Some("127.0.0.1:8080")));
        let open = Guard::new("t".repeat(20), IpAddr::from([0, 0, 0, 0]), &[]);
        assert!(open.host_allowed(Some("anything.example")));
    }

    #[test]
    fn bearer_tokens() {
        let guard = Guard::new(
            "s3cret-token-0123456789".into(),
            IpAddr::from([127, 0, 0, 1]),
            &[],
        );
        assert!(guard.authorized(Some(b"Bearer s3cret-token-0123456789")));
        assert!(!guard.authorized(Some(b"Bearer s3cret-token-012345678")));
        assert!(!guard.authorized(Some(b"s3cret-token-0123456789")));
        assert!(!guard.authorized(None));
    }
}
