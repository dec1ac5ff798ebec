//! Unix domain sockets: the client's `rs+unix://`, `unix://` and `ws+unix://`
//! URLs, and the server's socket file, whose permission bits are the access
//! control (only users allowed to open the file can connect).
//!
//! Binding is done so that the socket never exists at its final path with
//! looser permissions than asked: it is bound under a temporary name in the
//! same directory, given its mode, then renamed over the final path. A file
//! already at the path is replaced only if it is a socket (a stale one left
//! by a crashed process); anything else is an error and stays untouched.

#[cfg(feature = "router")]
use std::io;
#[cfg(feature = "router")]
use std::os::unix::fs::{FileTypeExt, MetadataExt, PermissionsExt};
#[cfg(feature = "router")]
use std::path::Path;
use std::path::PathBuf;

#[cfg(feature = "router")]
use tokio::net::UnixListener;
use tokio::net::UnixStream;

use super::io::ByteStream;

/// Default mode of a socket file: read and write for its owner only.
pub const DEFAULT_SOCKET_MODE: u32 = 0o600;

impl ByteStream for UnixStream {
    fn is_unix(&self) -> bool {
        true
    }
}

/// The path of a `rs+unix://`, `unix://` or `ws+unix://` URL: everything after
/// `://`, which must be an absolute path (`unix:///run/wamp.sock`).
pub(crate) fn url_path(rest: &str) -> Option<PathBuf> {
    rest.starts_with('/').then(|| PathBuf::from(rest))
}

#[cfg(feature = "router")]
/// A bound socket file; removes it when dropped (if it is still the socket
/// bound here, not one another process put there since).
#[derive(Debug)]
pub(crate) struct SocketFile {
    path: PathBuf,
    identity: (u64, u64),
}

#[cfg(feature = "router")]
impl Drop for SocketFile {
    fn drop(&mut self) {
        if let Ok(meta) = std::fs::symlink_metadata(&self.path)
            && (meta.dev(), meta.ino()) == self.identity
            && let Err(e) = std::fs::remove_file(&self.path)
        {
            tracing::warn!(path = %self.path.display(), error = %e, "cannot remove the socket file");
        }
    }
}

#[cfg(feature = "router")]
/// Binds a Unix socket at `path` with permission bits `mode` (e.g. `0o600`,
/// `0o660`), replacing a stale socket file but no other kind of file.
pub(crate) fn bind(path: &Path, mode: u32) -> io::Result<(UnixListener, SocketFile)> {
    check_replaceable(path)?;
    let name = path.file_name().ok_or_else(|| {
        io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("{} is not a file path", path.display()),
        )
    })?;
    let mut temporary_name = std::ffi::OsString::from(".");
    temporary_name.push(name);
    temporary_name.push(format!(
        ".{}.{:x}.tmp",
        std::process::id(),
        rand::random::<u64>()
    ));
    let temporary = path.with_file_name(temporary_name);
    let listener = UnixListener::bind(&temporary)?;
    let placed = std::fs::set_permissions(&temporary, std::fs::Permissions::from_mode(mode))
        .and_then(|()| check_replaceable(path))
        .and_then(|()| std::fs::rename(&temporary, path));
    if let Err(e) = placed {
        let _ = std::fs::remove_file(&temporary);
        return Err(e);
    }
    let meta = std::fs::symlink_metadata(path)?;
    let file = SocketFile {
        path: path.to_owned(),
        identity: (meta.dev(), meta.ino()),
    };
    Ok((listener, file))
}

#[cfg(feature = "router")]
/// Ok if nothing is at `path` or a socket is (to be replaced); an error
/// naming the problem otherwise.
fn check_replaceable(path: &Path) -> io::Result<()> {
    match std::fs::symlink_metadata(path) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(e),
        Ok(meta) if meta.file_type().is_socket() => Ok(()),
        Ok(_) => Err(io::Error::new(
            io::ErrorKind::AlreadyExists,
            format!(
                "{} exists and is not a socket; not replacing it",
                path.display()
            ),
        )),
    }
}
