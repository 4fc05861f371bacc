//! Who is at the other end of a connection to the listener.
//!
//! RFC 8252 §8.3 leaves a loopback redirect open to every process on the machine, and the
//! authorization URL is in the browser's argv, which every local user may read. Another user
//! could open it in their own browser, sign in as themselves, and send the code to the
//! listener: `state` and PKCE would match. So the listener takes a callback only from a
//! connection owned by the user running the app.
//!
//! - Linux: the kernel's socket table (`/proc/net/tcp`, `/proc/net/tcp6`) gives the uid that
//!   owns the browser's end of the connection.
//! - Windows: `GetExtendedTcpTable` gives the process that owns it, and that process's token
//!   its user's SID.
//! - macOS (and other systems): no interface maps a connection to its owner without
//!   privileges, short of reading every process's descriptors, which an unprivileged process
//!   can do only for its own user's. There the owner is [`Owner::Unverifiable`] and the
//!   callback is taken as RFC 8252 describes; `state` and PKCE still bind it to this attempt.
//!
//! Where the check exists it fails closed: on Linux or Windows, a connection whose owner cannot
//! be established (the socket table hidden by a sandbox, `/proc` mounted with `subset=pid` as
//! systemd's `ProcSubset=pid` does, `GetExtendedTcpTable` failing) is [`Owner::Unreadable`],
//! and its callback is refused.

use std::net::{Ipv4Addr, SocketAddr, SocketAddrV4};

/// The owner of a connection to the listener, as far as this system can tell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Owner {
    /// A process of the user running the app.
    ThisUser,
    /// A process of another user of this computer, or one this user may not look at.
    AnotherUser,
    /// The connection is not in the system's table: its other end has already gone.
    NotFound,
    /// The system's table of connections could not be read, so whose connection it is cannot
    /// be established (the reason is logged where it was read).
    Unreadable,
    /// This system offers no unprivileged way to tell (macOS).
    #[cfg_attr(any(target_os = "linux", windows), allow(dead_code))]
    Unverifiable,
}

impl Owner {
    /// Whether a request on this connection may complete the sign-in: only this user's, or
    /// any on a system that cannot tell (RFC 8252 §8.3: `state` and PKCE alone). One shown to be
    /// someone else's, one that cannot be found, and one whose owner could not be established
    /// where the system can tell, may not.
    pub(crate) fn may_complete(self) -> bool {
        matches!(self, Self::ThisUser | Self::Unverifiable)
    }
}

/// The owner of the connection that reached the listener at `local` from `peer`.
pub(crate) fn of(local: SocketAddr, peer: SocketAddr) -> Owner {
    let (SocketAddr::V4(local), SocketAddr::V4(peer)) = (normal(local), normal(peer)) else {
        // The listener is bound to 127.0.0.1 only.
        return Owner::NotFound;
    };
    platform::owner(local, peer)
}

/// `address` with an IPv4-mapped IPv6 address (`::ffff:127.0.0.1`) as the IPv4 one.
fn normal(address: SocketAddr) -> SocketAddr {
    match address {
        SocketAddr::V6(v6) => match v6.ip().to_ipv4_mapped() {
            Some(v4) => SocketAddr::V4(SocketAddrV4::new(v4, v6.port())),
            None => address,
        },
        v4 => v4,
    }
}

/// One row of a `/proc/net/tcp{,6}` table: the uid owning the socket whose local end is
/// `from` and whose remote end is `to`. A row in `TIME_WAIT` (state `06`) is a socket's
/// remains, whose uid the kernel no longer keeps, so it is passed over.
#[cfg_attr(not(target_os = "linux"), allow(dead_code))]
fn uid_in_table(table: &str, from: SocketAddrV4, to: SocketAddrV4) -> Option<u32> {
    table.lines().skip(1).find_map(|line| {
        // sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid …
        let mut fields = line.split_whitespace();
        let local = table_address(fields.nth(1)?)?;
        let remote = table_address(fields.next()?)?;
        let state = fields.next()?;
        if local != from || remote != to || state == "06" {
            return None;
        }
        fields.nth(3)?.parse().ok()
    })
}

/// An address as the kernel prints it in `/proc/net/tcp{,6}`: the address's 32-bit words in
/// hex, each in the machine's byte order, then the port in hex. IPv4-mapped IPv6 addresses
/// come back as IPv4; other IPv6 addresses as `None` (the listener is IPv4).
#[cfg_attr(not(target_os = "linux"), allow(dead_code))]
fn table_address(text: &str) -> Option<SocketAddrV4> {
    let (address, port) = text.split_once(':')?;
    let port = u16::from_str_radix(port, 16).ok()?;
    let word = |i: usize| {
        let hex = address.get(i * 8..i * 8 + 8)?;
        u32::from_str_radix(hex, 16).ok().map(u32::to_ne_bytes)
    };
    let ip = match address.len() {
        8 => Ipv4Addr::from(word(0)?),
        32 => {
            let mut octets = [0; 16];
            for i in 0..4 {
                octets[i * 4..i * 4 + 4].copy_from_slice(&word(i)?);
            }
            std::net::Ipv6Addr::from(octets).to_ipv4_mapped()?
        }
        _ => return None,
    };
    Some(SocketAddrV4::new(ip, port))
}

/// Whether a row of Windows' TCP table (`MIB_TCPROW_OWNER_PID`: addresses in network byte
/// order as stored, ports in network byte order in the low 16 bits) is the connection whose
/// local end is `from` and whose remote end is `to`.
#[cfg_attr(not(windows), allow(dead_code))]
fn is_row(row: [u32; 4], from: SocketAddrV4, to: SocketAddrV4) -> bool {
    let [local_addr, local_port, remote_addr, remote_port] = row;
    let address = |addr: u32, port: u32| {
        SocketAddrV4::new(
            Ipv4Addr::from(addr.to_ne_bytes()),
            u16::from_be(port as u16),
        )
    };
    address(local_addr, local_port) == from && address(remote_addr, remote_port) == to
}

#[cfg(target_os = "linux")]
mod platform {
    use super::{uid_in_table, Owner, SocketAddrV4};

    pub(super) fn owner(listener: SocketAddrV4, peer: SocketAddrV4) -> Owner {
        // SAFETY: geteuid has no preconditions and cannot fail.
        let me = unsafe { libc::geteuid() };
        // A client's IPv6 socket reaching an IPv4 address is listed in tcp6, as mapped.
        for table in ["/proc/net/tcp", "/proc/net/tcp6"] {
            let text = match std::fs::read_to_string(table) {
                Ok(text) => text,
                // A kernel without IPv6 has no tcp6; the IPv4 table was read.
                Err(e) if table.ends_with('6') && e.kind() == std::io::ErrorKind::NotFound => {
                    break;
                }
                Err(e) => {
                    tracing::warn!(
                        table,
                        error = %e,
                        "the kernel's socket table cannot be read, so the owner of a connection \
                         to the sign-in's listener cannot be established; it is refused"
                    );
                    return Owner::Unreadable;
                }
            };
            if let Some(uid) = uid_in_table(&text, peer, listener) {
                return if uid == me {
                    Owner::ThisUser
                } else {
                    Owner::AnotherUser
                };
            }
        }
        Owner::NotFound
    }
}

#[cfg(windows)]
#[path = "owner/windows.rs"]
mod platform;

#[cfg(not(any(target_os = "linux", windows)))]
mod platform {
    use super::{Owner, SocketAddrV4};

    pub(super) fn owner(_listener: SocketAddrV4, _peer: SocketAddrV4) -> Owner {
        Owner::Unverifiable
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v4(text: &str) -> SocketAddrV4 {
        text.parse().unwrap()
    }

    /// Two rows as Linux prints them on a little-endian machine: the browser's end
    /// (127.0.0.1:51000 → 127.0.0.1:8080, uid 1000) and the app's (uid 0).
    #[cfg(target_endian = "little")]
    const TABLE: &str = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 0100007F:1F90 0100007F:C738 01 00000000:00000000 00:00000000 00000000     0        0 20 1 0 20 -1
   1: 0100007F:C738 0100007F:1F90 01 00000000:00000000 00:00000000 00000000  1000        0 21 1 0 20 -1
   2: 0100007F:C739 0100007F:1F90 06 00000000:00000000 03:00001770 00000000     0        0 0 3 0
";

    #[cfg(target_endian = "little")]
    #[test]
    fn the_browsers_end_of_a_connection_is_found_with_its_uid() {
        let (browser, listener) = (v4("127.0.0.1:51000"), v4("127.0.0.1:8080"));
        assert_eq!(uid_in_table(TABLE, browser, listener), Some(1000));
        assert_eq!(uid_in_table(TABLE, listener, browser), Some(0));
        // Another connection, and one in TIME_WAIT, are not it.
        assert_eq!(uid_in_table(TABLE, v4("127.0.0.1:51002"), listener), None);
        assert_eq!(uid_in_table(TABLE, v4("127.0.0.1:51001"), listener), None);
    }

    #[cfg(target_endian = "little")]
    #[test]
    fn an_ipv6_socket_reaching_the_ipv4_listener_is_read_as_ipv4() {
        let mapped = "0000000000000000FFFF00000100007F:C738";
        assert_eq!(table_address(mapped), Some(v4("127.0.0.1:51000")));
        assert_eq!(
            table_address("00000000000000000000000001000000:1F90"),
            None,
            "::1 is not the IPv4 listener"
        );
        assert_eq!(table_address("0100007F"), None);
        assert_eq!(table_address("0100007:1F90"), None);
    }

    #[test]
    fn a_windows_row_is_read_in_network_byte_order() {
        let (browser, listener) = (v4("127.0.0.1:51000"), v4("127.0.0.1:8080"));
        let address = |a: SocketAddrV4| u32::from_ne_bytes(a.ip().octets());
        let port = |a: SocketAddrV4| u32::from(a.port().to_be());
        let row = [
            address(browser),
            port(browser),
            address(listener),
            port(listener),
        ];
        assert!(is_row(row, browser, listener));
        assert!(!is_row(row, listener, browser));
    }

    #[test]
    fn only_this_user_or_a_system_that_cannot_tell_completes_a_sign_in() {
        assert!(Owner::ThisUser.may_complete());
        assert!(Owner::Unverifiable.may_complete());
        assert!(!Owner::AnotherUser.may_complete());
        assert!(!Owner::NotFound.may_complete());
        assert!(!Owner::Unreadable.may_complete(), "fail closed");
    }

    #[cfg(any(target_os = "linux", windows))]
    #[test]
    fn a_connection_from_this_process_is_this_users() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let client = std::net::TcpStream::connect(listener.local_addr().unwrap()).unwrap();
        let (server, peer) = listener.accept().unwrap();
        assert_eq!(peer, client.local_addr().unwrap());
        assert_eq!(of(server.local_addr().unwrap(), peer), Owner::ThisUser);
        drop(client);
        drop(server);
        // A connection that never was is not found.
        assert_eq!(
            of(
                listener.local_addr().unwrap(),
                "127.0.0.1:1".parse().unwrap()
            ),
            Owner::NotFound
        );
    }
}
